"""In a real browser: an identification and an elimination clicked through as the three levels would,
and the case pages on a 360-px phone.

The village cadre (alice) opens the case from a warning, uploads the signed authorisation, completes
verification and the appraisal, posts the public notice and completes it once it has ended; the
township officer (carol) compares and reviews; the county officer (erin) approves; the township
files after an assistance contact is added. The browser runs in Chinese (the site's default), so
the tests find buttons by what they do (data attributes), not by their words.
"""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import VILLAGE_A1
from shouwang.cases.models import Case, CaseStatus, EliminationMode, Notice, StepStatus
from shouwang.cases.notices.services import create_notice
from shouwang.cases.procedure import engine
from shouwang.cases.tests.factories import PDF, make_case, make_contact, make_measure, walk_identification
from shouwang.monitoring.lines.terms import default_term
from shouwang.monitoring.models import MonitoringLine, WarningStatus
from shouwang.monitoring.tests.warning_helpers import make_warning
from shouwang.registry.tests.factories import make_household
from shouwang.testing.browser_support import assert_nothing_in_clear, body_overflow, log_in

# The term of the monitored population in force this year (the county sets none here).
TERM = default_term(timezone.localdate().year)

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def reference_data(live_server, settings, tmp_path):
    """A live-server test empties the tables data migrations filled: lines, rules and catalogues."""
    from django.apps import apps

    from shouwang.cases.catalogue.seed import seed_catalogues
    from shouwang.cases.models import MeasureType, RiskType

    importlib.import_module("shouwang.monitoring.migrations.0002_default_lines_and_rules").forward(apps, None)
    seed_catalogues(RiskType, MeasureType)
    # The elimination criteria judge by this year's line, never an earlier year's: the county set one.
    MonitoringLine.objects.update_or_create(year=timezone.localdate().year, region_code=VILLAGE_A1[:6],
                                            defaults={"amount": "7500"})
    settings.MEDIA_ROOT = tmp_path / "media"


def as_user(pg, live_server, username: str) -> None:
    pg.context.clear_cookies()
    log_in(pg, live_server, username)


def open_case_page(pg, live_server, case: Case) -> None:
    pg.goto(live_server.url + reverse("cases:case_detail", args=[case.pk]))


def act(pg, action: str, *, step: str = "", reason: str = "", file: str | None = None, done_on=None,
        late_reason: str = "") -> None:
    """Press the button of one action form on the case page, after filling its note, file or date.

    A ``done_on`` before today opens the form's field for the reason of the late entry (补录).
    """
    selector = f'form[data-action="{action}"]' + (f'[data-step="{step}"]' if step else "")
    form = pg.locator(selector)
    if file:
        form.locator('input[type="file"]').set_input_files(file)
    if reason:
        form.locator("textarea[name=reason]").fill(reason)
    if done_on:
        assert not form.locator("textarea[name=late_reason]").is_visible()
        form.locator("input[name=done_on]").fill(done_on.isoformat())
        if late_reason:
            form.locator("textarea[name=late_reason]").fill(late_reason)  # shown by the page's script
    with pg.expect_navigation():
        form.locator("button[type=submit]").click()


def post_notice(pg, live_server, case: Case, contact: str = "岩门村村委会 0743-4561234") -> None:
    """The cadre posts the notice from the case page; it ran for the six days before today, after the
    appraisal a week ago, and is entered now: a late entry (补录) with its reason."""
    today = timezone.localdate()
    pg.click(f'a[href$="notices/new/?village={case.region_code}"]')
    pg.check(f'input[name=cases][value="{case.pk}"]')
    assert not pg.locator("textarea[name=late_reason]").is_visible()
    pg.fill("input[name=starts_on]", (today - timedelta(days=6)).isoformat())
    pg.fill("input[name=ends_on]", (today - timedelta(days=1)).isoformat())
    pg.fill("input[name=contact]", contact)
    pg.fill("textarea[name=late_reason]", "张贴在村务公开栏，今日补录")
    with pg.expect_navigation():
        pg.click("main form button[type=submit]")


def step_status(case: Case, code: str) -> str:
    """The step's status in the case's latest procedure."""
    return case.procedures.order_by("-id").first().steps.get(code=code).status


