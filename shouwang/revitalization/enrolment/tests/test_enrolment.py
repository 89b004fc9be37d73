"""Enrolments from a department's beneficiary list, from assistance measures and by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from conftest import VILLAGE_A1, VILLAGE_B1
from shouwang.cases.models import CaseStatus, MeasureStatus, MeasureType
from shouwang.cases.tests.factories import make_case, make_measure
from shouwang.core.idnumbers import parse_id_number
from shouwang.monitoring.feeds.models import FeedSignal, FeedType
from shouwang.monitoring.feeds.services import import_feed
from shouwang.registry.demo.synthetic import make_id_number
from shouwang.registry.models import Member

from ...policies.tests.factories import household, policy
from .. import services
from ..models import Enrolment, EnrolmentSource

pytestmark = pytest.mark.django_db
PUPIL_ID = make_id_number("433122", date(2007, 5, 1), 11)
FARMER_ID = make_id_number("433122", date(1980, 2, 3), 21)


@pytest.fixture
def world(regions):
    a = household(VILLAGE_A1, [{"name": "户主甲"}, {"name": "学甲", "birth_year": 2007,
                                                   "schooling": "secondary_vocational"}])
    b = household(VILLAGE_B1, [{"name": "农乙"}])
    for name, number in (("学甲", PUPIL_ID), ("农乙", FARMER_ID)):
        m = Member.objects.get(name=name)
        m.set_id(parse_id_number(number))
        m.save()
    yulu = policy("YULU", "True", subject="person", name_zh="雨露计划",
                  measure_type=MeasureType.objects.get(code="other_education"))
    low = policy("LOW", "True", name_zh="低收入补助", measure_type=MeasureType.objects.get(code="industry"))
    return {"a": a, "b": b, "yulu": yulu, "low": low, "pupil": Member.objects.get(name="学甲"),
            "farmer": Member.objects.get(name="农乙")}


def _feed(rows: list[str]) -> bytes:
    return ("身份证号,姓名,发放日期,政策名称,发放金额\r\n" + "".join(r + "\r\n" for r in rows)).encode("utf-8")


def test_feed_import_makes_enrolments_and_reports_unknown_policies(world, personas, django_capture_on_commit_callbacks):
    content = _feed([f"{PUPIL_ID},学甲,2024-03-05,雨露计划,1500", f"{FARMER_ID},农乙,2024-04-01,LOW,800",
                     f"{FARMER_ID},农乙,2024-04-01,不存在的补贴,300"])
    with django_capture_on_commit_callbacks(execute=True):
        importer = import_feed(FeedType.POLICY, content, "list.csv", user=personas["erin"], commit=True)
    report = importer.report
    assert report.committed and report.rejected == 0 and report.accepted == 3
    unknown = [w for w in report.issues if w.code == "unknown_category"]
    assert [(w.row, w.value) for w in unknown] == [(4, "不存在的补贴")]  # the header is row 1
    assert FeedSignal.objects.filter(kind=FeedSignal.Kind.POLICY_ENROLMENT).count() == 3  # kept, not dropped
    got = sorted(Enrolment.objects.values_list("policy__code", "year", "household_id", "member_id", "amount",
                                               "source"))
    assert got == [("LOW", 2024, world["b"].pk, None, Decimal("800.00"), EnrolmentSource.FEED),
                   ("YULU", 2024, world["a"].pk, world["pupil"].pk, Decimal("1500.00"), EnrolmentSource.FEED)]
    assert Enrolment.objects.get(policy=world["yulu"]).feed_signal.row_number == 2
    assert [s.category for s in services.unknown_feed_rows(personas["erin"])] == ["不存在的补贴"]
    # Again: nothing new. Once the policy exists, the waiting row counts.
    assert services.sync_from_feeds() == {"created": 0, "updated": 0, "removed": 0, "unknown": 1}
    policy("NEW", "True", name_zh="不存在的补贴")
    assert services.sync_from_feeds()["created"] == 1
    assert not services.unknown_feed_rows(personas["erin"]).exists()


def test_measures_become_enrolments_idempotently(world):
    case = make_case(world["a"], status=CaseStatus.MONITORED)
    pupil = make_measure(case, "other_education", member=world["pupil"], amount="1500", starts_on=date(2024, 3, 1))
    make_measure(case, "other_education", amount="99", starts_on=date(2024, 3, 1))  # no member: not a person's
    make_measure(case, "industry", amount="2000", starts_on=date(2023, 5, 1))  # in place since 2023
    make_measure(case, "industry", status=MeasureStatus.PLANNED, starts_on=date(2024, 1, 1))  # not given yet
    first = services.sync_from_measures(2024)
    assert first == {"created": 2, "updated": 0, "removed": 0, "without_member": 1}
    got = sorted(Enrolment.objects.values_list("policy__code", "year", "member_id", "amount", "source"))
    assert got == [("LOW", 2024, None, Decimal("2000.00"), EnrolmentSource.MEASURE),
                   ("YULU", 2024, world["pupil"].pk, Decimal("1500.00"), EnrolmentSource.MEASURE)]
    assert services.sync_from_measures(2024) == {"created": 0, "updated": 0, "removed": 0, "without_member": 1}
    assert services.sync_from_measures(2023)["created"] == 1  # the industry measure; the pupil's started 2024
    pupil.amount = Decimal("1800")
    pupil.save()
    assert services.sync_from_measures(2024)["updated"] == 1
    pupil.status, pupil.ends_on = MeasureStatus.STOPPED, date(2023, 12, 31)
    pupil.save()
    assert services.sync_from_measures(2024)["removed"] == 1
    assert not Enrolment.objects.filter(policy=world["yulu"]).exists()


def test_by_hand_checks_subject_and_scope(world, personas):
    alice, judy = personas["alice"], personas["judy"]
    e = services.record(alice, policy=world["yulu"], year=2024, household=world["a"], member=world["pupil"],
                        amount="1500")
    assert (e.source, e.created_by, e.region_code) == (EnrolmentSource.HAND, alice, VILLAGE_A1)
    with pytest.raises(services.EnrolmentInvalid):
        services.record(alice, policy=world["yulu"], year=2024, household=world["a"])  # a person policy
    with pytest.raises(services.EnrolmentInvalid):
        services.record(alice, policy=world["low"], year=2024, household=world["a"], member=world["pupil"])
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.record(judy, policy=world["low"], year=2024, household=world["a"])
    services.change(e, alice, policy=world["yulu"], year=2024, member=world["pupil"], amount="1600")
    assert Enrolment.objects.get(pk=e.pk).amount == Decimal("1600.00")


def test_pages_and_api(world, personas, client):
    client.force_login(personas["alice"])
    page = client.get(f"/revitalization/enrolments/new/?household={world['a'].number}")
    assert page.status_code == 200
    response = client.post("/revitalization/enrolments/new/", {
        "household": world["a"].number, "policy": world["yulu"].pk, "year": 2024, "member": world["pupil"].pk,
        "amount": "1500"})
    assert response.status_code == 302
    e = Enrolment.objects.get()
    assert client.get(f"/revitalization/enrolments/{e.pk}/").status_code == 200
    listed = client.get("/revitalization/enrolments/?year=2024").content.decode()
    assert "雨露计划" in listed
    # Outside her village: not found.
    assert client.get(f"/revitalization/enrolments/new/?household={world['b'].number}").status_code == 404
    api = client.get("/api/revitalization/enrolments/").json()
    assert [r["policy_code"] for r in api["results"]] == ["YULU"]
    made = client.post("/api/revitalization/enrolments/", {
        "policy": world["low"].pk, "year": 2024, "household": world["a"].pk}, content_type="application/json")
    assert made.status_code == 201, made.content
    refused = client.post("/api/revitalization/enrolments/", {
        "policy": world["low"].pk, "year": 2024, "household": world["b"].pk}, content_type="application/json")
    assert refused.status_code == 404
    client.force_login(personas["judy"])
    assert client.get("/api/revitalization/enrolments/").json()["results"] == []
    assert client.get(f"/revitalization/enrolments/{e.pk}/").status_code == 404


def test_a_saved_measure_refreshes_its_enrolments(world, django_capture_on_commit_callbacks):
    case = make_case(world["a"], status=CaseStatus.MONITORED)
    with django_capture_on_commit_callbacks(execute=True):
        measure = make_measure(case, "industry", amount="2000", starts_on=date(2024, 5, 1), ends_on=date(2024, 12, 31))
    assert list(Enrolment.objects.values_list("policy__code", "year", "measure_id")) == [("LOW", 2024, measure.pk)]
    with django_capture_on_commit_callbacks(execute=True):
        measure.measure_type = MeasureType.objects.get(code="employment")  # no policy counts it
        measure.save()
    assert not Enrolment.objects.exists()
