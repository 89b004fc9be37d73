"""The export back to the national layout: headers, rows, values, masking, scope, logging, round trip."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from conftest import TOWNSHIP_A, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.cases.models import Case, CaseStatus, Category, EliminationMode, MeasureStatus
from shouwang.cases.tests.factories import make_case, make_contact, make_measure
from shouwang.core.imports import open_source, read_table
from shouwang.core.models import AccessLog, Job
from shouwang.registry.models import Education, Health, HouseholdYear, Member, Relation, Sex
from shouwang.registry.tests.factories import make_household
from shouwang.supervision.exports import services as exports
from shouwang.supervision.takeover import layout
from shouwang.supervision.takeover.exporter import (
    HEADERS,
    MASKED_NOTE,
    PEOPLE_SHEET,
    PEOPLE_TITLE,
    WORK_SHEET,
    NationalRows,
    write_national,
)
from shouwang.supervision.takeover.models import NationalRecord, NationalSynonym

YEAR = 2025
H = {key: layout.BY_KEY[key].header for key in layout.EXPORT_ORDER}


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.SHOUWANG_EXPORT_ROOT = tmp_path / "exports"


def sheet(data, name: str = PEOPLE_SHEET) -> list[list[str]]:
    """All cells of a sheet as text ('' for empty), row 1 first."""
    grid = read_table(data, "national.xlsx", sheet=name)
    return [["" if v is None else v for v in row] for row in grid.rows()]


def people(data, name: str = PEOPLE_SHEET) -> list[dict[str, str]]:
    """The person rows below the header (row 3), keyed by header."""
    rows = sheet(data, name)
    header = rows[layout.TITLE_ROWS]
    return [dict(zip(header, row, strict=True)) for row in rows[layout.TITLE_ROWS + 1:]]


def export(user=None, **kwargs) -> bytes:
    buffer = io.BytesIO()
    write_national(buffer, user=user, year=kwargs.pop("year", YEAR), **kwargs)
    return buffer.getvalue()


@pytest.fixture
def county(personas):
    """Ex-poor without a case (A1), monitored (A2), eliminated (B1), and two households not written."""
    ex_poor = make_household(VILLAGE_A1, "A1-0002", household_type="ex_poor", year=YEAR, wage="12000")
    monitored = make_household(VILLAGE_A2, "A2-0001", members=2, year=YEAR)
    case = make_case(monitored, status=CaseStatus.MONITORED, category=Category.EDGE,
                     risk_codes=("YB", "YZRZH", "YZRZH_HL"), identified_on=date(2024, 3, 5), contact=False,
                     no_labour_safety_net=True)
    make_contact(case, name="李干部", phone="13911112222", starts_on=date(2024, 3, 5))
    make_measure(case, "health", description="参加城乡居民基本医疗保险个人缴费补贴")
    make_measure(case, "employment", description="外出务工补贴")
    make_measure(case, "employment", description="")
    make_measure(case, "industry", description="养殖补贴", status=MeasureStatus.STOPPED)
    eliminated = make_household(VILLAGE_B1, "B1-0001", members=1, year=YEAR)
    make_case(eliminated, status=CaseStatus.ELIMINATED, category=Category.SUDDEN, risk_codes=("YYWSG",),
              identified_on=date(2024, 1, 10), eliminated_on=date(2024, 12, 20),
              elimination_mode=EliminationMode.ASSISTANCE)
    HouseholdYear.objects.filter(household=eliminated, year=YEAR).update(housing_grade="C", water_secured=False)
    ordinary = make_household(VILLAGE_A1, "A1-0001", year=YEAR)
    identifying = make_household(VILLAGE_A1, "A1-0003", year=YEAR)
    make_case(identifying, status=CaseStatus.IDENTIFYING)
    return {"ex_poor": ex_poor, "monitored": monitored, "case": case, "eliminated": eliminated,
            "ordinary": ordinary, "identifying": identifying}


def by_number(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        found.setdefault(row["户编号"], []).append(row)
    return found


# --- layout ----------------------------------------------------------------------------------------

def test_header_is_the_third_row_in_layout_order_below_two_title_rows(county):
    rows = sheet(export())
    assert rows[0][0] == PEOPLE_TITLE
    assert f"收入年度：{YEAR}" in rows[1][0] and MASKED_NOTE in rows[1][0]
    assert rows[2] == HEADERS == [layout.BY_KEY[k].header for k in layout.EXPORT_ORDER]
    work = sheet(export(), WORK_SHEET)
    assert work[2] == [c.header for c in layout.WORK_COLUMNS]


def test_one_row_per_person_grouped_by_household_head_first(county):
    rows = people(export())
    assert [r["户编号"] for r in rows] == ["A1-0002"] * 3 + ["A2-0001"] * 2 + ["B1-0001"]
    groups = by_number(rows)
    assert all(group[0]["与户主关系"] == "户主" for group in groups.values())
    assert "A1-0001" not in groups and "A1-0003" not in groups  # ordinary, and a case not yet monitored


def test_national_number_is_the_household_number_written(county):
    household = county["ex_poor"]
    household.national_number = "433122102201000123"
    household.save()
    rows = people(export())
    assert rows[0]["户编号"] == "433122102201000123"  # sorted by the number written (digits first)


def test_every_cell_is_text_and_ids_keep_their_digits(county):
    data = export(clear=True, reason="上报国家系统")
    source = open_source(data, "national.xlsx")
    for header in ("证件号码", "户编号", "家庭成员联系电话", "识别监测时间"):
        column = HEADERS.index(header)
        assert not source.numeric_cells(PEOPLE_SHEET, column).any(), header


def test_area_columns_name_the_villages_ancestors(county, regions):
    row = by_number(people(export()))["A2-0001"][0]
    village = regions.get(code=VILLAGE_A2)
    assert row["村"] == village.name
    assert row["乡"] == regions.get(code=TOWNSHIP_A).name
    assert row["县"] == regions.get(code="433122").name


# --- values ----------------------------------------------------------------------------------------

def test_monitored_case_dates_risks_measures_and_contact(county):
    rows = by_number(people(export(clear=True, reason="核对")))
    row = rows["A2-0001"][0]
    assert row["监测对象类别"] == "边缘易致贫户"
    assert row["风险是否已消除"] == "否"
    assert row["识别监测时间"] == "202403"
    assert row["消除监测时间"] == "" and row["风险消除方式"] == ""
    assert [row[f"致贫/返贫风险{i}"] for i in range(1, 6)] == ["因病", "因自然灾害", "", "", ""]
    assert row["因自然灾害子项"] == "洪涝灾害"
    assert row["整户无劳动能力兜底保障户"] == "是"
    assert row["健康帮扶"] == "参加城乡居民基本医疗保险个人缴费补贴"
    assert row["就业帮扶"] == "外出务工补贴,其他"  # a measure without a description is 其他
    assert row["产业帮扶"] == ""  # stopped
    assert row["实施开发式帮扶措施情况"] == "已实施"
    assert row["信息采集人"] == "李干部" and row["信息采集人联系电话"] == "13911112222"
    assert rows["A2-0001"][1]["监测对象类别"] == "边缘易致贫户"  # on every row of the household


def test_eliminated_case_month_mode_and_guarantees(county):
    row = by_number(people(export()))["B1-0001"][0]
    assert row["风险是否已消除"] == "是"
    assert row["识别监测时间"] == "202401" and row["消除监测时间"] == "202412"
    assert row["风险消除方式"] == "帮扶消除"
    assert row["致贫/返贫风险1"] == "因意外事故"
    assert row["是否危房户"] == "是" and row["是否解决安全饮用水"] == "否"


def test_ex_poor_household_without_a_case_has_no_monitoring_record(county):
    row = by_number(people(export()))["A1-0002"][0]
    assert row["户类型"] == "脱贫户"
    assert row["监测对象类别"] == row["风险是否已消除"] == row["识别监测时间"] == ""
    assert row["工资性收入"] == "12000"
    year = HouseholdYear.objects.get(household=county["ex_poor"], year=YEAR)
    assert Decimal(row["人均纯收入（元）"]) == year.per_capita_net_income
    assert row["是否危房户"] == ""  # no housing grade on record


def test_member_columns_use_the_layouts_labels(county):
    head = county["monitored"].members.get(relation=Relation.HEAD)
    head.education, head.health, head.sex = Education.JUNIOR, Health.DISABLED, Sex.FEMALE
    head.save()
    child = county["monitored"].members.exclude(pk=head.pk).get()
    child.relation = Relation.PARENT
    child.sex = Sex.FEMALE
    child.save()
    rows = by_number(people(export()))["A2-0001"]
    assert rows[0]["文化程度"] == "初中" and rows[0]["健康状况"] == "残疾" and rows[0]["性别"] == "女"
    assert rows[0]["证件类型"] == "居民身份证"
    assert rows[1]["与户主关系"] == "之母"  # the female label of a parent


def test_other_income_year_leaves_incomes_blank(county):
    row = by_number(people(export(year=YEAR - 1)))["A1-0002"][0]
    assert row["工资性收入"] == "" and row["人均纯收入（元）"] == ""


# --- masking ---------------------------------------------------------------------------------------

def test_masked_by_default_birth_date_blank(county):
    rows = people(export())
    members = {m.id_masked: m for m in Member.objects.all()}
    for row in rows:
        assert row["证件号码"] in members and "*" in row["证件号码"]
        assert row["出生日期"] == ""
        assert "****" in row["家庭成员联系电话"]
    monitored = by_number(rows)["A2-0001"]
    assert monitored[0]["信息采集人联系电话"] == "139****2222"
    head = Member.objects.get(household__number="A2-0001", relation=Relation.HEAD)
    assert [r["户联系电话"] for r in monitored] == [head.phone_masked] * 2  # the head's phone, on every row


def test_clear_export_gives_numbers_and_birth_date(county):
    rows = by_number(people(export(clear=True, reason="向上级报送")))
    head = county["monitored"].members.get(relation=Relation.HEAD)
    row = rows["A2-0001"][0]
    assert row["证件号码"] == head.id_number
    assert row["家庭成员联系电话"] == head.phone
    assert row["出生日期"] == head.id_number[6:14]
    assert row["户联系电话"] == head.phone
    assert MASKED_NOTE not in sheet(export(clear=True, reason="x"))[1][0]


def test_clear_needs_a_reason_and_the_grant(county, personas):
    with pytest.raises(ValueError):
        export(clear=True, reason="  ")
    with pytest.raises(PermissionDenied):
        export(personas["carol"], clear=True, reason="核对")  # a township officer without the grant
    export(personas["erin"], clear=True, reason="核对")  # a county officer who may unmask


def test_exports_are_logged_with_the_reason(county, personas):
    export(personas["erin"], clear=True, reason="向省里报送")
    export(personas["carol"])
    unmasked = AccessLog.objects.get(action="export_unmasked")
    assert unmasked.reason == "向省里报送" and "证件号码" in unmasked.fields
    assert unmasked.detail["people"] == 6 and unmasked.detail["year"] == YEAR
    masked = AccessLog.objects.get(action="export")
    assert masked.reason == "" and masked.fields == ""


# --- scope -----------------------------------------------------------------------------------------

def test_township_user_sees_only_its_township(county, personas):
    numbers = set(by_number(people(export(personas["carol"]))))
    assert numbers == {"A1-0002", "A2-0001"}
    assert set(by_number(people(export(personas["dave"])))) == {"B1-0001"}


def test_region_option_narrows_the_scope(county, personas):
    assert set(by_number(people(export(personas["erin"], region=VILLAGE_A2)))) == {"A2-0001"}
    assert people(export(personas["carol"], region=VILLAGE_B1)) == []  # outside the user's region


def test_village_cadre_may_not_export_the_national_layout(county, personas):
    with pytest.raises(PermissionDenied):
        export(personas["alice"])


# --- the national record's text ---------------------------------------------------------------------

def test_raw_labels_are_kept_while_they_mean_the_current_value(county):
    household = county["monitored"]
    head = household.members.get(relation=Relation.HEAD)
    head.health, head.education = Health.SERIOUS, Education.JUNIOR
    head.save()
    NationalRecord.objects.create(
        household=household, region_code=household.village_id, batch="b", year=YEAR,
        household_values={"category": "边缘易致贫", "township": "达岚", "village": "某村", "耕地面积（亩）": "x",
                          "farmland": "2.5", "risk1": "因自然灾害", "risk2": "因病", "disaster_kind": "洪涝",
                          "m_employment": "外出务工补贴，其他", "identified_month": "2024年3月",
                          "post_net": "8000"},
        phone="13800001111", phone_masked="138****1111",
        people={head.id_index: {"health": "残疾,患有大病", "education": "小学", "dibao": "未享受",
                                "person_number": "P-01"}},
    )
    row = by_number(people(export()))["A2-0001"][0]
    assert row["监测对象类别"] == "边缘易致贫"  # a synonym that still means EDGE
    assert row["乡"] == "达岚" and row["村"] == "某村"  # the names it was taken over with
    assert (row["致贫/返贫风险1"], row["致贫/返贫风险2"], row["因自然灾害子项"]) == ("因自然灾害", "因病", "洪涝")
    assert row["就业帮扶"] == "外出务工补贴，其他"
    assert row["识别监测时间"] == "2024年3月"
    assert row["健康状况"] == "残疾,患有大病"  # still the most serious: 患有大病
    assert row["文化程度"] == "初中"  # changed in Shouwang since: the canonical label
    assert row["享受低保政策情况"] == "未享受"
    assert row["人编号"] == "P-01" and row["耕地面积（亩）"] == "2.5"
    assert row["风险消除后家庭纯收入"] == "8000"
    assert row["户联系电话"] == "138****1111"  # the number it was taken over with, masked


def test_changed_case_writes_canonical_labels(county):
    household = county["monitored"]
    NationalRecord.objects.create(
        household=household, region_code=household.village_id, batch="b", year=YEAR,
        household_values={"category": "脱贫不稳定户", "risk1": "因学", "m_employment": "劳务输出"},
    )
    row = by_number(people(export()))["A2-0001"][0]
    assert row["监测对象类别"] == "边缘易致贫户"
    assert (row["致贫/返贫风险1"], row["致贫/返贫风险2"]) == ("因病", "因自然灾害")
    assert row["就业帮扶"] == "外出务工补贴,其他"


def test_county_label_synonyms_count_as_the_value(county):
    NationalSynonym.objects.create(table="category", text="边缘户（县）", value=Category.EDGE)
    household = county["monitored"]
    NationalRecord.objects.create(household=household, region_code=household.village_id, batch="b", year=YEAR,
                                  household_values={"category": "边缘户（县）"})
    assert by_number(people(export()))["A2-0001"][0]["监测对象类别"] == "边缘户（县）"


def test_work_spells_come_from_the_national_record(county):
    household = county["ex_poor"]
    head = household.members.get(relation=Relation.HEAD)
    NationalRecord.objects.create(household=household, region_code=household.village_id, batch="b", year=YEAR,
                                  people={head.id_index: {"spells": [
                                      {"start": "2025年03月", "end": "2025年10月", "work_county": "广东省东莞市",
                                       "monthly_wage": "4500"}]}})
    rows = people(export(clear=True, reason="核对"), WORK_SHEET)
    assert len(rows) == 1
    assert rows[0]["户编号"] == "A1-0002" and rows[0]["证件号码"] == head.id_number
    assert (rows[0]["开始时间"], rows[0]["务工所在县"], rows[0]["务工月收入"]) == ("2025年03月", "广东省东莞市", "4500")
    assert people(export(), WORK_SHEET)[0]["证件号码"] == head.id_masked


# --- queries ---------------------------------------------------------------------------------------

def test_queries_do_not_grow_with_the_households(county):
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            list(NationalRows(None, YEAR))
        return len(ctx.captured_queries)

    before = count()
    for i in range(5):
        household = make_household(VILLAGE_A1, f"A1-01{i:02d}", household_type="ex_poor", year=YEAR)
        case = make_case(household, status=CaseStatus.MONITORED)
        make_measure(case, "health")
    assert count() == before


# --- the export framework and the command ----------------------------------------------------------

def test_exports_page_offers_the_national_layout_with_title_rows(county, personas, client):
    client.force_login(personas["erin"])
    response = client.get(reverse("supervision:export_list"))
    assert response.status_code == 200
    assert reverse("supervision:export_start", args=["national"]) in response.content.decode()
    job = exports.start_export(personas["carol"], "national", {"year": str(YEAR)})
    assert job.status == Job.Status.SUCCEEDED
    rows = sheet(exports.export_path(job).read_bytes())
    assert rows[0][0] == PEOPLE_TITLE and MASKED_NOTE in rows[1][0]
    assert rows[2] == HEADERS
    assert {r[HEADERS.index("户编号")] for r in rows[3:]} == {"A1-0002", "A2-0001"}
    assert all("*" in r[HEADERS.index("证件号码")] for r in rows[3:])
    job = exports.start_export(personas["carol"], "national", {"year": str(YEAR)}, fmt="csv")
    rows = list(csv.reader(io.StringIO(exports.export_path(job).read_bytes().decode("utf-8-sig"))))
    assert rows[0] == HEADERS and len(rows) == 6  # a CSV has its header on the first line


def test_export_form_asks_for_year_and_region(county, personas, client):
    client.force_login(personas["carol"])
    url = reverse("supervision:export_start", args=["national"]) + f"?year={YEAR}"
    page = client.get(url).content.decode()
    assert 'name="filter_year"' in page and f'value="{YEAR}"' in page and 'name="filter_region"' in page
    response = client.post(url, {"filter_region": VILLAGE_A2})
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert set(by_number(people(data))) == {"A2-0001"}


def test_writers_put_title_rows_above_the_header():
    from shouwang.core.exports import write_csv, write_xlsx

    buffer = io.BytesIO()
    write_csv(buffer, ["a", "b"], [["1", "=2"]], title_rows=[["标题"], ["第二行", "x"]])
    assert buffer.getvalue().decode("utf-8-sig").splitlines() == ["标题", "第二行,x", "a,b", "1,'=2"]
    buffer = io.BytesIO()
    write_xlsx(buffer, ["a", "b"], [["1", "2"]], title_rows=[["标题"], ["=x"]])
    assert sheet(buffer.getvalue(), "Sheet1") == [["标题", ""], ["'=x", ""], ["a", "b"], ["1", "2"]]


def test_exports_page_clear_national_export_needs_the_grant(county, personas):
    job = exports.start_export(personas["erin"], "national", {"year": str(YEAR), "region": VILLAGE_B1},
                               reason="报送")
    path = exports.export_path(job)
    rows = sheet(path.read_bytes(), PEOPLE_SHEET)
    assert rows[2] == HEADERS
    member = county["eliminated"].members.get()
    assert rows[3][HEADERS.index("证件号码")] == member.id_number
    assert AccessLog.objects.filter(action="export_unmasked", reason="报送").exists()
    with pytest.raises(PermissionDenied):
        exports.start_export(personas["carol"], "national", {}, reason="报送")
    with pytest.raises(PermissionDenied):
        exports.start_export(personas["alice"], "national", {})


def test_existing_exports_keep_the_header_on_the_first_row(county, personas):
    job = exports.start_export(personas["erin"], "households", {}, fmt="csv")
    rows = list(csv.reader(io.StringIO(exports.export_path(job).read_bytes().decode("utf-8-sig"))))
    assert rows[0][0] == "户编号"


def test_command_writes_the_workbook(county, tmp_path):
    target = tmp_path / "out.xlsx"
    out = io.StringIO()
    call_command("export_national", str(target), "--year", str(YEAR), "--region", TOWNSHIP_A, stdout=out)
    assert set(by_number(people(target.read_bytes()))) == {"A1-0002", "A2-0001"}
    assert "*" in people(target.read_bytes())[0]["证件号码"]
    call_command("export_national", str(target), "--year", str(YEAR), "--clear", "--reason", "报送", stdout=out)
    assert "*" not in people(target.read_bytes())[0]["证件号码"]
    with pytest.raises(CommandError):
        call_command("export_national", str(target), "--year", str(YEAR), "--clear")
    with pytest.raises(CommandError):
        call_command("export_national", str(target), "--year", str(YEAR), "--user", "alice")


def test_title_row_names_region_year_and_time(county, personas):
    now = timezone.make_aware(datetime(2026, 5, 1, 9, 30))
    rows = sheet(export(personas["carol"], now=now))
    assert "达岚镇" in rows[1][0] and "2026-05-01 09:30" in rows[1][0]


# --- round trip: import → export → import changes nothing -------------------------------------------

A1 = {"township": "达岚镇", "village": "六里村"}
A2 = {"township": "达岚镇", "village": "覃木阳村"}
B1 = {"township": "兴隆场镇", "village": "都里坪村"}
STAMP = timezone.make_aware(datetime(2026, 1, 5, 8, 0))


def _household(number: str, first: int, size: int = 3, where=A1, **values) -> list[dict]:
    from .national_files import person

    relations = ["户主", "配偶", "之子", "之女", "之母"]
    return [person(number, first + i, relation=relations[i], **where, **values) for i in range(size)]


def every_case_state() -> list[dict]:
    """Every case state of the national layout, one household each."""
    from .national_files import monitored

    rows = _household("433122102201000001", 1, 户类型="一般农户")  # not monitored, ordinary
    rows += _household("433122102201000002", 11)  # ex-poor, not monitored
    rows += _household("433122102201000003", 21, **monitored("脱贫不稳定户"))  # open, each category
    rows += _household("433122102202000004", 31, where=A2, **monitored(
        "边缘易致贫户", risks=("因学", "因残"), 产业帮扶="养殖业,产业奖补", 金融帮扶="小额信贷",
        教育帮扶="雨露计划", 综合保障="低保"))  # several measures
    rows += _household("433122104201000005", 41, where=B1, **monitored(
        "突发严重困难户", risks=("因自然灾害", "因意外事故"), 因自然灾害子项="洪涝灾害",
        identified="2024年06月"))  # a disaster with its sub-item
    rows += _household("433122102201000006", 51, **monitored("脱贫不稳定户", eliminated=True))  # 帮扶消除
    rows += _household("433122102201000007", 61, size=2, **monitored(
        "边缘易致贫户", eliminated=True, mode="自然消除", risks=("缺劳动力",), identified="202201",
        eliminated_month="202306", 整户无劳动能力兜底保障户="是", 综合保障="低保、残疾人补贴"))  # 自然消除, 兜底
    rows += _household("433122102202000008", 71, size=4, where=A2, 健康状况="残疾,长期慢性病", 文化程度="文盲",
                       **monitored("边缘易致贫户", 整户无劳动能力兜底保障户="是", 社会帮扶=""))  # open, 兜底
    return rows


def _import(content: bytes, name: str = "（自定义）监测对象信息.xlsx"):
    from shouwang.supervision.takeover.importer import import_national

    report = import_national([(content, name)], year=YEAR, commit=True)
    assert report.ok, report.to_dict()["errors"]
    return report


def _round_trip(first_file: bytes) -> None:
    first = _import(first_file)
    assert first.committed and first.created > 0
    exported = export(clear=True, reason="往返测试", now=STAMP)
    second = _import(exported, "national-layout.xlsx")
    details = second.details
    assert (second.created, second.updated) == (0, 0), details
    assert second.unchanged == first.created
    assert (details["cases"]["created"], details["cases"]["updated"]) == (0, 0), details
    assert details["reconciliation"] == 0
    again = export(clear=True, reason="往返测试", now=STAMP)
    for name in (PEOPLE_SHEET, WORK_SHEET):
        assert sheet(again, name) == sheet(exported, name), name


def test_round_trip_of_every_case_state_changes_nothing(regions):
    from .national_files import workbook

    _round_trip(workbook(every_case_state()))
    states = {(c.status, c.category, c.elimination_mode, c.no_labour_safety_net) for c in Case.objects.all()}
    assert {(s, cat) for s, cat, _m, _n in states} >= {
        (CaseStatus.MONITORED, Category.UNSTABLE_EX_POOR), (CaseStatus.MONITORED, Category.EDGE),
        (CaseStatus.MONITORED, Category.SUDDEN), (CaseStatus.ELIMINATED, Category.UNSTABLE_EX_POOR),
        (CaseStatus.ELIMINATED, Category.EDGE)}
    assert {m for s, _c, m, _n in states if s == CaseStatus.ELIMINATED} == {
        EliminationMode.ASSISTANCE, EliminationMode.NATURAL}
    assert any(n for *_r, n in states)


def test_round_trip_of_a_synthetic_county_export(regions):
    from conftest import COUNTY
    from shouwang.supervision.takeover.synthetic import write_national_export

    buffer = io.BytesIO()
    summary = write_national_export(buffer, county=COUNTY, households=40, seed=13, year=YEAR, messy=True)
    assert summary.monitored_total and summary.eliminated_total and summary.work_spells
    _round_trip(buffer.getvalue())