def test_identification_clicked_through_by_the_three_levels(page, live_server, personas, screenshot_dir, tmp_path):
    pg = page
    warning = make_warning(VILLAGE_A1, status=WarningStatus.VERIFYING, rule_code="MEDICAL_SPENDING")
    household = warning.household
    household.years.update(wage_income=2000)  # 2,000 yuan a person: an edge household
    household.address = "岩门村3组"
    household.save()
    authorisation = tmp_path / "承诺授权书.pdf"
    authorisation.write_bytes(PDF)

    # The village cadre opens the case from the warning: category and risk come prefilled.
    as_user(pg, live_server, "alice")
    pg.goto(live_server.url + reverse("monitoring:warning_detail", args=[warning.pk]))
    with pg.expect_navigation():
        pg.click(f'a[href$="open/?warning={warning.pk}"]')
    assert pg.locator('input[name=category][value="edge"]').is_checked()
    # The clue came a week ago; the steps up to the appraisal were done then and are entered now (补录).
    week_ago = timezone.localdate() - timedelta(days=7)
    pg.fill("input[name=first_clue_date]", (week_ago - timedelta(days=1)).isoformat())
    with pg.expect_navigation():
        pg.click("main form button[type=submit]")
    case = Case.objects.get(household=household)
    assert case.status == CaseStatus.IDENTIFYING and case.warning_id == warning.pk
    warning.refresh_from_db()
    assert warning.status == WarningStatus.ESCALATED

    # Verification needs the signed authorisation: attached with the step itself.
    act(pg, "complete_step", step="verify", file=str(authorisation), done_on=week_ago, late_reason="断网，今日补录")
    assert step_status(case, "verify") == StepStatus.DONE
    assert pg.locator(".timeline a", has_text="承诺授权书.pdf").count() == 1

    # The township compares the information (in parallel with verification).
    as_user(pg, live_server, "carol")
    open_case_page(pg, live_server, case)
    act(pg, "complete_step", step="compare", reason="公安、不动产、车辆比对无异常", done_on=week_ago,
        late_reason="断网，今日补录")
    assert step_status(case, "compare") == StepStatus.DONE

    # Back in the village: the democratic appraisal, then the public notice.
    as_user(pg, live_server, "alice")
    open_case_page(pg, live_server, case)
    act(pg, "complete_step", step="appraisal", reason="村民代表会议评议同意纳入", done_on=week_ago,
        late_reason="断网，今日补录")
    assert pg.locator(".timeline .badge.late-entry").count() == 3
    post_notice(pg, live_server, case)
    notice = Notice.objects.get()
    assert list(notice.cases.all()) == [case]
    sheet = pg.locator("#notice-sheet").inner_text()
    assert f"{TERM}识别纳入公示" in sheet and "3组" in sheet and "边缘易致贫户" in sheet
    assert_nothing_in_clear(pg.content())
    pg.screenshot(path=str(screenshot_dir / "case-notice.png"), full_page=True)
    open_case_page(pg, live_server, case)
    act(pg, "complete_step", step="notice")
    assert step_status(case, "notice") == StepStatus.DONE

    # Township review, county approval.
    as_user(pg, live_server, "carol")
    open_case_page(pg, live_server, case)
    act(pg, "approve_township", step="township", reason="审核通过")
    as_user(pg, live_server, "erin")
    open_case_page(pg, live_server, case)
    assert pg.locator('form[data-action="complete_step"]').count() == 0  # nothing else is the county's
    act(pg, "approve_county", step="county", reason="审批同意")
    case.refresh_from_db()
    assert case.identified_on == timezone.localdate()

    # The township announces; filing is refused until the household has an assistance contact.
    as_user(pg, live_server, "carol")
    open_case_page(pg, live_server, case)
    act(pg, "complete_step", step="announce")
    act(pg, "complete_step", step="file")
    assert "帮扶联系人" in pg.locator(".messages .error").inner_text()
    case.refresh_from_db()
    assert case.status == CaseStatus.IDENTIFYING
    with pg.expect_navigation():
        pg.click(f'a[href$="{case.pk}/contacts/new/"]')
    pg.fill("input[name=name]", "李四")
    pg.fill("input[name=unit]", "县农业农村局")
    pg.fill("input[name=phone]", "13912345678")
    with pg.expect_navigation():
        pg.click("main form button[type=submit]")
    act(pg, "complete_step", step="file")
    case.refresh_from_db()
    assert case.status == CaseStatus.MONITORED
    assert "139****5678" in pg.content() and "13912345678" not in pg.content()
    actions = pg.locator(".timeline li").evaluate_all("items => items.map(li => li.dataset.action)")
    assert actions[0] == "open" and "approve_county" in actions and actions[-1] == "complete_step"
    pg.screenshot(path=str(screenshot_dir / "case-identified.png"), full_page=True)
    print(f"\nscreenshots: {screenshot_dir}")


