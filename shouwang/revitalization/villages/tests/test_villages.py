"""Village profiles: the weak category, the key-village check and its twin, figures equal direct counts,
the registers' figures, scope."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from conftest import COUNTY, TOWNSHIP_A, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1, VILLAGE_B2
from shouwang.cases.casefiles.models import Case, CaseStatus
from shouwang.cases.tests.factories import make_case
from shouwang.core.models import ChangeLog
from shouwang.regions.models import Region
from shouwang.registry.models import Household, Member
from shouwang.registry.tests.factories import make_household
from shouwang.revitalization.assets.models import AssetClass
from shouwang.revitalization.assets.services import Distribution, record_income, request_disposal
from shouwang.revitalization.assets.tests.factories import make_asset
from shouwang.revitalization.cadres.models import Cadre
from shouwang.revitalization.projects.models import Disbursement, Project, ProjectFund
from shouwang.revitalization.villages import services
from shouwang.revitalization.villages.models import VillageProfile, WeakSetting

pytestmark = pytest.mark.django_db
D = Decimal
YEAR = 2025
TODAY = date(2025, 6, 30)


def _profile(village: str, **fields) -> VillageProfile:
    return VillageProfile.objects.create(village_id=village, year=fields.pop("year", YEAR), **fields)


def _secretary(village: str, *, start: date, end: date | None) -> Cadre:
    return Cadre.objects.create(kind="first_secretary", name=f"书记{village[-3:]}", region_code=village,
                                term_start=start, term_end=end, unit="县农业农村局")


# --- the weak category ------------------------------------------------------------------------------


def test_weak_is_derived_from_the_county_threshold_unless_set_by_hand(personas):
    _profile(VILLAGE_A1, collective_income=D("99999.99"))
    _profile(VILLAGE_A2, collective_income=D("100000"))
    _profile(VILLAGE_B1, collective_income=D("10"), weak_setting=WeakSetting.NOT_WEAK)
    _profile(VILLAGE_B2, collective_income=None, weak_setting=WeakSetting.WEAK)

    def weak() -> list[str]:
        return sorted(p.village_id for p in VillageProfile.objects.with_weak() if p.is_weak)

    assert weak() == [VILLAGE_A1, VILLAGE_B2]  # the default threshold: 100,000 yuan
    services.set_threshold(personas["erin"], COUNTY, D("200000"))
    assert weak() == [VILLAGE_A1, VILLAGE_A2, VILLAGE_B2]
    assert services.threshold_for(VILLAGE_A1) == D("200000")
    with pytest.raises(PermissionDenied):
        services.set_threshold(personas["carol"], COUNTY, D("1"))
    assert ChangeLog.objects.filter(object_type="revitalization.villagesettings").count() == 1


# --- the key-village check ----------------------------------------------------------------------------


def test_key_village_without_a_first_secretary_is_listed_and_its_twin_is_not(personas):
    # Twins: both ex-poor villages of township A in the year; only A2's secretary is in term today.
    _profile(VILLAGE_A1, ex_poor=True)
    _profile(VILLAGE_A2, ex_poor=True)
    _secretary(VILLAGE_A1, start=date(2021, 6, 1), end=date(2024, 6, 1))  # term over
    _secretary(VILLAGE_A2, start=date(2024, 6, 1), end=date(2026, 6, 1))
    lacking = services.key_villages_without_secretary(TOWNSHIP_A, YEAR, TODAY)
    assert [p.village_id for p in lacking] == [VILLAGE_A1]
    # Appoint one to A1: the check no longer fires.
    _secretary(VILLAGE_A1, start=date(2025, 1, 1), end=None)
    assert not services.key_villages_without_secretary(TOWNSHIP_A, YEAR, TODAY).exists()


def test_each_key_category_counts_and_an_ordinary_village_does_not(personas):
    _profile(VILLAGE_A1, slack=True)
    _profile(VILLAGE_A2, collective_income=D("5000"))  # weak
    _profile(VILLAGE_B1, collective_income=D("500000"))  # ordinary: no secretary needed
    _profile(VILLAGE_B2, ex_poor=True, year=YEAR - 1)  # another year
    lacking = services.key_villages_without_secretary(COUNTY, YEAR, TODAY)
    assert sorted(p.village_id for p in lacking) == [VILLAGE_A1, VILLAGE_A2]


def test_the_key_village_page_lists_the_region_only(client, personas):
    _profile(VILLAGE_A1, ex_poor=True)
    _profile(VILLAGE_B1, ex_poor=True)
    client.force_login(personas["carol"])
    response = client.get(reverse("revitalization:village_key_lacking"), {"year": YEAR})
    assert [p.village_id for p in response.context["rows"]] == [VILLAGE_A1]


# --- the village's page: figures equal direct counts ---------------------------------------------------


def test_profile_page_figures_equal_direct_counts(client, personas):
    _profile(VILLAGE_A1, ex_poor=True, collective_income=D("86000"), hardened_road=True, broadband=True)
    for members in (3, 5, 1):
        make_household(VILLAGE_A1, members=members)
    make_household(VILLAGE_A2, members=4)
    make_case(village=VILLAGE_A1, status=CaseStatus.MONITORED)
    make_case(village=VILLAGE_A1, status=CaseStatus.ELIMINATING)
    make_case(village=VILLAGE_A1, status=CaseStatus.ELIMINATED)  # cleared: not monitored
    make_case(village=VILLAGE_A2, status=CaseStatus.MONITORED)
    project = Project.objects.create(year=YEAR, name="村道硬化", village_id=VILLAGE_A1, goal="ecology",
                                     category="construction", status="approved")
    ProjectFund.objects.create(project=project, source="central", amount=D("300000"))
    ProjectFund.objects.create(project=project, source="county", amount=D("50000"))
    Disbursement.objects.create(project=project, paid_on=date(2025, 5, 1), amount=D("120000"))
    shared = Project.objects.create(year=YEAR, name="联村产业园", village_id=VILLAGE_A2, goal="industry",
                                    category="industry")
    shared.villages.add(VILLAGE_A1)
    Project.objects.create(year=YEAR, name="他村项目", village_id=VILLAGE_A2, goal="industry", category="industry")
    make_asset(VILLAGE_A1, AssetClass.PUBLIC, value="350000")
    make_asset(VILLAGE_A1, AssetClass.OPERATING, value="80000")
    _secretary(VILLAGE_A1, start=date(2024, 1, 1), end=None)

    client.force_login(personas["alice"])
    response = client.get(reverse("revitalization:village_profile", args=[VILLAGE_A1]), {"year": YEAR})
    assert response.status_code == 200
    context = response.context
    assert context["counts"] == {
        "households": Household.objects.filter(village_id=VILLAGE_A1).count(),
        "population": Member.objects.filter(household__village_id=VILLAGE_A1).count(),
        "monitored": Case.objects.filter(household__village_id=VILLAGE_A1,
                                         status__in=["monitored", "eliminating"]).count(),
    }
    # Three households made here and one behind each case of A1 (three people each).
    assert context["counts"] == {"households": 6, "population": 18, "monitored": 2}
    projects = {p.name: p for p in context["projects"]}
    assert sorted(projects) == ["村道硬化", "联村产业园"]
    assert (projects["村道硬化"].funds_total, projects["村道硬化"].disbursed_total) == (D("350000"), D("120000"))
    by_class = {row["asset_class"]: (row["count"], row["value"]) for row in context["asset_classes"]}
    assert by_class == {"operating": (1, D("80000")), "public": (1, D("350000")), "household": (0, D("0"))}
    assert [c.name for c in context["cadres"]] == ["书记201"]
    assert context["profile"].is_key and context["profile"].is_weak  # ex-poor, and 86,000 < 100,000
    page = response.content.decode()
    assert "村道硬化" in page and "书记201" in page


def test_weak_on_the_page_follows_the_threshold(client, personas):
    _profile(VILLAGE_A1, collective_income=D("86000"))
    client.force_login(personas["alice"])
    url = reverse("revitalization:village_profile", args=[VILLAGE_A1])
    assert client.get(url, {"year": YEAR}).context["profile"].is_weak
    services.set_threshold(personas["erin"], COUNTY, D("50000"))
    assert not client.get(url, {"year": YEAR}).context["profile"].is_weak


def test_a_village_outside_the_region_answers_404(client, personas):
    client.force_login(personas["alice"])
    assert client.get(reverse("revitalization:village_profile", args=[VILLAGE_B1])).status_code == 404
    assert client.get(reverse("revitalization:village_profile", args=[TOWNSHIP_A])).status_code == 404
    assert client.get(reverse("revitalization:village_profile", args=[VILLAGE_A1])).status_code == 200


def test_profiles_list_and_api_are_scoped(client, personas):
    _profile(VILLAGE_A1, ex_poor=True)
    _profile(VILLAGE_A2)
    _profile(VILLAGE_B1, slack=True)
    client.force_login(personas["carol"])
    response = client.get(reverse("revitalization:village_list"), {"year": YEAR})
    assert sorted(p.village_id for p in response.context["page"].object_list) == [VILLAGE_A1, VILLAGE_A2]
    response = client.get(reverse("revitalization:village_list"), {"year": YEAR, "category": "key"})
    assert [p.village_id for p in response.context["page"].object_list] == [VILLAGE_A1]
    data = client.get("/api/revitalization/village-profiles/", {"year": YEAR}).json()
    assert sorted(r["village"] for r in data["results"]) == [VILLAGE_A1, VILLAGE_A2]
    assert {r["village"]: r["is_key"] for r in data["results"]} == {VILLAGE_A1: True, VILLAGE_A2: False}


# --- writing a profile --------------------------------------------------------------------------------


def test_saving_a_profile_is_scoped_and_logged(client, personas):
    village = Region.objects.get(code=VILLAGE_A1)
    services.save_profile(personas["alice"], village, YEAR, ex_poor=True, collective_income=D("1000"))
    services.save_profile(personas["carol"], village, YEAR, collective_income=D("2000"))
    profile = VillageProfile.objects.get()
    assert (profile.ex_poor, profile.collective_income) == (True, D("2000"))
    with pytest.raises(PermissionDenied):
        services.save_profile(personas["judy"], village, YEAR, slack=True)
    with pytest.raises(PermissionDenied):
        services.save_profile(personas["grace"], village, YEAR, slack=True)
    actions = list(ChangeLog.objects.filter(object_type="revitalization.villageprofile").values_list("action",
                                                                                                      flat=True))
    assert sorted(actions) == ["create", "update"]
    client.force_login(personas["alice"])
    response = client.post(reverse("revitalization:village_edit", args=[VILLAGE_A1]) + f"?year={YEAR}", {
        "weak_setting": "derived", "collective_income": "3000", "tap_water": "on", "note": "改水完成"})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.tap_water, profile.ex_poor, profile.collective_income) == (True, False, D("3000"))


# --- the registers' figures for the dashboards ------------------------------------------------------------


def test_register_figures_equal_direct_sums(personas):
    on = TODAY
    approved = Project.objects.create(year=YEAR, name="产业园", village_id=VILLAGE_A1, goal="industry",
                                      category="industry", status="approved")
    ProjectFund.objects.create(project=approved, source="central", amount=D("400000"))
    Disbursement.objects.create(project=approved, paid_on=on - timedelta(days=10), amount=D("100000"))
    proposed = Project.objects.create(year=YEAR, name="未入库", village_id=VILLAGE_A2, goal="industry",
                                      category="industry")
    ProjectFund.objects.create(project=proposed, source="central", amount=D("999"))
    outside = Project.objects.create(year=YEAR, name="乙镇", village_id=VILLAGE_B1, goal="industry",
                                     category="industry", status="approved")
    ProjectFund.objects.create(project=outside, source="county", amount=D("50000"))
    operating = make_asset(VILLAGE_A1, AssetClass.OPERATING, value="80000")
    make_asset(VILLAGE_A2, AssetClass.HOUSEHOLD, value="3000")
    gone = make_asset(VILLAGE_A2, AssetClass.HOUSEHOLD, value="2000")
    gone.status = "disposed"
    gone.save()
    record_income(personas["alice"], operating, YEAR, Distribution(D("10000"), D("6000"), D("2000"), D("1500")),
                  households_reached=8, monitored_reached=2)
    request_disposal(personas["alice"], operating, kind="transfer", reason="x")  # a request changes nothing
    _profile(VILLAGE_A1, ex_poor=True)
    _profile(VILLAGE_A2, slack=True)
    _secretary(VILLAGE_A2, start=date(2024, 1, 1), end=None)

    figures = services.register_figures(TOWNSHIP_A, YEAR, on)
    assert figures["projects"] == 1
    assert figures["funds"] == D("400000") and figures["disbursed"] == D("100000")
    assert figures["disbursement_rate"] == D("25.0")
    by_class = {row["asset_class"]: (row["count"], row["value"]) for row in figures["assets_by_class"]}
    assert by_class == {"operating": (1, D("80000")), "public": (0, D("0")), "household": (1, D("3000"))}
    assert figures["asset_income"]["to_monitored"] == D("1500") and figures["asset_income"]["retained"] == D("500")
    assert (figures["key_villages"], figures["key_villages_without_secretary"]) == (2, 1)
    assert figures["key_villages_without_secretary_codes"] == [VILLAGE_A1]
    county = services.register_figures(COUNTY, YEAR, on)
    assert county["funds"] == D("450000") and county["projects"] == 2


def test_a_registered_panel_shows_on_the_village_page(client, personas, monkeypatch):
    """The scorecard comes from supervision, which registers a panel (revitalization cannot import it)."""
    monkeypatch.setattr(services, "_PANELS", [])
    services.register_panel(lambda user, village, year: {"title": "考核得分", "rows": [("总分", f"{village}-{year}")]})
    services.register_panel(lambda user, village, year: None)  # a panel with nothing to say is left out
    client.force_login(personas["alice"])
    response = client.get(reverse("revitalization:village_profile", args=[VILLAGE_A1]), {"year": YEAR})
    assert response.context["panels"] == [{"title": "考核得分", "rows": [("总分", f"{VILLAGE_A1}-{YEAR}")]}]
    assert f"{VILLAGE_A1}-{YEAR}" in response.content.decode()
