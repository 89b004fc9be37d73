"""Department feeds: the acceptance case of issue 3, idempotency, corrections, leads, feed types."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from conftest import VILLAGE_A1, VILLAGE_B1
from shouwang.core.models import AccessLog, ChangeLog
from shouwang.monitoring.feeds.catalogue import FEED_SPECS
from shouwang.monitoring.feeds.services import FeedImport, add_alias, import_feed
from shouwang.monitoring.feeds.tests.feed_files import Number, member_id, unknown_id, write_feed_xlsx
from shouwang.monitoring.models import FeedBatch, FeedLead, FeedSignal, Signal
from shouwang.monitoring.screening.services import screen
from shouwang.monitoring.tests.factories import household
from shouwang.registry.models import Member

pytestmark = pytest.mark.django_db
K = FeedSignal.Kind
MEDICAL_HEADERS = ["序号", "参保人姓名", "公民身份号码", "结算日期", "医疗类别", "个人负担（元）", "诊断"]


def first_member(h) -> Member:
    return Member.objects.filter(household=h).order_by("id").first()


def medical_rows(*rows):
    return [[str(i), *row] for i, row in enumerate(rows, start=1)]


@pytest.fixture
def people(regions):
    """An ex-poor household and an ordinary one in A1 (high income: only the amount rules matter),
    and a second ordinary household in B1."""
    ex_poor = household(VILLAGE_A1, household_type="ex_poor", wage="100000", year=2024)
    ordinary = household(VILLAGE_A1, wage="100000", year=2024)
    other = household(VILLAGE_B1, wage="100000", year=2024)
    return {"ex_poor": first_member(ex_poor), "ordinary": first_member(ordinary), "other": first_member(other)}


def test_medical_feed_with_title_synonyms_mixed_formats_bad_and_unknown_rows_then_screening(people, tmp_path):
    ex_poor, ordinary, other = people["ex_poor"], people["ordinary"], people["other"]
    rows = medical_rows(
        # ex-poor: 2,600 + 2,400 = 5,000 in mixed date and amount formats → fires (≥ 5,000)
        ["甲", member_id(ex_poor), "2024-03-05", "住院", "2,600.00元", "肺炎"],
        ["甲", member_id(ex_poor), date(2024, 4, 9), "门诊", Number(2400), ""],
        # ordinary: 19,999.99 in three rows → does not fire (< 20,000 and < 50 % of income)
        ["乙", member_id(ordinary), "2024/3/5", "住院", "9,999.99", ""],
        ["乙", member_id(ordinary), "2024年6月1日", "住院", "5000元", ""],
        ["乙", member_id(ordinary), "20240701", "住院", "5,000", ""],
        # the B1 household: 20,000 → fires
        ["丙", member_id(other), Number(45500), "住院", "20000", ""],  # an Excel serial date: 2024-07-27
        # a person the registry does not know
        ["丁", unknown_id(1), "2024-05-01", "住院", "800", ""],
        # an ID typed as a number: digits lost
        ["戊", Number(433122199001011234), "2024-05-02", "住院", "900", ""],
    )
    path = write_feed_xlsx(tmp_path / "医保2024.xlsx", MEDICAL_HEADERS, rows, title="2024年医保个人自付明细（泸溪县）")

    importer = import_feed("medical", path, path.name, commit=True)
    report = importer.report
    data = importer.summary()

    assert report.committed
    assert (report.total, report.accepted, report.rejected) == (8, 7, 1)
    # the number-typed ID is named with its row (title row 1, header row 2, data from row 3)
    [error] = data["errors"]
    assert error["row"] == 10 and error["column"] == "公民身份号码" and error["code"] == "numeric_cell"
    assert "format the column as text" in error["reason"]
    # the unknown person is a listed lead, with a warning naming the row
    [lead] = data["unmatched"]
    assert lead["row"] == 9 and lead["id_masked"].endswith(unknown_id(1)[-4:]) and "*" in lead["id_masked"]
    assert any(w["row"] == 9 and w["code"] == "unknown_person" for w in data["warning_details"])
    assert FeedLead.objects.get().name == "丁"
    # the rest are linked to their members with provenance
    signals = FeedSignal.objects.order_by("row_number")
    assert [s.member_id for s in signals] == [ex_poor.pk, ex_poor.pk, ordinary.pk, ordinary.pk, ordinary.pk, other.pk]
    assert {s.household_id for s in signals} == {ex_poor.household_id, ordinary.household_id, other.household_id}
    assert [s.date for s in signals] == [date(2024, 3, 5), date(2024, 4, 9), date(2024, 3, 5), date(2024, 6, 1),
                                         date(2024, 7, 1), date(2024, 7, 27)]
    assert [s.amount for s in signals] == [Decimal(2600), Decimal(2400), Decimal("9999.99"), Decimal(5000),
                                           Decimal(5000), Decimal(20000)]
    batch = FeedBatch.objects.get()
    assert all(s.batch_id == batch.pk and s.file_name == "医保2024.xlsx" and s.kind == K.MEDICAL_OUT_OF_POCKET
               for s in signals)
    assert [s.row_number for s in signals] == [3, 4, 5, 6, 7, 8]
    assert signals[0].region_code == VILLAGE_A1 and signals[0].category == "住院"
    assert "诊断" not in str(signals[0].detail) and "肺炎" not in str(signals[0].detail)  # health details not kept
    assert (batch.total, batch.rejected, batch.matched, batch.unmatched) == (8, 1, 6, 1)
    assert len(batch.sha256) == 64

    result = screen(year=2024)
    fired = set(Signal.objects.filter(rule__code="MEDICAL_SPENDING").values_list("household_id", flat=True))
    assert fired == {ex_poor.household_id, other.household_id}
    assert result.per_rule["MEDICAL_SPENDING"] == 2
    evidence = Signal.objects.get(household_id=ex_poor.household_id, rule__code="MEDICAL_SPENDING").evidence
    assert evidence["facts"]["medical_out_of_pocket_12m"] == 5000


def test_reimporting_the_same_file_changes_nothing(people, tmp_path):
    rows = medical_rows(["甲", member_id(people["ex_poor"]), "2024-03-05", "住院", "100", ""],
                        ["丁", unknown_id(2), "2024-03-06", "住院", "50", ""])
    path = write_feed_xlsx(tmp_path / "m.xlsx", MEDICAL_HEADERS, rows)
    first = import_feed("medical", path, path.name, commit=True).report
    changes = ChangeLog.objects.count()
    again = import_feed("medical", path, path.name, commit=True).report
    assert (first.created, first.unchanged) == (2, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert not again.committed and again.batch == ""
    assert FeedSignal.objects.count() == 1 and FeedLead.objects.count() == 1 and FeedBatch.objects.count() == 1
    assert ChangeLog.objects.count() == changes
    assert AccessLog.objects.filter(action="import", object_type="feed_import").count() == 2


def test_a_corrected_reexport_replaces_amounts_instead_of_adding_them(people, tmp_path):
    ex_poor = member_id(people["ex_poor"])
    march = medical_rows(["甲", ex_poor, "2024-03-05", "住院", "3000", ""],
                         ["甲", ex_poor, "2024-03-20", "门诊", "200", ""])
    corrected = medical_rows(["甲", ex_poor, "2024-03-05", "住院", "2500", ""],
                             ["甲", ex_poor, "2024-03-20", "门诊", "200", ""],
                             ["甲", ex_poor, "2024-03-28", "门诊", "80", ""])
    import_feed("medical", write_feed_xlsx(None, MEDICAL_HEADERS, march), "march.xlsx", commit=True)
    report = import_feed("medical", write_feed_xlsx(None, MEDICAL_HEADERS, corrected), "march-v2.xlsx",
                         commit=True).report
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert sorted(FeedSignal.objects.values_list("amount", flat=True)) == [Decimal(80), Decimal(200),
                                                                          Decimal(2500)]
    corrected_signal = FeedSignal.objects.get(date=date(2024, 3, 5))
    assert corrected_signal.file_name == "march-v2.xlsx"
    change = ChangeLog.objects.filter(object_type="monitoring.feedsignal").get()
    assert change.before["amount"] == "3000.00" and change.after["amount"] == "2500.00"


def test_a_cumulative_export_adds_only_the_new_events_and_same_day_events_stay_apart(people):
    ex_poor = member_id(people["ex_poor"])
    headers = ["身份证号", "就诊日期", "个人自付"]
    q1 = [[ex_poor, "2024-01-10", "100"], [ex_poor, "2024-01-10", "100"], [ex_poor, "2024-02-01", "40"]]
    ytd = [[ex_poor, "2024-02-01", "40"], [ex_poor, "2024-01-10", "100"], [ex_poor, "2024-01-10", "100"],
           [ex_poor, "2024-04-01", "7"]]
    import_feed("medical", write_feed_xlsx(None, headers, q1), "q1.xlsx", commit=True)
    report = import_feed("medical", write_feed_xlsx(None, headers, ytd), "ytd.xlsx", commit=True).report
    assert (report.created, report.updated, report.unchanged) == (1, 0, 3)
    assert sum(FeedSignal.objects.values_list("amount", flat=True)) == Decimal(247)


def test_rows_sharing_a_record_number_are_one_event_and_a_correction_by_record_number_updates_it(people):
    ex_poor = member_id(people["ex_poor"])
    headers = ["证件号码", "出院日期", "自付金额", "结算流水号"]
    rows = [[ex_poor, "2024-05-01", "1000", "JS001"], [ex_poor, "2024-05-01", "500", "JS001"],
            [ex_poor, "2024-05-03", "70", "JS002"]]
    first = import_feed("medical", write_feed_xlsx(None, headers, rows), "a.xlsx", commit=True)
    assert first.report.created == 2
    assert any(w.code == "merged_reference" and w.row == 3 for w in first.report.warnings)
    assert FeedSignal.objects.get(reference="JS001").amount == Decimal(1500)
    fixed = [[ex_poor, "2024-05-02", "1400", "JS001"], [ex_poor, "2024-05-03", "70", "JS002"]]
    again = import_feed("medical", write_feed_xlsx(None, headers, fixed), "b.xlsx", commit=True).report
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    signal = FeedSignal.objects.get(reference="JS001")
    assert (signal.amount, signal.date) == (Decimal(1400), date(2024, 5, 2))


def test_dry_run_writes_nothing_but_reports_the_plan(people):
    rows = medical_rows(["甲", member_id(people["ex_poor"]), "2024-03-05", "住院", "100", ""])
    importer = import_feed("medical", write_feed_xlsx(None, MEDICAL_HEADERS, rows), "m.xlsx", commit=False)
    assert importer.report.created == 1 and not importer.report.committed
    assert not FeedSignal.objects.exists() and not FeedBatch.objects.exists()


def test_a_lead_becomes_a_signal_once_the_person_is_registered(regions):
    from shouwang.core.idnumbers import parse_id_number

    number = unknown_id(7)
    headers = ["身份证号", "就诊日期", "个人自付"]
    import_feed("medical", write_feed_xlsx(None, headers, [[number, "2024-02-02", "6000"]]), "a.xlsx", commit=True)
    lead = FeedLead.objects.get()
    assert lead.resolved_signal is None and lead.id_number == number and lead.id_masked != number
    h = household(VILLAGE_A1, household_type="ex_poor", year=2024)
    member = first_member(h)
    member.set_id(parse_id_number(number))
    member.save()
    other = [[member_id(member), "2024-03-03", "10"]]
    import_feed("medical", write_feed_xlsx(None, headers, other), "b.xlsx", commit=True)
    lead.refresh_from_db()
    assert lead.resolved_signal is not None and lead.resolved_signal.household_id == h.pk
    assert lead.resolved_signal.row_number == 2 and lead.resolved_signal.file_name == "a.xlsx"
    assert sum(FeedSignal.objects.filter(household=h).values_list("amount", flat=True)) == Decimal(6010)


def test_a_member_outside_the_importers_region_is_a_lead_and_not_revealed(personas, regions):
    from shouwang.accounts.models import User
    from shouwang.regions.models import Region

    Region.objects.create(code="433101", name="吉首市", level="county", parent_code="4331")
    olga = User.objects.create_user(username="olga", password="x-Pass-word-1", role="department", region_id="433101")
    h = household(VILLAGE_A1, year=2024)
    headers = ["身份证号", "就诊日期", "个人自付"]
    content = write_feed_xlsx(None, headers, [[member_id(first_member(h)), "2024-02-02", "60"]])
    mine = FeedImport("medical", personas["ivan"]).run_file(content, "a.xlsx", commit=False)
    assert mine.details["matched"] == 1 and not mine.warnings
    theirs = FeedImport("medical", olga).run_file(content, "a.xlsx", commit=True)
    assert theirs.details["matched"] == 0 and theirs.details["unmatched"] == 1
    assert [w.code for w in theirs.warnings] == ["unknown_person"]  # the same words as for a stranger
    assert not FeedSignal.objects.exists() and FeedLead.objects.get().region_code == "433101"


@pytest.mark.parametrize(
    ("feed", "headers", "values", "kind", "category", "amount"),
    [
        ("education", ["学生身份证号", "辍学日期", "学校", "年级"], ["2024-09-01", "某小学", "五年级"], K.DROPOUT,
         "五年级", None),
        ("housing", ["户主身份证号", "鉴定日期", "危房等级"], ["2024-08-01", "C级"], K.HOUSING_APPRAISAL, "C", None),
        ("housing", ["户主身份证号", "鉴定日期", "危房等级"], ["2024-08-01", "整栋危房"], K.HOUSING_APPRAISAL,
         "D", None),
        ("water", ["户主身份证号", "断水日期", "存在问题", "断水天数"], ["2024-07-01", "断水", "40"], K.WATER,
         "断水", None),
        ("civil", ["身份证号", "批准日期", "救助类型", "救助金额"], ["2024-06-01", "农村低保", "300元"], K.NEW_DIBAO,
         "", "300"),
        ("civil", ["身份证号", "审批日期", "保障类型"], ["2024-06-01", "分散特困"], K.NEW_TEKUN, "", None),
        ("civil", ["身份证号", "救助日期", "类别", "金额"], ["2024-06-01", "临时救助", "1,500"], K.TEMPORARY_ASSISTANCE,
         "", "1500"),
        ("disability", ["身份证号", "发证日期", "残疾等级"], ["2024-05-01", "二级"], K.NEW_SEVERE_DISABILITY,
         "2", None),
        ("disability", ["身份证号", "发证日期", "残疾等级"], ["2024-05-01", "4"], K.NEW_DISABILITY, "4", None),
        ("employment", ["身份证号", "失业登记日期", "失业原因"], ["2024-04-01", "企业裁员"], K.UNEMPLOYMENT,
         "", None),
        ("disaster", ["户主身份证号", "受灾日期", "灾种", "直接经济损失(元)"], ["2024-07-15", "洪涝", "12,000元"],
         K.DISASTER_LOSS, "洪涝", "12000"),
    ],
)
def test_each_feed_type_reads_its_own_columns(people, feed, headers, values, kind, category, amount):
    content = write_feed_xlsx(None, headers, [[member_id(people["ordinary"]), *values]])
    report = import_feed(feed, content, f"{feed}.xlsx", commit=True).report
    assert report.ok and report.created == 1, report.to_dict()["errors"]
    signal = FeedSignal.objects.get()
    assert (signal.kind, signal.category, signal.source) == (kind, category, feed)
    assert signal.amount == (Decimal(amount) if amount else None)


def test_a_disability_certificate_number_gives_the_id_and_the_grade(people):
    number = member_id(people["ordinary"])
    content = write_feed_xlsx(None, ["残疾人证号", "发证日期"], [[number + "71", "2024-05-01"]])
    report = import_feed("disability", content, "c.xlsx", commit=True).report
    assert report.ok, report.to_dict()["errors"]
    signal = FeedSignal.objects.get()
    assert (signal.member_id, signal.kind, signal.category) == (people["ordinary"].pk, K.NEW_SEVERE_DISABILITY, "1")


def test_feed_signals_raise_the_feed_rules_on_screening(people):
    number = member_id(people["ordinary"])
    import_feed("disaster", write_feed_xlsx(None, ["身份证号", "受灾日期"], [[number, "2024-07-15"]]), "d.xlsx",
                commit=True)
    import_feed("civil", write_feed_xlsx(None, ["身份证号", "批准日期", "救助类型"], [[number, "2024-03-01", "特困"]]),
                "c.xlsx", commit=True)
    screen(year=2024)
    codes = set(Signal.objects.filter(household_id=people["ordinary"].household_id).values_list("rule__code",
                                                                                                flat=True))
    assert {"DISASTER_LOSS", "NEW_DIBAO_TEKUN"} <= codes


def test_bad_values_are_reported_by_row_and_column(people):
    number = member_id(people["ordinary"])
    rows = [[number, "2024-13-01", "100"], [number, "2024-03-01", "一百"], [number[:17] + "0" if number[17] != "0"
                                                                          else number[:17] + "1", "2024-03-01", "1"],
            ["", "2024-03-01", "1"], [number, "2099-01-01", "1"], [number, "2024-03-01", "-5"]]
    report = import_feed("medical", write_feed_xlsx(None, ["身份证号", "就诊日期", "个人自付"], rows), "x.xlsx").report
    by_row = {e.row: (e.column, e.code) for e in report.errors}
    assert by_row == {2: ("就诊日期", "not_a_date"), 3: ("个人自付", "not_a_number"), 4: ("身份证号", "bad_checksum"),
                      5: ("身份证号", "required"), 6: ("就诊日期", "out_of_range"), 7: ("个人自付", "negative")}
    assert report.rejected == 6 and report.accepted == 0


def test_missing_required_columns_are_a_file_error(regions):
    report = import_feed("medical", write_feed_xlsx(None, ["身份证号", "就诊日期"], [["x", "y"]]), "x.xlsx").report
    [error] = report.errors
    assert error.code == "missing_columns" and "个人自付" in error.reason
    assert report.total == 0 and not FeedBatch.objects.exists()


def test_csv_files_in_gb18030_are_read(people):
    number = member_id(people["ordinary"])
    content = f"身份证号,结算日期,个人自付\r\n{number},2024-03-05,\"1,200.50\"\r\n".encode("gb18030")
    report = import_feed("medical", content, "医保.csv", commit=True).report
    assert report.ok and report.created == 1
    assert FeedSignal.objects.get().amount == Decimal("1200.50")


def test_a_county_alias_extends_the_headers_for_that_county_only(people, personas):
    number = member_id(people["ordinary"])
    content = write_feed_xlsx(None, ["身份证号", "就诊日期", "自负额"], [[number, "2024-03-05", "10"]])
    assert not FeedImport("medical", personas["ivan"]).run_file(content, "a.xlsx").ok
    add_alias("433122", "medical", "amount", "自负额")
    assert FeedImport("medical", personas["ivan"]).run_file(content, "a.xlsx").ok
    with pytest.raises(ValueError):
        add_alias("433122", "medical", "amount", "就诊日期")  # already names another column
    with pytest.raises(ValueError):
        add_alias("433122", "medical", "no_such_column", "x")


def test_every_feed_type_has_an_id_and_a_date_column():
    for spec in FEED_SPECS.values():
        keys = spec.column_keys()
        assert "id_number" in keys and "date" in keys
        assert spec.column("id_number").id_cell and spec.column("id_number").sensitive == "id"


@pytest.fixture(params=["small", "large"])
def batch_paths(request, monkeypatch):
    """Run a test with the IN-list lookups of a small batch and with the scans of a large one."""
    from shouwang.monitoring.feeds import checking as feeds

    if request.param == "large":
        monkeypatch.setattr(feeds, "MATCH_IN_LIMIT", 0)
        monkeypatch.setattr(feeds, "KEY_LOOKUP_LIMIT", 0)
    return request.param


def test_both_lookup_paths_match_reimport_and_correct_alike(people, batch_paths):
    ex_poor, other = member_id(people["ex_poor"]), member_id(people["other"])
    headers = ["身份证号", "就诊日期", "个人自付", "结算单号"]
    first = [[ex_poor, "2024-03-05", "3000", ""], [other, "2024-03-06", "10.5", "R1"],
             [unknown_id(9), "2024-03-07", "1", ""]]
    report = import_feed("medical", write_feed_xlsx(None, headers, first), "a.xlsx", commit=True).report
    assert (report.created, report.details["matched"], report.details["unmatched"]) == (3, 2, 1)
    same = import_feed("medical", write_feed_xlsx(None, headers, first), "a.xlsx", commit=True).report
    assert (same.created, same.updated, same.unchanged) == (0, 0, 3)
    fixed = [[ex_poor, "2024-03-05", "2999.99", ""], [other, "2024-03-06", "10.50", "R1"],
             [unknown_id(9), "2024-03-07", "2", ""]]
    again = import_feed("medical", write_feed_xlsx(None, headers, fixed), "b.xlsx", commit=True).report
    assert (again.created, again.updated, again.unchanged) == (0, 2, 1)
    assert sorted(FeedSignal.objects.values_list("amount", flat=True)) == [Decimal("10.50"), Decimal("2999.99")]
    assert FeedLead.objects.get().amount == Decimal(2)
    change = ChangeLog.objects.filter(object_type="monitoring.feedsignal").get()
    assert (change.before["amount"], change.after["amount"], change.before["date"]) == ("3000.00", "2999.99",
                                                                                          "2024-03-05")


@pytest.mark.parametrize(
    ("fact", "feed", "headers", "values", "fires"),
    [
        ("dangerous_housing_reported", "housing", ["身份证号", "鉴定日期", "鉴定等级"], ["2024-08-01", "D"], True),
        ("dangerous_housing_reported", "housing", ["身份证号", "鉴定日期", "鉴定等级"], ["2024-08-01", "B"], False),
        ("dangerous_housing_reported", "housing", ["身份证号", "鉴定日期", "鉴定等级"], ["2023-08-01", "C"], False),
        ("temporary_assistance", "civil", ["身份证号", "救助日期", "救助类型"], ["2024-02-01", "临时救助"], True),
        ("temporary_assistance", "civil", ["身份证号", "救助日期", "救助类型"], ["2024-02-01", "低保"], False),
        ("dropout_reported", "education", ["身份证号", "辍学日期"], ["2024-10-01", ], True),
        ("water_problem_reported", "water", ["身份证号", "断水日期", "存在问题"], ["2024-07-01", "水质"], True),
        ("new_severe_disability", "disability", ["身份证号", "发证日期", "残疾等级"], ["2024-05-01", "三级"], False),
        ("unemployment", "employment", ["身份证号", "失业日期"], ["2024-05-01"], True),
    ],
)
def test_feed_facts_see_the_imported_signals_in_the_window(people, fact, feed, headers, values, fires):
    from shouwang.monitoring.rules.compiler import compile_expression
    from shouwang.monitoring.rules.facts import FactContext
    from shouwang.monitoring.screening.engine import base_queryset, evaluate

    h = people["ordinary"].household_id
    content = write_feed_xlsx(None, headers, [[member_id(people["ordinary"]), *values]])
    assert import_feed(feed, content, "f.xlsx", commit=True).report.created == 1
    hits = evaluate({1: compile_expression(fact, {})}, FactContext.for_year(2024), base_queryset(2024))
    assert (h in {hit.household_id for hit in hits}) is fires
