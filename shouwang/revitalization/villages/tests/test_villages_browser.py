"""In a real browser: a village's page with its figures, projects, assets and cadres; editing its
profile makes it a key village that the key-village list then names; the pages fit a phone."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import VILLAGE_A1, VILLAGE_A2
from shouwang.cases.casefiles.models import CaseStatus
from shouwang.cases.tests.factories import make_case
from shouwang.registry.tests.factories import make_household
from shouwang.revitalization.assets.models import AssetClass
from shouwang.revitalization.assets.tests.factories import make_asset
from shouwang.revitalization.cadres.models import Cadre
from shouwang.revitalization.projects.models import Project, ProjectFund
from shouwang.revitalization.villages.models import VillageProfile
from shouwang.testing.browser_support import body_overflow, log_in

pytestmark = pytest.mark.browser


def _village(year: int) -> None:
    VillageProfile.objects.create(village_id=VILLAGE_A1, year=year, ex_poor=True, collective_income=Decimal("86000"),
                                  hardened_road=True, tap_water=True, broadband=True, clinic=True)
    VillageProfile.objects.create(village_id=VILLAGE_A2, year=year, collective_income=Decimal("260000"),
                                  hardened_road=True, tap_water=True)
    for members in (4, 2, 5):
        make_household(VILLAGE_A1, members=members)
    make_case(village=VILLAGE_A1, status=CaseStatus.MONITORED)
    project = Project.objects.create(year=year, name="黄金茶基地提质", village_id=VILLAGE_A1, goal="industry",
                                     category="industry", status="approved")
    ProjectFund.objects.create(project=project, source="central", amount=Decimal("450000"))
    make_asset(VILLAGE_A1, AssetClass.OPERATING, name="黄金茶加工厂", value="380000", project=project)
    make_asset(VILLAGE_A1, AssetClass.PUBLIC, name="村级卫生室", value="150000")
    Cadre.objects.create(kind="first_secretary", name="向国华", region_code=VILLAGE_A1, unit="州农业农村局",
                         term_start=date(year - 1, 5, 1))
    Cadre.objects.create(kind="team_member", name="田丽娟", region_code=VILLAGE_A1, unit="县财政局",
                         term_start=date(year - 1, 5, 1))


def test_village_profile_page_and_the_key_village_check(page, live_server, personas, screenshot_dir):
    year = date.today().year
    _village(year)
    log_in(page, live_server, "carol")
    page.goto(live_server.url + reverse("revitalization:village_profile", args=[VILLAGE_A1]) + f"?year={year}")
    assert page.locator("#village-counts [data-figure=households] .stat-value").inner_text() == "4"
    # 4 + 2 + 5 people, and 3 in the household behind the case
    assert page.locator("#village-counts [data-figure=population] .stat-value").inner_text() == "14"
    assert page.locator("#village-counts [data-figure=monitored] .stat-value").inner_text() == "1"
    assert page.locator("#village-projects").inner_text().count("黄金茶基地提质") == 1
    assert page.locator("#village-assets tbody tr").count() == 2
    assert page.locator("#village-cadres tr[data-kind=first_secretary]").count() == 1
    assert page.locator("[data-category=ex_poor]").count() == 1 and page.locator("[data-category=weak]").count() == 1
    assert page.locator("#no-secretary").count() == 0
    page.screenshot(path=str(screenshot_dir / "village-profile.png"), full_page=True)

    # A2 becomes a slack village: a key village without a first secretary, listed as such.
    page.goto(live_server.url + reverse("revitalization:village_edit", args=[VILLAGE_A2]) + f"?year={year}")
    page.check("#profile-form input[name=slack]")
    page.click("#profile-form button[type=submit]")
    page.wait_for_selector("#no-secretary")
    page.goto(live_server.url + reverse("revitalization:village_list") + f"?year={year}")
    assert page.locator("#key-lacking-link").inner_text().startswith("1 ")
    page.click("#key-lacking-link")
    rows = page.locator("#key-lacking tbody tr")
    assert rows.count() == 1 and rows.first.get_attribute("data-village") == VILLAGE_A2


def test_village_pages_fit_a_360px_phone(phone_page, live_server, personas, screenshot_dir):
    year = date.today().year
    _village(year)
    log_in(phone_page, live_server, "alice")
    for url in (reverse("revitalization:village_list"), reverse("revitalization:village_key_lacking"),
                reverse("revitalization:village_profile", args=[VILLAGE_A1]),
                reverse("revitalization:village_edit", args=[VILLAGE_A1])):
        phone_page.goto(live_server.url + url)
        assert body_overflow(phone_page) <= 0, url
    phone_page.goto(live_server.url + reverse("revitalization:village_profile", args=[VILLAGE_A1]))
    assert phone_page.locator("#village-cadres tbody tr").count() == 2
    phone_page.screenshot(path=str(screenshot_dir / "phone-village-profile.png"), full_page=True)
