"""Chinese pages are Chinese: every page reachable from the menu and from links on the pages, as
every role, in zh-Hans, shows no English words (the crawl: ``shouwang.testing.zh_crawl``).

The county is small and built with the factories; ``scripts/crawl_zh.py`` crawls the set-up demo
county the same way, as its demo users.
"""

from __future__ import annotations

import importlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.testing.browser_support import log_in
from shouwang.testing.zh_crawl import crawl, english_words, report

pytestmark = pytest.mark.browser

# One persona per role (conftest.py): village cadre, township, county, administrator, leader,
# auditor, department officer.
ROLES = ["alice", "carol", "erin", "frank", "grace", "heidi", "ivan"]


def test_english_words_are_found_and_codes_are_not():
    text = ("户编号 BRW-0001 · 规则 INCOME_BELOW_LINE · API 文档 · Shouwang\n- Select an option -\n"
            "per_capita_income < line")
    words = [word for word, _ in english_words(text)]
    assert words == ["Select", "option", "per", "capita", "income", "line"]
    codes = "v2 · 433122102201 · alice · 2024-06-15 · YB · POST /cases/12/act/ · .xlsx · （/monitoring/lines/）"
    assert english_words(codes) == []


# --- a small county with something on every page ------------------------------------------------


@pytest.fixture
def county(live_server, personas, settings, tmp_path):
    """Lines, households above and below the line, screening's warnings, a feed signal, cases in
    several states with contacts and measures, changes in the change log."""
    # Built as the county's own server would, in Chinese: text stored as it is made (a run's name
    # in the change log) is in the site's language.
    with translation.override("zh-hans"):
        return _build_county(personas, settings, tmp_path)


def _build_county(personas, settings, tmp_path) -> dict:
    from django.apps import apps

    from shouwang.cases.catalogue.seed import seed_catalogues
    from shouwang.cases.models import CaseStatus, MeasureType, RiskType
    from shouwang.cases.tests.factories import make_case, make_measure
    from shouwang.core.idnumbers import parse_id_number
    from shouwang.monitoring.fieldwork import services as fieldwork
    from shouwang.monitoring.models import FeedSignal, MonitoringLine, Rule, Visit
    from shouwang.monitoring.rules.services import save_rule
    from shouwang.monitoring.screening.services import screen
    from shouwang.monitoring.selfreport import services as selfreport
    from shouwang.monitoring.tests.factories import household, signal
    from shouwang.regions.models import Region
    from shouwang.registry.demo.synthetic import make_id_number
    from shouwang.supervision.dispatch import services as dispatch

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SHOUWANG_EXPORT_ROOT = tmp_path / "exports"
    importlib.import_module("shouwang.monitoring.migrations.0002_default_lines_and_rules").forward(apps, None)
    seed_catalogues(RiskType, MeasureType)

    today = timezone.localdate()
    year = today.year - 1
    for y in (year - 1, year):
        MonitoringLine.objects.update_or_create(year=y, region_code=COUNTY, defaults={
            "amount": Decimal("7500"), "basis": "县乡村振兴局文件"})
    poor = [household(VILLAGE_A1, year=year, wage="5000", prev_wage="9000", members=2),
            household(VILLAGE_A2, year=year, wage="6000", members=1),
            household(VILLAGE_B1, year=year, wage="7000", members=3, housing_grade="C")]
    others = [household(v, year=year, wage="20000", members=2) for v in (VILLAGE_A1, VILLAGE_A1, VILLAGE_A2,
                                                                           VILLAGE_B1)]
    signal(poor[0], FeedSignal.Kind.MEDICAL_OUT_OF_POCKET, today - timedelta(days=20), amount="18000")
    screen(year=year, on=today)
    make_case(others[0], status=CaseStatus.IDENTIFYING)
    monitored = make_case(others[1], status=CaseStatus.MONITORED)
    make_measure(monitored)
    make_case(others[2], status=CaseStatus.ELIMINATED)
    make_case(others[3], status=CaseStatus.ELIMINATING)

    # A rule changed (a second version), a campaign with a visit, a self-report, a dispatched task.
    rule = Rule.objects.get(code="INCOME_DROP")
    rule.parameters = {**rule.parameters, "drop": 0.25}
    save_rule(rule, personas["frank"])
    fieldwork.launch_campaign(personas["erin"], name="集中排查", region=Region.objects.get(code=VILLAGE_A1),
                              starts_on=today - timedelta(days=7), ends_on=today + timedelta(days=30))
    fieldwork.record_visit(Visit(household=poor[0], visited_on=today - timedelta(days=2)), personas["alice"])
    selfreport.submit_self_report(selfreport.SelfReportData(
        name="李四", id_number=parse_id_number(make_id_number("433122", date(1966, 8, 9), 555)),
        phone="13700001111", village=Region.objects.get(code=VILLAGE_A1), risk_type="YZRZH",
        description="房屋被山洪冲垮",
    ))
    dispatch.issue_task(personas["erin"], title="走访核查通知", deadline=today + timedelta(days=3),
                        targets=[TOWNSHIP_A, TOWNSHIP_B])
    return {"year": year, "poor": poor, "others": others}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_is_chinese(page, live_server, county, role):
    log_in(page, live_server, role)
    findings, errors, visited = crawl(page, live_server.url, ["/"])
    assert len(visited) > 5, visited  # the menu was found and followed
    assert not findings and not errors, report(role, findings, errors) + "\nvisited:\n  " + "\n  ".join(visited)


def test_public_pages_are_chinese(page, live_server, county):
    findings, errors, visited = crawl(page, live_server.url, ["/login/", "/report/"])
    assert visited
    assert not findings and not errors, report("anonymous", findings, errors)
