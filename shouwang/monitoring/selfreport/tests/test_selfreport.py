"""The public self-report page: no oracle, the right queue, encrypted storage, limits, minors, CSRF."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.monitoring.models import SelfReport, SelfReportStatus, Warning, WarningChannel, WarningStatus
from shouwang.registry.demo.synthetic import make_id_number
from shouwang.registry.models import Member
from shouwang.registry.tests.factories import make_household

URL = "/report/"
UNKNOWN_ID = make_id_number("433122", date(1970, 5, 6), 321)
ADULT_GUARDIAN_ID = make_id_number("433122", date(1985, 3, 4), 111)


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def form(id_number: str, village: str = VILLAGE_A1, **extra) -> dict:
    data = {
        "name": "张三", "id_number": id_number, "phone": "13912345678", "township": "", "village": village,
        "risk_type": "YB", "description": "母亲住院，花了很多钱", "consent": "on",
    }
    data.update(extra)
    return data


class PublicClient(Client):
    """The public page's client; the matching job queued by a submission runs as the request commits."""

    def post(self, *args, **kwargs):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().post(*args, **kwargs)


def public_client(address: str = "10.0.0.1") -> Client:
    return PublicClient(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=address)


def test_page_opens_without_login_with_village_picker_and_privacy_notice(regions):
    response = public_client().get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in body
    assert f'value="{VILLAGE_A1}"' in body and f'value="{TOWNSHIP_A}"' in body
    assert "Your personal information" in body
    assert "monitoring/selfreport.js" in body
    assert "Log out" not in body  # no staff navigation
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]


def test_known_and_unknown_id_get_byte_identical_responses(regions):
    household = make_household(VILLAGE_A1)
    known = Member.objects.filter(household=household).first().id_number
    first = public_client().post(URL, form(known))
    second = public_client().post(URL, form(UNKNOWN_ID))
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"] == reverse("public:self_report_thanks")
    assert first.content == second.content
    assert first.cookies.keys() == second.cookies.keys()
    # The page both land on is the same bytes too.
    assert public_client().get(first["Location"]).content == public_client().get(second["Location"]).content
    # ... while what happened behind differs: a warning for the known one, a lead for the other.
    assert SelfReport.objects.get(id_masked__endswith=known[-4:]).status == SelfReportStatus.WARNING
    assert SelfReport.objects.get(id_masked__endswith=UNKNOWN_ID[-4:]).status == SelfReportStatus.NEW


def _shape(sql: str) -> str:
    """A statement without its values: what the database was asked, not about whom."""
    sql = re.sub(r'"s\d+_x\d+"', '"savepoint"', sql)
    return re.sub(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b", "?", sql)


def test_known_and_unknown_id_do_equal_work_in_the_request(regions, monkeypatch):
    from shouwang.core import crypto

    household = make_household(VILLAGE_A1)
    known = Member.objects.filter(household=household).first().id_number
    hashed: list[str] = []
    real_index = crypto.blind_index
    monkeypatch.setattr(crypto, "blind_index", lambda value, purpose="id": hashed.append(purpose) or real_index(
        value, purpose))
    work = {}
    for label, id_number, address in (("known", known, "10.0.0.1"), ("unknown", UNKNOWN_ID, "10.0.0.2")):
        hashed.clear()
        # A plain client: the matching job is queued on commit, after the request has answered.
        with TestCase.captureOnCommitCallbacks(execute=False) as queued, CaptureQueriesContext(connection) as sql:
            assert Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=address).post(URL, form(id_number)).status_code == 303
        work[label] = ([_shape(q["sql"]) for q in sql.captured_queries], list(hashed), len(queued))
    assert work["known"] == work["unknown"]
    statements = work["known"][0]
    assert not any("registry_member" in q for q in statements)  # the registry is not read in the request
    assert work["known"][2] == 1  # one job queued, for each
    assert not Warning.objects.exists()
    # The job then matches: the known person's report becomes a warning, the other stays a lead.
    from shouwang.core.models import Job
    from shouwang.monitoring.selfreport.tasks import run_routing_job

    for job in Job.objects.filter(kind="self_report_routing"):
        run_routing_job.call(str(job.pk))
    assert SelfReport.objects.get(id_masked__endswith=known[-4:]).status == SelfReportStatus.WARNING
    assert SelfReport.objects.get(id_masked__endswith=UNKNOWN_ID[-4:]).status == SelfReportStatus.NEW
    assert Warning.objects.get().household == household


