"""The takeover import: a national export into households, members, the year and cases in their states."""

from __future__ import annotations

from datetime import date

import pytest

from shouwang.cases.assistance.models import AssistanceContact, Measure
from shouwang.cases.casefiles.models import Case, CaseSource, CaseStatus, Category, EliminationMode
from shouwang.cases.procedure.models import Transition
from shouwang.registry.households.models import Household, HouseholdType, HouseholdYear, IdType, Member
from shouwang.supervision.takeover.importer import import_national
from shouwang.supervision.takeover.models import NationalRecord

from .national_files import monitored, person, person_id, workbook

YEAR = 2025
A1 = {"township": "达岚镇", "village": "六里村"}
A2 = {"township": "达岚镇", "village": "覃木阳村"}
B1 = {"township": "兴隆场镇", "village": "都里坪村"}


def household(number: str, first: int, size: int = 3, where=A1, **household_values) -> list[dict]:
    relations = ["户主", "配偶", "之子", "之女", "之父"]
    return [person(number, first + i, relation=relations[i], **where, **household_values) for i in range(size)]


def every_state() -> list[dict]:
    rows = household("433122102201000001", 1, 户类型="一般农户")  # not monitored, ordinary
    rows += household("433122102201000002", 11)  # ex-poor, not monitored
    rows += household("433122102201000003", 21, **monitored("脱贫不稳定户"))
    rows += household("433122102202000004", 31, where=A2, **monitored("边缘易致贫户", risks=("因学", "因残")))
    rows += household("433122104201000005", 41, where=B1, **monitored(
        "突发严重困难户", risks=("因自然灾害",), 因自然灾害子项="洪涝灾害", identified="2024年06月"))
    rows += household("433122102201000006", 51, **monitored("脱贫不稳定户", eliminated=True))
    rows += household("433122102201000007", 61, size=2, **monitored(
        "边缘易致贫户", eliminated=True, mode="自然消除", risks=("缺劳动力",), identified="202201",
        eliminated_month="202306", 整户无劳动能力兜底保障户="是", 综合保障="低保、残疾人补贴"))
    return rows


def run(content: bytes, commit: bool = True, **kwargs):
    return import_national([(content, "（自定义）监测对象信息.xlsx")], year=YEAR, commit=commit, **kwargs)


@pytest.mark.django_db
def test_every_state_is_taken_over(regions):
    report = run(workbook(every_state()))
    assert report.ok, report.to_dict()["errors"]
    assert report.committed
    assert (report.created, report.updated, report.unchanged) == (7, 0, 0)
    assert report.details["cases"] == {"created": 5, "updated": 0, "unchanged": 0}
    assert Household.objects.count() == 7 and Member.objects.count() == 20
    household = Household.objects.get(number="433122102201000003")
    assert household.national_number == "433122102201000003"
    assert household.household_type == HouseholdType.EX_POOR and household.region_code == "433122102201"
    case = Case.objects.get(household=household)
    assert (case.status, case.category, case.source) == (CaseStatus.MONITORED, Category.UNSTABLE_EX_POOR,
                                                         CaseSource.NATIONAL)
    assert case.identified_on == date(2023, 4, 1) and case.eliminated_on is None
    assert [r.code for r in case.risk_types.all()] == ["YB"]
    assert sorted(Measure.objects.filter(case=case).values_list("measure_type__code", "description")) == [
        ("employment", "外出务工补贴,技能培训"), ("health", "参加城乡居民基本医疗保险个人缴费补贴")]
    contact = AssistanceContact.objects.get(case=case)
    assert contact.name == "王干部" and contact.phone == "13912345678" and contact.phone_masked.endswith("5678")
    history = Transition.objects.get(case=case)
    assert history.action == "takeover" and history.data["row"] == 10 and history.data["file"]
    flood = Case.objects.get(household__number="433122104201000005")
    assert sorted(r.code for r in flood.risk_types.all()) == ["YZRZH", "YZRZH_HL"]
    assert flood.identified_on == date(2024, 6, 1) and flood.category == Category.SUDDEN
    natural = Case.objects.get(household__number="433122102201000007")
    assert (natural.status, natural.elimination_mode, natural.eliminated_on) == (
        CaseStatus.ELIMINATED, EliminationMode.NATURAL, date(2023, 6, 1))
    assert natural.no_labour_safety_net
    assert Measure.objects.get(case=natural, measure_type__code="social_protection").description == "低保,残疾人补贴"
    assert not Case.objects.filter(household__number__in=["433122102201000001", "433122102201000002"]).exists()
    year = HouseholdYear.objects.get(household=household, year=YEAR)
    assert year.wage_income == 20000 and year.member_count == 3 and year.housing_grade == "A"
    assert NationalRecord.objects.count() == 7
    record = NationalRecord.objects.get(household=household)
    assert record.phone == "13800001111" and record.phone_masked == "138****1111"
    # no phone, ID number, name or birth date in the record's text (DESIGN.md §5)
    text = str(list(NationalRecord.objects.values_list("household_values", "people")))
    assert "13800001111" not in text and "13912345678" not in text and "1390000" not in text
    assert person_id(21) not in text and "成员21" not in text and person_id(21)[6:14] not in text


@pytest.mark.django_db
def test_same_file_again_changes_nothing(regions):
    content = workbook(every_state())
    run(content)
    cases_before = list(Case.objects.values_list("id", "updated_at"))
    again = run(content)
    assert again.ok and again.committed
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    assert again.details["cases"] == {"created": 0, "updated": 0, "unchanged": 5}
    assert list(Case.objects.values_list("id", "updated_at")) == cases_before
    assert Transition.objects.count() == 5


