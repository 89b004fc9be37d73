"""In a real browser: the leader's dashboard draws its charts, drills down to a township and a
village, fits a phone; the full-page screenshot (Chinese UI) goes to the test's screenshot folder
(docs/screenshots/ is written by ``make screenshots`` only)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import TOWNSHIP_A, VILLAGE_A1
from shouwang.cases.models import CaseStatus, Category, Level, MeasureStatus, Procedure, ProcedureKind, Step
from shouwang.monitoring.models import WarningChannel, WarningStatus
from shouwang.regions.models import Region
from shouwang.registry.tests.factories import make_household
from shouwang.supervision.dashboards.services import refresh
from shouwang.testing.browser_support import body_overflow, log_in

from .dashboard_registry import TODAY, build, make_case, measure, warning

pytestmark = pytest.mark.browser



def spread_over_townships(seed: int = 7) -> None:
    """A few cases and warnings in one village of every township, so every bar has a height."""
    rng = random.Random(seed)
    categories = [Category.EDGE, Category.UNSTABLE_EX_POOR, Category.SUDDEN]
    risks = ["YB", "YX", "YC", "YWGJYBW", "QLDL", "YZRZH_HL", "YCYXMSB", "YYWSG"]
    channels = [c for c, _ in WarningChannel.choices]
    for township in Region.objects.filter(level="township").exclude(code=TOWNSHIP_A):
        village = (
            Region.objects.filter(level="village", code__startswith=township.code).order_by("code").first()
        )
        if village is None:
            continue
        for _ in range(rng.randint(2, 7)):
            household = make_household(
                village.code,
                members=rng.randint(1, 4),
                wage=str(rng.choice([6000, 9000, 14000, 30000, 52000])),
            )
            status = rng.choice([CaseStatus.MONITORED] * 4 + [CaseStatus.ELIMINATED, CaseStatus.IDENTIFYING])
            identified = TODAY - timedelta(days=rng.randint(20, 330))
            case = make_case(
                household,
                status,
                rng.choice(categories),
                rng.sample(risks, rng.randint(1, 2)),
                identified=None if status == CaseStatus.IDENTIFYING else identified,
                eliminated=TODAY - timedelta(days=rng.randint(1, 15))
                if status == CaseStatus.ELIMINATED
                else None,
                mode="assistance" if status == CaseStatus.ELIMINATED else "",
                clue=identified - timedelta(days=12),
            )
            if status == CaseStatus.MONITORED and rng.random() < 0.7:
                measure(
                    case,
                    rng.choice(["industry", "employment", "health", "social_protection"]),
                    MeasureStatus.ACTIVE,
                )
            if status == CaseStatus.IDENTIFYING:
                procedure = Procedure.objects.create(
                    case=case,
                    kind=ProcedureKind.IDENTIFICATION,
                    started_on=TODAY - timedelta(days=20),
                    due_date=TODAY,
                )
                Step.objects.create(
                    procedure=procedure,
                    code="township",
                    level=Level.TOWNSHIP,
                    status="open",
                    due_date=TODAY - timedelta(days=rng.randint(0, 4)),
                )
        for _ in range(rng.randint(1, 5)):
            warning(
                village.code,
                rng.choice(channels),
                rng.choice([WarningStatus.NEW, WarningStatus.VERIFYING]),
                due=TODAY + timedelta(days=rng.randint(-5, 5)),
                created=timezone.make_aware(
                    datetime.combine(TODAY - timedelta(days=rng.randint(0, 300)), time(10))
                ),
            )


@pytest.fixture
def dashboard_data(live_server, personas, monkeypatch):
    build()
    spread_over_townships()
    refresh(today=TODAY)
    monkeypatch.setattr("shouwang.supervision.dashboards.views.today", lambda: TODAY)


def console_errors(pg) -> list[str]:
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def wait_for_charts(pg) -> None:
    pg.wait_for_selector("[data-chart=category] svg")
    pg.wait_for_function(
        "document.querySelectorAll('[data-chart] svg').length"
        " === document.querySelectorAll('[data-chart]').length"
    )


def click_bar(pg, chart: str, label: str) -> None:
    """Click the first series' bar of ``label`` in ``chart``, where ECharts laid it out."""
    point = pg.evaluate(
        """([chart, label]) => {
        const element = document.querySelector(`[data-chart=${chart}]`);
        const instance = echarts.getInstanceByDom(element);
        const index = instance.getOption().xAxis[0].data.indexOf(label);
        const layout = instance.getModel().getSeriesByIndex(0).getData().getItemLayout(index);
        const box = element.getBoundingClientRect();
        return {x: box.left + layout.x + layout.width / 2, y: box.top + layout.y + layout.height / 2};
    }""",
        [chart, label],
    )
    pg.mouse.click(point["x"], point["y"])


def table_value(pg, table: str, key: str, column: int = 1) -> str:
    return pg.locator(f"table[data-table={table}] tr[data-key='{key}'] td").nth(column - 1).inner_text()


def test_leader_opens_the_dashboard_and_drills_down(page, live_server, dashboard_data, screenshot_dir):
    errors = console_errors(page)
    log_in(page, live_server, "grace")
    page.click(f"a[href='{reverse('supervision:dashboard')}']")
    wait_for_charts(page)
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("[data-chart=areas] svg path").count() > 12  # bars drawn
    township_a = Region.objects.get(code=TOWNSHIP_A).name
    county_monitored = page.locator("[data-tile=monitored] .stat-value").inner_text()

    page.screenshot(path=str(screenshot_dir / "leader-dashboard.png"), full_page=True)

    click_bar(page, "areas", township_a)
    page.wait_for_url(live_server.url + reverse("supervision:dashboard_region", args=[TOWNSHIP_A]))
    wait_for_charts(page)
    assert township_a in page.locator("h1").inner_text()
    assert page.locator("[data-tile=monitored] .stat-value").inner_text() == "3"
    assert page.locator("[data-tile=monitored] .stat-value").inner_text() != county_monitored
    assert table_value(page, "category", "sudden") == "1"
    assert page.locator(f"table[data-table=areas] tr[data-code='{VILLAGE_A1}']").count() == 1

    page.click(f"table[data-table=areas] tr[data-code='{VILLAGE_A1}'] th a")
    page.wait_for_url(live_server.url + reverse("supervision:dashboard_region", args=[VILLAGE_A1]))
    wait_for_charts(page)
    assert page.locator("[data-tile=households] .stat-value").inner_text() == "11"
    assert table_value(page, "income", "100_120") == "2"
    assert table_value(page, "overdue", "village") == "1"
    page.click(f"a[href$='village={VILLAGE_A1}']")
    page.wait_for_url(f"**/?village={VILLAGE_A1}")
    assert page.locator("text=A1-at-line").count() == 1
    assert errors == []


def test_dashboard_fits_a_phone(phone_page, live_server, dashboard_data):
    errors = console_errors(phone_page)
    log_in(phone_page, live_server, "carol")
    phone_page.goto(live_server.url + reverse("supervision:dashboard"))
    wait_for_charts(phone_page)
    assert body_overflow(phone_page) <= 0
    assert errors == []


def test_figures_read_without_javascript(browser, live_server, dashboard_data):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    pg = context.new_page()
    log_in(pg, live_server, "erin")
    pg.goto(live_server.url + reverse("supervision:dashboard"))
    assert pg.locator("[data-chart=category] svg").count() == 0
    pg.click(
        f"table[data-table=areas] a[href='{reverse('supervision:dashboard_region', args=[TOWNSHIP_A])}']"
    )
    assert pg.locator("[data-tile=monitored] .stat-value").inner_text() == "3"
    context.close()
