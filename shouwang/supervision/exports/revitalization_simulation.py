"""Who enters and who leaves under a simulation scenario, registered for export: the same rows as its list page.

``?scenario=ID&section=monitoring|policy:ID&side=enter|leave&region=CODE`` as on the page
(``revitalization:simulation_subjects``); without ``side`` both sides. A scenario the user may not read
gives an empty file, as the page gives 404. No personal data: the household number, its village, its people.
"""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from shouwang.regions.models import region_names
from shouwang.registry.models import Household
from shouwang.revitalization.simulation.engine import MONITORING, SIDES, SimulationError, changed_subjects
from shouwang.revitalization.simulation.permissions import SIMULATE
from shouwang.revitalization.simulation.services import draft_of, scenarios_for

from .services import register_export

COLUMNS = ["方案", "年度", "项目", "变化", "户编号", "所属乡镇", "所属村", "人数"]
SIDE_NAMES = {"enter": "新纳入", "leave": "退出"}
CHUNK = 5000


def subject_rows(user, params: QueryDict) -> list[list]:
    try:
        scenario = scenarios_for(user).filter(pk=int(params.get("scenario") or 0)).first()
    except ValueError:
        return []
    if scenario is None:
        return []
    section = params.get("section") or MONITORING
    region = params.get("region") or scenario.region_code
    if not region.startswith(scenario.region_code):
        region = scenario.region_code
    label = next((s["label"] for s in scenario.result.get("sections", []) if s["key"] == section), section)
    draft = draft_of(scenario)
    wanted = [params["side"]] if params.get("side") in SIDES else list(SIDES)
    rows: list[list] = []
    for side in wanted:
        offset = 0
        while True:
            try:
                found, total = changed_subjects(draft, section, side, region, offset=offset, limit=CHUNK)
            except SimulationError:
                return []
            numbers = dict(Household.objects.filter(pk__in=[r.household_id for r in found]).values_list("pk", "number"))
            names = region_names({r.region_code for r in found} | {r.region_code[:9] for r in found})
            rows += [[scenario.name, scenario.year, label, SIDE_NAMES[side], numbers.get(r.household_id, ""),
                      names.get(r.region_code[:9], ""), names.get(r.region_code, ""), r.people] for r in found]
            offset += CHUNK
            if offset >= total:
                break
    return rows


register_export(
    "simulation_subjects", title=_("Who enters and leaves under a simulation"), columns=COLUMNS,
    queryset_for=subject_rows, row=lambda row: row, object_type="revitalization.scenario",
    filename="simulation", action=SIMULATE.name, sheet_name="模拟测算",
)