@pytest.mark.django_db
def test_problems_are_reported_and_nothing_is_committed(regions):
    rows = every_state()
    rows[0]["证件号码"] = "999999198001010011"  # placeholder
    rows[3]["监测对象类别"] = "脱贫监测户X"  # unknown label (household 2 is not otherwise monitored)
    for row in rows[6:9]:
        row["致贫/返贫风险1"] = "因故"  # unknown risk
    rows[10]["证件号码"] = person_id(500) + "42"  # a disability certificate in the ID column: a warning
    content = workbook(rows, numeric_ids=(4,))
    report = run(content)
    assert not report.committed and Household.objects.count() == 0
    errors = {(e.row, e.code) for e in report.errors}
    assert (4, "placeholder_id") in errors
    assert (8, "numeric_cell") in errors
    assert (7, "unknown_choice") in errors
    assert (10, "unknown_choice") in errors
    assert len(report.errors) == 4
    assert [(w.row, w.code) for w in report.warnings] == [(14, "disability_certificate")]
    # corrected, it imports; the certificate holder keeps the ID with the disability grade
    rows[0]["证件号码"], rows[3]["监测对象类别"] = person_id(1), ""
    for row in rows[6:9]:
        row["致贫/返贫风险1"] = "因病"
    fixed = run(workbook(rows))
    assert fixed.ok and fixed.committed and fixed.created == 7
    holder = Member.objects.get(id_masked__endswith=person_id(500)[-4:], name="成员32")
    assert holder.id_type == IdType.DISABILITY and holder.disability_grade == 2


@pytest.mark.django_db
def test_title_rows_and_header_synonyms(regions):
    rows = household("433122102201000009", 1, **monitored(identified="20230415"))
    names = {"致贫/返贫风险1": "致贫返贫风险1", "信息采集人": "监测联系人",
             "整户无劳动能力兜底保障户": "是否兜底保障户",
             "务工时间（月）": "务工时长(月)"}
    renamed = [{names.get(k, k): v for k, v in row.items()} for row in rows]
    for row in renamed:
        row["家庭成员联系电话"] = "13900001234.0"
        row["自定义备注"] = "x"
    report = run(workbook(renamed, title_rows=1))
    assert report.ok, report.to_dict()["errors"]
    assert report.details["unknown_headers"] == ["自定义备注"]
    assert [w.code for w in report.warnings] == ["unknown_header"]
    case = Case.objects.get()
    assert case.identified_on == date(2023, 4, 1) and AssistanceContact.objects.get().name == "王干部"
    assert Member.objects.filter(phone_masked__endswith="1234").count() == 3


@pytest.mark.django_db
def test_the_block_after_elimination_is_the_elimination_years_record(regions):
    after = {"风险消除后工资性收入": "30000", "风险消除后生产经营性收入": "2000", "风险消除后财产性收入": "0",
             "风险消除后转移性收入": "1200", "风险消除后生产经营性支出": "500", "风险消除后合规自付支出": "300",
             "风险消除后理赔收入": "0", "风险消除后是否住房损毁": "否", "风险消除后是否饮水设施损毁": "否",
             "风险消除后是否义务教育阶段适龄儿童少年失学辍学": "否"}
    rows = household("433122102201000006", 51, **monitored(eliminated=True, eliminated_month="202306"), **after)
    report = run(workbook(rows))
    assert report.ok, report.to_dict()["errors"]
    years = dict(HouseholdYear.objects.values_list("year", "wage_income"))
    assert years == {2023: 30000, YEAR: 20000}
    record = HouseholdYear.objects.get(year=2023)
    assert record.per_capita_net_income == round((30000 + 2000 + 1200 - 500) / 3, 2)
    assert record.housing_grade == "A" and record.water_secured and not record.dropout


@pytest.mark.django_db
def test_the_command_checks_then_imports(regions, tmp_path):
    import io
    import json

    from django.core.management import CommandError, call_command

    path = tmp_path / "监测对象信息.xlsx"
    path.write_bytes(workbook(every_state()))
    out = io.StringIO()
    call_command("import_national", str(path), "--year", str(YEAR), "--dry-run", "--json", stdout=out)
    checked = json.loads(out.getvalue())
    assert (checked["created"], checked["committed"]) == (7, False) and Household.objects.count() == 0
    out = io.StringIO()
    call_command("import_national", str(path), "--year", str(YEAR), stdout=out)
    assert "Cases created: 5, updated: 0, unchanged: 0; new reconciliation items: 0" in out.getvalue()
    assert Case.objects.count() == 5
    with pytest.raises(CommandError):
        call_command("import_national", str(tmp_path / "missing.xlsx"))


@pytest.mark.django_db
def test_both_importers_read_with_the_cycle_collector_paused(monkeypatch):
    import gc

    from shouwang.registry.imports.importer import RegistryImport
    from shouwang.supervision.takeover.importer import NationalImport

    seen = []

    def opened(self, files):
        seen.append((type(self).__name__, gc.isenabled()))
        raise LookupError("stop here")

    monkeypatch.setattr(RegistryImport, "_open_sources", opened)
    for importer in (RegistryImport(None), NationalImport(None, year=YEAR)):
        with pytest.raises(LookupError):
            importer.run([(b"", "x.xlsx")])
    assert seen == [("RegistryImport", False), ("NationalImport", False)]
    assert gc.isenabled()