QUEUE_SEES = {"alice": True, "bob": False, "judy": False, "carol": True, "dave": False, "erin": True}


def test_report_with_known_id_is_a_warning_in_the_households_village_queue_only(personas):
    household = make_household(VILLAGE_A1)
    member = Member.objects.filter(household=household).first()
    # The reporter picks another village by mistake: the warning still goes where the household is.
    public_client().post(URL, form(member.id_number, village=VILLAGE_B1))
    warning = Warning.objects.get()
    assert warning.household == household and warning.region_code == VILLAGE_A1
    assert warning.channel == WarningChannel.SELF_REPORT and warning.rule is None
    assert warning.status == WarningStatus.NEW and warning.due_date is not None
    report = SelfReport.objects.get()
    assert report.warning == warning and report.member == member and report.region_code == VILLAGE_A1
    assert warning.evidence["self_reports"][0]["self_report"] == report.pk
    assert warning.evidence["self_reports"][0]["risk_type"] == "YB"
    for name, sees in QUEUE_SEES.items():
        user = personas[name]
        assert Warning.objects.restrict(user).filter(pk=warning.pk).exists() is sees, name
        assert SelfReport.objects.restrict(user).filter(pk=report.pk).exists() is sees, name


def test_report_with_unknown_id_waits_as_a_lead_in_the_chosen_village_only(personas):
    make_household(VILLAGE_A1)
    public_client().post(URL, form(UNKNOWN_ID, village=VILLAGE_A1))
    assert not Warning.objects.exists()
    report = SelfReport.objects.get()
    assert report.status == SelfReportStatus.NEW and report.household is None
    assert report.region_code == VILLAGE_A1 and report.village_id == VILLAGE_A1
    for name, sees in QUEUE_SEES.items():
        visible = SelfReport.objects.restrict(personas[name]).filter(status=SelfReportStatus.NEW)
        assert visible.filter(pk=report.pk).exists() is sees, name


def test_a_second_report_joins_the_open_warning_instead_of_a_duplicate(regions):
    household = make_household(VILLAGE_A2)
    known = Member.objects.filter(household=household).first().id_number
    public_client("10.0.0.1").post(URL, form(known, village=VILLAGE_A2))
    public_client("10.0.0.2").post(URL, form(known, village=VILLAGE_A2, risk_type="YYWSG"))
    warning = Warning.objects.get()
    assert [e["risk_type"] for s in warning.signals.order_by("id") for e in s.evidence["self_reports"]] == [
        "YB", "YYWSG"]
    assert SelfReport.objects.filter(warning=warning).count() == 2


def test_stored_report_holds_no_plaintext_id_phone_or_description(regions):
    public_client().post(URL, form(UNKNOWN_ID, description="父亲患尿毒症需要透析"))
    report = SelfReport.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, phone, description, id_masked, phone_masked FROM monitoring_selfreport"
        )
        raw_id, raw_phone, raw_description, id_masked, phone_masked = cursor.fetchone()
    for raw in (raw_id, raw_phone, raw_description):
        assert raw.startswith("g1:")
    assert UNKNOWN_ID not in raw_id and "13912345678" not in raw_phone and "尿毒症" not in raw_description
    assert id_masked == UNKNOWN_ID[:6] + "********" + UNKNOWN_ID[-4:] and phone_masked == "139****5678"
    assert report.id_number == UNKNOWN_ID and report.description == "父亲患尿毒症需要透析"
    if connection.vendor == "sqlite":
        data = connection.connection.serialize()
        for secret in (UNKNOWN_ID, "13912345678", "尿毒症"):
            assert secret.encode() not in data


def test_more_than_ten_posts_an_hour_from_one_client_get_429(regions):
    client = public_client("10.9.9.9")
    statuses = [
        client.post(URL, form(make_id_number("433122", date(1960, 1, 1), n))).status_code for n in range(10)
    ]
    assert statuses == [303] * 10
    response = client.post(URL, form(make_id_number("433122", date(1960, 1, 1), 99)))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Please try again later" in response.content.decode()
    assert SelfReport.objects.count() == 10
    # Another client is not affected.
    assert public_client("10.9.9.10").post(URL, form(UNKNOWN_ID)).status_code == 303


