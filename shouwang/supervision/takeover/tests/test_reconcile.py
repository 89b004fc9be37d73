"""A later export: what changed is updated, Shouwang's own later work is kept and the differences are listed."""

from __future__ import annotations

from datetime import date

import pytest

from shouwang.cases.casefiles.models import Case, CaseStatus, EliminationMode
from shouwang.cases.procedure.models import Transition
from shouwang.registry.households.models import Household, Member
from shouwang.registry.imports.importer import import_registry
from shouwang.registry.imports.tests.registry_files import member, write_xlsx, year
from shouwang.supervision.dashboards.services import refresh
from shouwang.supervision.models import Figure
from shouwang.supervision.takeover.models import ReconciliationItem

from .national_files import monitored, person, workbook
from .test_import import A1, household, run

pytestmark = pytest.mark.django_db


def test_a_later_export_moves_a_case_nobody_worked_on(regions):
    run(workbook(household("433122102201000003", 21, **monitored())))
    later = run(workbook(household("433122102201000003", 21, **monitored(
        eliminated=True, eliminated_month="202410", 住房安全保障="危房改造"))))
    assert later.ok and (later.created, later.updated) == (0, 1)
    assert later.details["cases"]["updated"] == 1
    case = Case.objects.get()
    assert (case.status, case.eliminated_on, case.elimination_mode) == (
        CaseStatus.ELIMINATED, date(2024, 10, 1), EliminationMode.ASSISTANCE)
    assert sorted(case.measures.values_list("measure_type__code", flat=True)) == ["employment", "health", "housing"]
    assert list(case.transitions.values_list("action", flat=True)) == ["takeover", "takeover_update"]
    assert not ReconciliationItem.objects.exists()


def test_shouwang_later_work_is_kept_and_listed(regions):
    run(workbook(household("433122102201000003", 21, **monitored())))
    case = Case.objects.get()
    # Shouwang eliminates the risk itself (any procedure record after the takeover counts as Shouwang's work)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.ELIMINATED, eliminated_on=date(2025, 3, 10),
                                           elimination_mode=EliminationMode.ASSISTANCE)
    Transition.objects.create(case=case, action="approve_county", from_status=CaseStatus.ELIMINATING,
                              to_status=CaseStatus.ELIMINATED)
    later = run(workbook(household("433122102201000003", 21, **monitored(信息采集人="李干部"))))
    assert later.ok and later.committed
    case.refresh_from_db()
    assert case.status == CaseStatus.ELIMINATED and case.eliminated_on == date(2025, 3, 10)
    items = list(ReconciliationItem.objects.values_list("field", "national_value", "shouwang_value"))
    assert items == [("status", str(CaseStatus.MONITORED.label), str(CaseStatus.ELIMINATED.label))]
    assert later.details["reconciliation"] == 1
    # the same export again lists nothing new
    again = run(workbook(household("433122102201000003", 21, **monitored(信息采集人="李干部"))))
    assert again.updated == 0 and ReconciliationItem.objects.count() == 1


def test_a_household_shouwang_knew_keeps_its_number_and_gains_the_national_one(regions, tmp_path):
    rows = [member("SW-0001", 21, village="433122102201"),
            member("SW-0001", 22, relation="配偶", village="433122102201")]
    from .national_files import person_id

    rows[0]["证件号码"], rows[1]["证件号码"] = person_id(21), person_id(22)
    path = write_xlsx(tmp_path / "registry.xlsx", rows, [year("SW-0001")])
    registered = import_registry([(path, "registry.xlsx")], commit=True)
    assert registered.committed
    report = run(workbook(household("433122102201000003", 21, size=2, **monitored())))
    assert report.ok and (report.created, report.updated) == (0, 1)
    household_ = Household.objects.get()
    assert household_.number == "SW-0001" and household_.national_number == "433122102201000003"
    assert Member.objects.count() == 2 and Case.objects.get().household == household_


def test_work_spells_set_the_months_worked(regions):
    rows = household("433122102201000003", 21, size=2)
    for row in rows:
        del row["务工时间（月）"], row["务工所在地"]
    spells = [{"户编号": "433122102201000003", "证件号码": rows[0]["证件号码"], "开始时间": "2024年10月",
               "结束时间": "2025年03月", "是否已务工": "是", "务工所在县": "广东省东莞市", "务工月收入": "4500"},
              {"户编号": "433122102201000003", "证件号码": rows[0]["证件号码"], "开始时间": "2025年06月",
               "结束时间": "", "是否已务工": "是", "务工所在县": "浙江省义乌市"}]
    report = run(workbook(rows, work_rows=spells))
    assert report.ok, report.to_dict()["errors"]
    assert report.total == 4 and report.accepted == 4
    head = Member.objects.get(relation="head")
    assert head.work_months == 3 + 7 and head.work_location == "浙江省义乌市"


def test_unknown_person_in_the_work_sheet_is_reported(regions):
    rows = household("433122102201000003", 21, size=1)
    spells = [{"户编号": "433122102201000003", "证件号码": person(  # someone not in the person sheet
        "x", 99)["证件号码"], "开始时间": "2025年01月"}]
    report = run(workbook(rows, work_rows=spells), commit=False)
    assert [(e.sheet, e.row, e.code) for e in report.errors] == [("已外出务工", 4, "spell_unknown_person")]


def test_quality_runs_on_arrival_and_dashboards_count_the_cases(regions):
    rows = household("433122102201000003", 21, **monitored(risks=("因残",)))
    rows += household("433122102201000006", 51, **monitored(eliminated=True, 信息采集人="", 信息采集人联系电话=""))
    report = run(workbook(rows))
    quality = report.details["quality"]
    assert quality["rules"].get("RISK_WITHOUT_MEASURE", 0) >= 1  # 因残 without 综合保障 or 社会帮扶
    assert quality["rules"].get("ELIMINATED_NO_CONTACT") == 1
    refresh()
    figures = {f.key: f.value for f in Figure.objects.filter(region_code=A1_CODE, metric="case_status",
                                                              month__isnull=True)}
    assert figures == {"monitored": 1, "eliminated": 1}


A1_CODE = "433122102201"
assert A1["village"] == "六里村"
