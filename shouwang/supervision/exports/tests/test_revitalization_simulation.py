"""The simulation's list of households entering or leaving, exported with the page's scope."""

from __future__ import annotations

from django.http import QueryDict

from conftest import COUNTY
from shouwang.revitalization.simulation.services import run_scenario, save_scenario
from shouwang.revitalization.simulation.tests.test_pages import YEAR, county  # noqa: F401 (a fixture)
from shouwang.supervision.exports.registry import get_export


def test_the_export_holds_the_list_of_the_page(county, personas):  # noqa: F811
    scenario = save_scenario(personas["erin"], name="+500", year=YEAR,
                             changes={"lines": [{"region_code": COUNTY, "amount": "8000"}]})
    run_scenario(scenario, personas["erin"])
    spec = get_export("simulation_subjects")
    rows = list(spec.queryset_for(personas["erin"], QueryDict(f"scenario={scenario.pk}&side=enter")))
    assert sorted(row[4] for row in rows) == ["SIM0001", "SIM0002"]
    assert {row[3] for row in rows} == {"新纳入"}
    assert list(spec.queryset_for(personas["carol"], QueryDict(f"scenario={scenario.pk}"))) == []
