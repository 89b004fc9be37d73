"""The civil-affairs low-income layer feed: layers created and ended, completeness, member flags."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import VILLAGE_A1, VILLAGE_B1
from shouwang.core.models import ChangeLog
from shouwang.monitoring.feeds.catalogue import FEED_SPECS
from shouwang.monitoring.feeds.services import FeedImport, import_feed
from shouwang.monitoring.feeds.tests.feed_files import member_id, write_feed_xlsx
from shouwang.monitoring.models import FeedSignal
from shouwang.monitoring.tests.factories import household
from shouwang.registry.households.layers import sync_member_flags
from shouwang.registry.models import LayerKind, LowIncomeLayer, Member

pytestmark = pytest.mark.django_db
HEADERS = ["序号", "保障对象姓名", "公民身份号码", "对象类别", "纳入日期", "停保日期"]
TODAY = date(2025, 6, 30)


def first(h) -> Member:
    return Member.objects.filter(household=h).order_by("id").first()


@pytest.fixture
def people(regions):
    a = first(household(VILLAGE_A1, wage="100000", year=2024))
    b = first(household(VILLAGE_A1, wage="100000", year=2024))
    c = first(household(VILLAGE_B1, wage="100000", year=2024))
    return {"a": a, "b": b, "c": c}


def run(rows, *, user=None, complete=False, commit=True):
    content = write_feed_xlsx(None, HEADERS, [[str(i), *row] for i, row in enumerate(rows, start=1)])
    importer = FeedImport("low_income", user, complete=complete, today=TODAY)
    importer.run_file(content, "layers.xlsx", commit=commit)
    return importer


def periods(member):
    return sorted((p.layer, p.start, p.end) for p in LowIncomeLayer.objects.filter(member=member))


def test_the_feed_type_reads_synonyms_of_the_layers():
    spec = FEED_SPECS["low_income"]
    assert spec.classify is not None
    classify = spec.classify[1]
    assert classify("农村低保")[0] == FeedSignal.Kind.LAYER_DIBAO
    assert classify("分散供养特困")[0] == FeedSignal.Kind.LAYER_TEKUN
    assert classify("低保边缘家庭")[0] == FeedSignal.Kind.LAYER_DIBAO_EDGE
    assert classify("支出型困难家庭")[0] == FeedSignal.Kind.LAYER_RIGID_SPENDING
    assert classify("五保")[2] is not None  # not a layer: the row is rejected


def test_a_list_creates_layers_sets_the_flags_and_a_reimport_changes_nothing(people):
    a, b = people["a"], people["b"]
    importer = run([
        ["甲", member_id(a), "低保", "2023-05-01", ""],
        ["甲", member_id(a), "特困人员", "2024-01-01", ""],
        ["乙", member_id(b), "低保边缘", "2024-03-01", ""],
    ])
    assert importer.report.committed
    assert importer.report.details["layers"] == {"created": 3, "ended": 0, "reopened": 0, "unchanged": 0,
                                                 "complete": False}
    assert periods(a) == [("dibao", date(2023, 5, 1), None), ("tekun", date(2024, 1, 1), None)]
    assert periods(b) == [("dibao_edge", date(2024, 3, 1), None)]
    layer = LowIncomeLayer.objects.get(member=a, layer="dibao")
    assert layer.source == "low_income" and layer.batch_id == int(importer.report.batch)
    assert layer.region_code == a.region_code and layer.household_id == a.household_id
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.dibao, a.tekun) == (True, True) and (b.dibao, b.tekun) == (False, False)

    again = run([
        ["甲", member_id(a), "低保", "2023-05-01", ""],
        ["甲", member_id(a), "特困人员", "2024-01-01", ""],
        ["乙", member_id(b), "低保边缘", "2024-03-01", ""],
    ])
    assert again.report.details["layers"]["unchanged"] == 3
    assert not again.report.committed  # nothing to write: no batch
    assert LowIncomeLayer.objects.count() == 3


def test_an_end_date_in_the_row_ends_the_layer_and_the_flag_follows(people):
    a = people["a"]
    run([["甲", member_id(a), "低保", "2023-05-01", ""]])
    importer = run([["甲", member_id(a), "低保", "2023-05-01", "2025-03-31"]])
    assert importer.report.details["layers"]["ended"] == 1
    assert periods(a) == [("dibao", date(2023, 5, 1), date(2025, 3, 31))]
    a.refresh_from_db()
    assert a.dibao is False
    assert ChangeLog.objects.filter(object_type="registry.lowincomelayer", action="update").count() == 1


def test_only_a_complete_list_ends_the_layers_it_no_longer_names(people):
    a, b = people["a"], people["b"]
    run([["甲", member_id(a), "低保", "2023-05-01", ""], ["乙", member_id(b), "低保", "2024-02-01", ""],
         ["乙", member_id(b), "刚性支出困难家庭", "2024-02-01", ""]])
    # Not marked complete: a's 低保 stays although the list no longer names a.
    partial = run([["乙", member_id(b), "低保", "2024-02-01", ""]])
    assert partial.report.details["layers"]["ended"] == 0
    assert periods(a) == [("dibao", date(2023, 5, 1), None)]
    # Marked complete: a's 低保 ends the day before the list; b's 刚性支出 (a layer the list does not name) stays.
    complete = run([["乙", member_id(b), "低保", "2024-02-01", ""]], complete=True)
    assert complete.report.details["layers"] == {"created": 0, "ended": 1, "reopened": 0, "unchanged": 1,
                                                 "complete": True}
    assert periods(a) == [("dibao", date(2023, 5, 1), date(2025, 6, 29))]
    assert ("rigid_spending", date(2024, 2, 1), None) in periods(b)
    a.refresh_from_db()
    assert a.dibao is False
    ended = LowIncomeLayer.objects.get(member=a)
    assert ended.ended_by_batch_id == int(complete.report.batch)
    # Listed again later with the same start: the period opens again.
    back = run([["甲", member_id(a), "低保", "2023-05-01", ""]])
    assert back.report.details["layers"]["reopened"] == 1
    assert periods(a) == [("dibao", date(2023, 5, 1), None)]


def test_a_complete_list_ends_only_in_the_importers_region_and_not_when_rows_were_rejected(people, personas):
    a, c = people["a"], people["c"]
    run([["甲", member_id(a), "低保", "2023-05-01", ""], ["丙", member_id(c), "低保", "2023-05-01", ""]])
    carol = personas["carol"]  # township A: c (in B1) is outside her region
    LowIncomeLayer.objects.filter(member=c).update(end=None)
    with_error = run([["甲", member_id(a), "低保", "2023-05-01", ""], ["丁", "12345", "低保", "2023-05-01", ""]],
                     complete=True)
    assert with_error.report.errors and with_error.report.details["layers"]["ended"] == 0
    content = write_feed_xlsx(None, HEADERS, [["1", "甲", member_id(a), "特困", "2024-01-01", ""]])
    importer = FeedImport("low_income", personas["erin"], complete=True, today=TODAY)
    importer.prefix = "433122102"  # as if the importer's region were township A
    importer.run_file(content, "t.xlsx", commit=True)
    assert carol  # the persona exists; the region is the importer's prefix
    assert periods(c) == [("dibao", date(2023, 5, 1), None)]  # outside the region: untouched
    assert periods(a) == [("dibao", date(2023, 5, 1), None), ("tekun", date(2024, 1, 1), None)]


def test_hand_entered_layers_are_never_ended_by_a_list_and_flags_of_unlisted_members_stay(people):
    a, b = people["a"], people["b"]
    LowIncomeLayer.objects.create(household=a.household, member=a, layer=LayerKind.TEKUN, start=date(2020, 1, 1),
                                  source="manual")
    Member.objects.filter(pk=b.pk).update(dibao=True)  # from the registry import, never listed by civil affairs
    run([["乙", member_id(b), "低保边缘", "2024-03-01", ""]], complete=True)
    run([["丙", member_id(people["c"]), "特困", "2024-03-01", ""]], complete=True)
    assert periods(a) == [("tekun", date(2020, 1, 1), None)]
    b.refresh_from_db()
    assert b.dibao is False  # b was listed (低保边缘 only): the flags follow b's layers


def test_sync_member_flags_is_one_update_from_the_layers(people):
    a = people["a"]
    LowIncomeLayer.objects.create(household=a.household, member=a, layer=LayerKind.DIBAO, start=date(2024, 1, 1),
                                  end=date(2024, 12, 31), source="manual")
    assert sync_member_flags([a.pk], date(2024, 6, 1)) == 1
    a.refresh_from_db()
    assert a.dibao is True
    assert sync_member_flags([a.pk], date(2025, 6, 1)) == 1
    a.refresh_from_db()
    assert a.dibao is False


def test_the_command_path_passes_complete(people, tmp_path):
    a = people["a"]
    path = tmp_path / "l.xlsx"
    write_feed_xlsx(path, HEADERS, [["1", "甲", member_id(a), "低保", "2023-05-01", ""]])
    importer = import_feed("low_income", path, "l.xlsx", commit=True, complete=True)
    assert importer.complete and importer.report.details["layers"]["created"] == 1


def test_the_api_push_says_complete_in_its_payload(client, people, personas):
    a, b = people["a"], people["b"]
    run([["甲", member_id(a), "低保", "2023-05-01", ""]])
    client.force_login(personas["erin"])
    payload = {"complete": True, "rows": [{"身份证号": member_id(b), "对象类别": "低保", "纳入日期": "2024-02-01"}]}
    response = client.post("/api/feeds/low_income/rows/", payload, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["details"]["layers"]["complete"] is True
    assert periods(a)[0][2] is not None  # a's 低保 ended: the list was complete
    assert periods(b) == [("dibao", date(2024, 2, 1), None)]