def test_elimination_clicked_through_by_the_three_levels(page, live_server, personas, screenshot_dir):
    pg = page
    household = make_household(VILLAGE_A1, wage="30000", address="岩门村5组")
    household.years.update(housing_grade="A")
    case = make_case(household, status=CaseStatus.MONITORED, risk_codes=("YWGJYBW",),
                     identified_on=timezone.localdate() - timedelta(days=240))
    make_measure(case, "employment")

    as_user(pg, live_server, "alice")
    open_case_page(pg, live_server, case)
    # Every criterion holds, shown one by one.
    assert pg.locator(".criteria .holds").count() == 4 and pg.locator(".criteria .fails").count() == 0
    start = pg.locator(f'form[data-action="start_elimination"]:has(input[value="{EliminationMode.NATURAL}"])')
    assert start.locator("button").is_visible()
    # It was started a week ago (the page starts it today), so that its notice has ended by now.
    week_ago = timezone.localdate() - timedelta(days=7)
    engine.perform(case, "start_elimination", personas["alice"], data={"mode": EliminationMode.NATURAL},
                   recorded_on=week_ago)
    open_case_page(pg, live_server, case)
    act(pg, "complete_step", step="verify", reason="入户核实收入稳定", done_on=week_ago, late_reason="今日补录")
    act(pg, "complete_step", step="appraisal", reason="评议同意风险消除", done_on=week_ago, late_reason="今日补录")
    post_notice(pg, live_server, case)
    assert f"{TERM}风险消除公示" in pg.locator("#notice-sheet").inner_text()
    assert "自然消除" in pg.locator("#notice-sheet").inner_text()
    open_case_page(pg, live_server, case)
    act(pg, "complete_step", step="notice")

    as_user(pg, live_server, "carol")
    open_case_page(pg, live_server, case)
    act(pg, "approve_township", step="township")
    as_user(pg, live_server, "erin")
    open_case_page(pg, live_server, case)
    act(pg, "approve_county", step="county")
    case.refresh_from_db()
    assert case.status == CaseStatus.ELIMINATED and case.elimination_mode == EliminationMode.NATURAL
    assert case.eliminated_on == timezone.localdate()
    as_user(pg, live_server, "carol")
    open_case_page(pg, live_server, case)
    act(pg, "complete_step", step="announce")
    act(pg, "complete_step", step="file")
    assert case.procedures.get(kind="elimination").status == "done"
    pg.screenshot(path=str(screenshot_dir / "case-eliminated.png"), full_page=True)


def test_case_pages_fit_a_360px_phone(phone_page, live_server, personas, screenshot_dir):
    pg = phone_page
    today = timezone.localdate()
    late = make_case(make_household(VILLAGE_A1, wage="6000", address="岩门村2组"),
                     first_clue_date=today - timedelta(days=20), today=today - timedelta(days=20),
                     risk_codes=("YZRZH", "YZRZH_HL"), disaster_note="2024年7月洪水冲毁房屋")
    make_contact(late)
    make_measure(late, "housing", description="危房改造补助，县住建局负责，资金已拨付到户")
    monitored = make_case(make_household(VILLAGE_A1, wage="6000"), status=CaseStatus.MONITORED)
    as_user(pg, live_server, "alice")
    pages = [
        ("case_list", []), ("case_detail", [late.pk]), ("case_detail", [monitored.pk]), ("queue", []),
        ("problems", []), ("notice_list", []), ("case_open", []),
    ]
    for name, args in pages:
        pg.goto(live_server.url + reverse(f"cases:{name}", args=args))
        assert body_overflow(pg) <= 0, name
        pg.screenshot(path=str(screenshot_dir / f"phone-cases-{name}-{'-'.join(map(str, args))}.png"),
                      full_page=True)
    pg.goto(live_server.url + reverse("cases:case_detail", args=[late.pk]))
    assert pg.locator(".steps li.overdue").count() >= 1  # marked in colour and in words
    assert pg.locator(".steps li.overdue .badge.overdue").count() >= 1
    pg.goto(live_server.url + reverse("cases:case_open") + f"?household={monitored.household_id}")
    assert body_overflow(pg) <= 0
    # The notice form and the printable notice.
    levels = {"village": personas["alice"], "township": personas["carol"], "county": personas["erin"]}
    at_notice = walk_identification(make_case(make_household(VILLAGE_A1, wage="6000", address="岩门村4组")), levels,
                                    until="notice")
    notice = create_notice(personas["alice"], VILLAGE_A1, [at_notice], starts_on=today,
                                    ends_on=today + timedelta(days=6), contact="岩门村村委会 0743-4561234")
    for name, args in (("notice_create", []), ("notice_detail", [notice.pk])):
        pg.goto(live_server.url + reverse(f"cases:{name}", args=args))
        assert body_overflow(pg) <= 0, name
        pg.screenshot(path=str(screenshot_dir / f"phone-cases-{name}.png"), full_page=True)
    print(f"\nscreenshots: {screenshot_dir}")