def test_more_than_three_reports_a_day_about_one_id_get_429_from_any_client(regions):
    for n in range(3):
        assert public_client(f"10.1.1.{n}").post(URL, form(UNKNOWN_ID)).status_code == 303
    response = public_client("10.1.1.9").post(URL, form(UNKNOWN_ID))
    assert response.status_code == 429
    assert SelfReport.objects.count() == 3


def test_a_child_under_14_without_a_guardian_is_refused_with_a_clear_message(regions):
    child = make_id_number("433122", date.today().replace(year=date.today().year - 10, day=1), 222)
    response = public_client().post(URL, form(child))
    assert response.status_code == 200
    body = response.content.decode()
    assert "child under 14" in body and "A parent or guardian must make the report" in body
    assert "Required for a child under 14." in body
    assert not SelfReport.objects.exists()


def test_a_child_under_14_with_a_guardian_is_accepted_and_the_guardian_stored_encrypted(regions):
    child = make_id_number("433122", date.today().replace(year=date.today().year - 10, day=1), 222)
    response = public_client().post(
        URL,
        form(child, guardian_name="张父", guardian_id_number=ADULT_GUARDIAN_ID, guardian_phone="13812340000"),
    )
    assert response.status_code == 303
    report = SelfReport.objects.get()
    assert report.minor and report.guardian_name == "张父"
    assert report.guardian_id_number == ADULT_GUARDIAN_ID and report.guardian_phone_masked == "138****0000"
    with connection.cursor() as cursor:
        cursor.execute("SELECT guardian_id_number, guardian_phone FROM monitoring_selfreport")
        raw = cursor.fetchone()
    assert all(value.startswith("g1:") for value in raw) and ADULT_GUARDIAN_ID not in raw[0]


def test_a_child_guardian_must_be_an_adult(regions):
    child = make_id_number("433122", date.today().replace(year=date.today().year - 10, day=1), 222)
    teen = make_id_number("433122", date.today().replace(year=date.today().year - 16, day=1), 224)
    response = public_client().post(
        URL, form(child, guardian_name="哥哥", guardian_id_number=teen, guardian_phone="13812340000")
    )
    assert (
        response.status_code == 200 and "A parent or guardian must be an adult." in response.content.decode()
    )
    assert not SelfReport.objects.exists()


def test_a_childs_report_is_routed_through_a_known_guardian(regions):
    household = make_household(VILLAGE_A2)
    parent = Member.objects.filter(household=household).first()
    child = make_id_number("433122", date.today().replace(year=date.today().year - 8, day=1), 333)
    public_client().post(
        URL,
        form(
            child,
            village=VILLAGE_A2,
            guardian_name=parent.name,
            guardian_id_number=parent.id_number,
            guardian_phone="13812340000",
        ),
    )
    report = SelfReport.objects.get()
    assert report.household == household and report.warning is not None and report.member is None


def test_form_errors_name_the_field_and_store_nothing(regions):
    response = public_client().post(
        URL, form(UNKNOWN_ID[:-1] + ("0" if UNKNOWN_ID[-1] != "0" else "1"), phone="12345", consent="")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Check digit is wrong" in body
    assert "Enter an 11-digit mobile number" in body
    assert "This field is required." in body  # consent
    assert not SelfReport.objects.exists()


def test_a_village_outside_the_chosen_township_is_refused(regions):
    response = public_client().post(URL, form(UNKNOWN_ID, township=TOWNSHIP_B, village=VILLAGE_A1))
    assert response.status_code == 200
    assert "This village is not in the township chosen." in response.content.decode()
    assert not SelfReport.objects.exists()


def test_the_form_is_csrf_protected(regions):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="10.2.2.2")
    assert client.post(URL, form(UNKNOWN_ID)).status_code == 403
    client.get(URL)
    token = client.cookies["csrftoken"].value
    assert client.post(URL, form(UNKNOWN_ID, csrfmiddlewaretoken=token)).status_code == 303
    assert SelfReport.objects.count() == 1


def test_each_report_is_in_the_change_log_with_masked_numbers_only(regions):
    from shouwang.core.models import ChangeLog

    public_client().post(URL, form(UNKNOWN_ID))
    entry = ChangeLog.objects.get(object_type="monitoring.selfreport")
    text = str(entry.after)
    assert UNKNOWN_ID not in text and "13912345678" not in text and "住院" not in text
    assert entry.after["id"].endswith(UNKNOWN_ID[-4:])
