"""The case pages: who sees which case, the actions offered, refusals shown, opening a case, files.

Personas (conftest.py): alice and bob are village cadres of A1 and A2, carol the township
officer of A, dave of B, erin a county officer who may unmask, grace a leader.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.cases.models import Attachment, AttachmentKind, Case, CaseStatus, Category, StepCode, StepStatus
from shouwang.cases.tests.factories import PDF, make_case, pdf
from shouwang.monitoring.models import WarningStatus
from shouwang.monitoring.tests.warning_helpers import make_warning
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded files go to a throw-away folder, never into var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def login(client, personas, name):
    client.force_login(personas[name])
    return client


def poor_household(village: str, number: str | None = None):
    """An ordinary household with 2,000 yuan per person: an edge household by its income."""
    return make_household(village, number, wage="6000")


def test_village_cadre_cannot_see_another_villages_case(client, personas):
    mine = make_case(poor_household(VILLAGE_A1, "A1-mine"))
    other = make_case(poor_household(VILLAGE_A2, "A2-other"))
    login(client, personas, "bob")
    assert client.get(reverse("cases:case_detail", args=[mine.pk])).status_code == 404
    assert client.get(reverse("cases:case_detail", args=[other.pk])).status_code == 200
    listing = client.get(reverse("cases:case_list")).content.decode()
    assert "A2-other" in listing and "A1-mine" not in listing


def test_township_officer_sees_only_their_townships_cases(client, personas):
    make_case(poor_household(VILLAGE_A1, "A1-case"))
    make_case(poor_household(VILLAGE_A2, "A2-case"))
    b_case = make_case(poor_household(VILLAGE_B1, "B1-case"))
    login(client, personas, "carol")
    listing = client.get(reverse("cases:case_list")).content.decode()
    assert "A1-case" in listing and "A2-case" in listing and "B1-case" not in listing
    assert client.get(reverse("cases:case_detail", args=[b_case.pk])).status_code == 404
    login(client, personas, "dave")
    assert "B1-case" in client.get(reverse("cases:case_list")).content.decode()


def test_case_list_filters_by_status_category_and_overdue(client, personas):
    today = timezone.localdate()
    late = make_case(poor_household(VILLAGE_A1, "LATE"), first_clue_date=today - timedelta(days=30))
    make_case(poor_household(VILLAGE_A1, "FRESH"))
    make_case(poor_household(VILLAGE_A1, "DONE"), status=CaseStatus.ELIMINATED, category=Category.SUDDEN)
    login(client, personas, "alice")
    default = client.get(reverse("cases:case_list")).content.decode()
    assert "LATE" in default and "FRESH" in default and "DONE" not in default  # open cases by default
    overdue = client.get(reverse("cases:case_list"), {"status": "overdue"}).content.decode()
    assert "LATE" in overdue and "FRESH" not in overdue
    assert "Overdue" in overdue
    eliminated = client.get(reverse("cases:case_list"), {"status": "eliminated", "category": "sudden"})
    assert "DONE" in eliminated.content.decode() and "FRESH" not in eliminated.content.decode()
    assert late.pk  # the late case's procedure ran past its 15 days


def test_case_page_shows_steps_deadlines_and_the_users_actions(client, personas):
    case = make_case(poor_household(VILLAGE_A1))
    login(client, personas, "alice")
    page = client.get(reverse("cases:case_detail", args=[case.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Home verification" in html and "Information comparison" in html and "County approval" in html
    assert "days left" in html and "of 15 days left" in html
    assert 'data-step="verify"' in html and 'name="step" value="verify"' in html
    # Information comparison is the township's: alice is not offered it.
    assert 'name="step" value="compare"' not in html
    login(client, personas, "carol")
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert 'name="step" value="compare"' in html and 'name="step" value="verify"' not in html


def test_head_of_household_id_is_masked_on_the_case_page(client, personas):
    case = make_case(poor_household(VILLAGE_A1))
    head = case.household.members.order_by("pk").first()
    login(client, personas, "erin")
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert head.name in html and head.id_masked in html
    assert head.id_number not in html


def test_overdue_step_is_marked_in_words_and_colour(client, personas):
    today = timezone.localdate()
    case = make_case(poor_household(VILLAGE_A1), first_clue_date=today - timedelta(days=20),
                     today=today - timedelta(days=20))
    login(client, personas, "alice")
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "days past the 15-day limit" in html
    assert 'class="badge overdue">Overdue' in html
    assert 'class="open overdue"' in html  # the step card carries the overdue colour


def test_wrong_level_is_refused_with_403_and_the_reason(client, personas):
    case = make_case(poor_household(VILLAGE_A1))
    login(client, personas, "carol")
    response = client.post(reverse("cases:case_act", args=[case.pk]), {"action": "complete_step", "step": "verify"})
    assert response.status_code == 403
    assert "Only village staff may do this" in response.content.decode()
    assert case.procedures.get().steps.get(code=StepCode.VERIFY).status == StepStatus.OPEN


def test_step_out_of_order_is_refused_with_409_and_the_reason(client, personas):
    case = make_case(poor_household(VILLAGE_A1))
    login(client, personas, "alice")
    response = client.post(reverse("cases:case_act", args=[case.pk]),
                           {"action": "complete_step", "step": "appraisal", "reason": "agreed"})
    assert response.status_code == 409
    assert "comes after" in response.content.decode()


def test_other_village_cadre_cannot_act_on_a_case(client, personas):
    case = make_case(poor_household(VILLAGE_A1))
    login(client, personas, "bob")
    response = client.post(reverse("cases:case_act", args=[case.pk]), {"action": "complete_step", "step": "verify"})
    assert response.status_code == 404


def test_verification_needs_the_signed_authorisation(client, personas):
    case = make_case(poor_household(VILLAGE_A1))
    login(client, personas, "alice")
    url = reverse("cases:case_act", args=[case.pk])
    refused = client.post(url, {"action": "complete_step", "step": "verify"})
    assert refused.status_code == 409
    assert "authorisation" in refused.content.decode()
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "Still needed:" in page  # the page says so before the button is pressed
    done = client.post(url, {"action": "complete_step", "step": "verify", "file": pdf("signed.pdf")})
    assert done.status_code == 302
    step = case.procedures.get().steps.get(code=StepCode.VERIFY)
    assert step.status == StepStatus.DONE and step.done_by == personas["alice"]
    attachment = Attachment.objects.get(case=case)
    assert attachment.kind == AttachmentKind.AUTHORISATION and attachment.original_name == "signed.pdf"
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "signed.pdf" in page and "alice" in page  # in the timeline, with who did it


def test_attachment_must_be_pdf_jpg_or_png_within_10_mb(client, personas):
    case = make_case(poor_household(VILLAGE_A1))
    login(client, personas, "alice")
    url = reverse("cases:attachment_upload", args=[case.pk])
    exe = SimpleUploadedFile("authorisation.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = client.post(url, {"kind": "authorisation", "file": exe})
    assert response.status_code == 400 and "Upload a PDF, JPG or PNG file." in response.content.decode()
    disguised = SimpleUploadedFile("authorisation.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(url, {"kind": "authorisation", "file": disguised})
    assert response.status_code == 400 and "not a PDF file" in response.content.decode()
    big = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024 + 1), content_type="image/png")
    response = client.post(url, {"kind": "photo", "file": big})
    assert response.status_code == 400 and "larger than 10 MB" in response.content.decode()
    assert not Attachment.objects.exists()
    ok = client.post(url, {"kind": "authorisation", "file": SimpleUploadedFile("a.pdf", PDF)})
    assert ok.status_code == 302
    attachment = Attachment.objects.get()
    download = client.get(reverse("cases:attachment_download", args=[case.pk, attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    login(client, personas, "bob")
    assert client.get(reverse("cases:attachment_download", args=[case.pk, attachment.pk])).status_code == 404


def test_open_case_from_a_verifying_warning_escalates_it(client, personas):
    warning = make_warning(VILLAGE_A1, status=WarningStatus.VERIFYING, rule_code="MEDICAL_SPENDING")
    household = warning.household
    household.years.update(wage_income=2000)  # 2,000 per person: below the line, an edge household
    login(client, personas, "alice")
    warning_page = client.get(reverse("monitoring:warning_detail", args=[warning.pk])).content.decode()
    open_url = reverse("cases:case_open") + f"?warning={warning.pk}"
    assert open_url.replace("&", "&amp;") in warning_page or open_url in warning_page
    form = client.get(open_url)
    assert form.status_code == 200
    html = form.content.decode()
    from shouwang.cases.models import RiskType

    # Prefilled: the category the household's income points to, and the rule's risk type.
    assert re.search(r'<input type="radio" name="category" value="edge"[^>]*checked', html)
    illness = RiskType.objects.get(code="YB").pk
    assert re.search(rf'name="risk_types" value="{illness}" checked', html)

    response = client.post(open_url, {
        "category": "edge", "risk_types": [RiskType.objects.get(code="YB").pk],
        "first_clue_date": timezone.localdate().isoformat(),
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(household=household)
    assert case.source == "warning" and case.warning == warning and case.status == CaseStatus.IDENTIFYING
    warning.refresh_from_db()
    assert warning.status == WarningStatus.ESCALATED
    warning_page = client.get(reverse("monitoring:warning_detail", args=[warning.pk])).content.decode()
    assert reverse("cases:case_detail", args=[case.pk]) in warning_page


def test_open_case_directly_by_household_number_only_in_scope(client, personas):
    household = poor_household(VILLAGE_A1, "A1-direct")
    login(client, personas, "bob")
    response = client.get(reverse("cases:case_open"), {"number": "A1-direct"})
    assert response.status_code == 404 and "No household with this number in your region." in response.content.decode()
    assert client.get(reverse("cases:case_open"), {"household": household.pk}).status_code == 404
    login(client, personas, "alice")
    response = client.get(reverse("cases:case_open"), {"number": "A1-direct"})
    assert response.status_code == 302 and response["Location"].endswith(f"?household={household.pk}")
    from shouwang.cases.models import RiskType

    flood = RiskType.objects.get(code="YZRZH_HL")
    response = client.post(reverse("cases:case_open") + f"?household={household.pk}", {
        "category": "edge", "risk_types": [flood.pk], "first_clue_date": timezone.localdate().isoformat(),
        "disaster_note": "2024年7月洪水",
    })
    assert response.status_code == 302
    case = Case.objects.get(household=household)
    # The flood sub-item brings the natural disaster itself with it.
    assert set(case.risk_types.values_list("code", flat=True)) == {"YZRZH", "YZRZH_HL"}
    assert case.source == "direct"


def test_open_case_refuses_a_category_that_contradicts_the_household(client, personas):
    household = poor_household(VILLAGE_A1)  # an ordinary household
    login(client, personas, "alice")
    from shouwang.cases.models import RiskType

    response = client.post(reverse("cases:case_open") + f"?household={household.pk}", {
        "category": "unstable_ex_poor", "risk_types": [RiskType.objects.get(code="YB").pk],
        "first_clue_date": timezone.localdate().isoformat(),
    })
    assert response.status_code == 409
    assert "is for ex-poor households" in response.content.decode()
    assert not Case.objects.exists()


def test_open_case_refuses_more_than_five_risk_types(client, personas):
    household = poor_household(VILLAGE_A1)
    login(client, personas, "alice")
    from shouwang.cases.models import RiskType

    six = list(RiskType.objects.filter(parent__isnull=True).values_list("pk", flat=True)[:6])
    response = client.post(reverse("cases:case_open") + f"?household={household.pk}", {
        "category": "edge", "risk_types": six, "first_clue_date": timezone.localdate().isoformat(),
    })
    assert response.status_code == 400 and "Choose at most 5 risk types." in response.content.decode()


def test_leader_may_read_cases_but_gets_no_actions_and_cannot_open(client, personas):
    case = make_case(poor_household(VILLAGE_A1))
    login(client, personas, "grace")
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "What you can do now" not in html
    assert client.get(reverse("cases:case_open")).status_code == 403
    response = client.post(reverse("cases:case_act", args=[case.pk]), {"action": "complete_step", "step": "verify"})
    assert response.status_code == 403


def test_household_page_lists_the_households_cases(client, personas):
    case = make_case(poor_household(VILLAGE_A1))
    login(client, personas, "alice")
    html = client.get(reverse("registry:household_detail", args=[case.household.pk])).content.decode()
    assert reverse("cases:case_detail", args=[case.pk]) in html
    assert "Being identified" in html
    other = poor_household(VILLAGE_A1)
    html = client.get(reverse("registry:household_detail", args=[other.pk])).content.decode()
    assert "This household has never been a case." in html
    assert f"?household={other.pk}" in html  # and it may be opened from here


def test_home_page_counts_pending_and_overdue_case_steps(client, personas):
    today = timezone.localdate()
    make_case(poor_household(VILLAGE_A1), first_clue_date=today - timedelta(days=20), today=today - timedelta(days=20))
    make_case(poor_household(VILLAGE_A1))
    login(client, personas, "alice")
    response = client.get(reverse("web:home"))
    assert response.context["case_steps_pending"] == 2  # one verification step per case
    assert response.context["case_steps_overdue"] == 1
    assert reverse("cases:queue") in response.content.decode()


def test_open_case_from_a_visit_prefills_its_risks_and_escalates_its_warning(client, personas):
    from shouwang.cases.models import RiskType
    from shouwang.monitoring.fieldwork import services as fieldwork
    from shouwang.monitoring.models import Visit

    household = poor_household(VILLAGE_A1)
    visit = fieldwork.record_visit(Visit(household=household, illness=True, at_risk=True), personas["alice"])
    login(client, personas, "alice")
    url = reverse("cases:case_open") + f"?visit={visit.pk}"
    html = client.get(url).content.decode()
    illness = RiskType.objects.get(code="YB").pk
    assert re.search(rf'name="risk_types" value="{illness}" checked', html)
    response = client.post(url, {"category": "edge", "risk_types": [illness],
                                 "first_clue_date": visit.visited_on.isoformat()})
    assert response.status_code == 302
    case = Case.objects.get(household=household)
    assert case.source == "visit" and case.visit == visit
    assert visit.warning_id is not None  # the visit's finding raised a warning; the case escalates it
    visit.warning.refresh_from_db()
    assert visit.warning.status == WarningStatus.ESCALATED and case.warning == visit.warning


def test_reject_needs_a_reason(client, personas):
    case = make_case(make_household(VILLAGE_A1, wage="6000"))
    client.force_login(personas["alice"])
    response = client.post(reverse("cases:case_act", args=[case.pk]), {"action": "reject", "reason": ""})
    assert response.status_code == 400 and "A reason is required." in response.content.decode()
    response = client.post(reverse("cases:case_act", args=[case.pk]), {"action": "reject",
                                                                         "reason": "Income is above the line."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "Income is above the line." in html and 'data-action="reject"' in html


def test_a_whole_id_number_is_never_searched_in_the_case_list_address(client, personas):
    number = make_household(VILLAGE_A1, members=1).members.get().id_number
    client.force_login(personas["carol"])
    dropped = client.get(reverse("cases:case_list"), {"q": number, "status": "all"})
    assert dropped.status_code == 302 and number not in dropped["Location"] and "status=all" in dropped["Location"]
    api = client.get("/api/cases/", {"q": number})
    assert api.status_code == 400 and "results" not in api.json()
