"""In a real browser: a village proposes a project, its township reviews it, the county decides,
funds it and sees it in the library and its figures; the library's pages fit a phone."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from conftest import TOWNSHIP_A, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.registry.tests.factories import make_household
from shouwang.revitalization.projects import services
from shouwang.revitalization.projects.models import Project, ProjectStatus
from shouwang.testing.browser_support import body_overflow, log_in

pytestmark = pytest.mark.browser
YEAR = date.today().year


def _in_chinese(pg) -> None:
    """Switch the page to Chinese (the screenshots in docs/screenshots/ are in Chinese), as a user would."""
    button = pg.locator(".lang-switch button[value^=zh]")
    if button.count() and button.is_enabled():
        button.click()
        pg.wait_for_load_state()


def _library(personas) -> None:
    """A few projects of the year in both townships, some funded, with households reached."""
    for village, cadre, township, name, category in [
        (VILLAGE_A1, "alice", "carol", "椪柑标准化种植基地", "industry"),
        (VILLAGE_A2, "bob", "carol", "通组公路硬化", "construction"),
        (VILLAGE_B1, "judy", "dave", "帮扶车间", "employment"),
    ]:
        project = services.propose(personas[cadre], village=village, year=YEAR, name=name, goal="industry",
                                   category=category, budget="500000", linkage="务工、入股分红")
        services.act(project, personas[township], "review", passed=True)
        services.act(project, personas["erin"], "decide", passed=True)
        services.set_funds(project, personas["erin"], {"central": "300000", "integrated": "150000"})
        services.add_disbursement(project, personas["erin"], paid_on=date.today(), amount="200000")
        for _ in range(2):
            services.add_beneficiary(project, personas[cadre], household=make_household(village), kind="jobs",
                                     amount="9000")


def test_a_project_from_proposal_to_the_library(page, live_server, personas, screenshot_dir):
    _library(personas)
    log_in(page, live_server, "alice")
    page.goto(live_server.url + reverse("revitalization:project_new"))
    page.fill("input[name=name]", "村集体光伏电站")
    page.fill("input[name=year]", str(YEAR))
    page.select_option("select[name=category]", "industry")
    page.select_option("select[name=goal]", "prosperity")
    page.fill("input[name=budget]", "800000")
    page.fill("textarea[name=linkage]", "发电收益按户分红")
    page.click("#project-propose button[type=submit]")
    project = Project.objects.get(name="村集体光伏电站")
    page.wait_for_url(live_server.url + reverse("revitalization:project_detail", args=[project.pk]))
    assert "村已申报" in page.inner_text("#project-status")  # proposed by the village
    page.context.clear_cookies()

    log_in(page, live_server, "carol")
    page.goto(live_server.url + reverse("revitalization:project_detail", args=[project.pk]))
    assert page.locator("#project-decide").count() == 0  # a township never decides
    page.check("#project-review input[name=outcome][value=pass]")
    page.fill("#project-review textarea[name=reason]", "材料齐全，同意上报")
    page.click("#project-review button[type=submit]")
    page.wait_for_selector("#project-status.reviewed")
    page.context.clear_cookies()

    log_in(page, live_server, "erin")
    page.goto(live_server.url + reverse("revitalization:project_detail", args=[project.pk]))
    page.check("#project-decide input[name=outcome][value=pass]")
    page.click("#project-decide button[type=submit]")
    page.wait_for_selector("#project-status.approved")
    page.fill("#project-funds-form input[name=central]", "500000")
    page.fill("#project-funds-form input[name=provincial]", "100000")
    page.click("#project-funds-form button[type=submit]")
    page.wait_for_selector("text=资金已登记。")  # the funds are recorded
    page.fill("#project-disburse-form input[name=amount]", "250000")
    page.fill("#project-disburse-form input[name=note]", "首期拨付")
    page.click("#project-disburse-form button[type=submit]")
    page.wait_for_selector("#project-disbursements")
    assert page.locator("#project-history li").count() == 3
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.APPROVED

    page.goto(live_server.url + reverse("revitalization:project_list") + f"?year={YEAR}&township={TOWNSHIP_A}")
    assert page.locator("#project-list tbody tr").count() == 3  # A1's two and A2's, not B1's
    page.goto(live_server.url + reverse("revitalization:project_list") + f"?year={YEAR}")
    assert page.locator("#project-list tbody tr").count() == 4
    page.goto(live_server.url + reverse("revitalization:project_figures") + f"?year={YEAR}")
    assert page.inner_text("#figure-households .stat-value") == "6"

    _in_chinese(page)
    page.screenshot(path=str(screenshot_dir / "project-figures.png"), full_page=True)
    page.goto(live_server.url + reverse("revitalization:project_list") + f"?year={YEAR}")
    page.screenshot(path=str(screenshot_dir / "project-library.png"), full_page=True)
    page.goto(live_server.url + reverse("revitalization:project_detail", args=[project.pk]))
    page.screenshot(path=str(screenshot_dir / "project-detail.png"), full_page=True)


def test_project_pages_fit_a_360px_phone(phone_page, live_server, personas, screenshot_dir):
    _library(personas)
    project = Project.objects.get(name="椪柑标准化种植基地")
    log_in(phone_page, live_server, "carol")
    for url in (reverse("revitalization:project_list"), reverse("revitalization:project_figures"),
                reverse("revitalization:project_detail", args=[project.pk])):
        phone_page.goto(live_server.url + url)
        assert body_overflow(phone_page) <= 0, url
    phone_page.goto(live_server.url + reverse("revitalization:project_list"))
    _in_chinese(phone_page)
    assert body_overflow(phone_page) <= 0
    phone_page.screenshot(path=str(screenshot_dir / "phone-project-library.png"), full_page=True)
    phone_page.context.clear_cookies()
    log_in(phone_page, live_server, "alice")
    phone_page.goto(live_server.url + reverse("revitalization:project_new"))
    assert body_overflow(phone_page) <= 0
    phone_page.goto(live_server.url + reverse("revitalization:project_detail", args=[project.pk]))
    _in_chinese(phone_page)
    assert body_overflow(phone_page) <= 0
    phone_page.screenshot(path=str(screenshot_dir / "phone-project-detail.png"), full_page=True)
