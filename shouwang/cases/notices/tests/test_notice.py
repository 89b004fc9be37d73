"""Public notices (公示): posting one from the page, its minimum period, and what it may never show.

The notice is public: the printable page and the Word document list the head's name, the
village group and the category, and never an ID number, a phone number or a health detail
(policy.md §6.1 step 3). Both are read back here as text and searched.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from conftest import VILLAGE_A1, VILLAGE_A2
from shouwang.cases.models import EliminationMode, Notice, NoticeKind, RiskType, StepCode, StepStatus
from shouwang.cases.notices.documents import build_docx, notice_content, village_group
from shouwang.cases.notices.services import create_notice
from shouwang.cases.procedure import engine
from shouwang.cases.tests.factories import make_case, make_measure, walk_elimination, walk_identification
from shouwang.core.models import AccessLog
from shouwang.monitoring.lines.terms import default_term
from shouwang.monitoring.models import MonitoringLine
from shouwang.registry.models import Health, Member
from shouwang.registry.tests.factories import make_household
from shouwang.testing.browser_support import FULL_ID, FULL_PHONE

# The term of the monitored population in force this year (the county sets none here).
TERM = default_term(timezone.localdate().year)

pytestmark = pytest.mark.django_db

# Words that would reveal a health detail beside a name: risk types and health statuses, in
# both languages.
HEALTH_TERMS = ("因病", "因残", "疾病", "残疾", "大病", "慢性病", "重病", "患", "illness", "Illness", "Disabled",
                "disability", "Disability", "chronic", "Chronic")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def line_this_year():
    """Elimination walks check income against the line in force this year."""
    MonitoringLine.objects.update_or_create(year=timezone.localdate().year, region_code="",
                                            defaults={"amount": "7500"})


@pytest.fixture
def levels(personas):
    return {"village": personas["alice"], "township": personas["carol"], "county": personas["erin"]}


def sick_household(village: str, group: str = "3组", number: str | None = None):
    """A poor household whose head is seriously ill and disabled, with ID and phone numbers stored."""
    household = make_household(village, number, wage="6000", address=f"达岚镇某村{group}")
    head = Member.objects.filter(household=household).order_by("pk").first()
    Member.objects.filter(pk=head.pk).update(health=Health.SERIOUS, disability_grade=2)
    return household


def stable_household(village: str, address: str):
    """10,000 yuan per person, safe housing: every elimination criterion can hold."""
    household = make_household(village, wage="30000", address=address)
    household.years.update(housing_grade="A")
    return household


def at_notice(household, levels):
    case = make_case(household, risk_codes=("YB", "YC"))
    return walk_identification(case, levels, until="notice")


def document_text(body: bytes) -> str:
    document = Document(io.BytesIO(body))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def secrets_of(household) -> list[str]:
    """Every personal number of the household's members, in the clear."""
    values = []
    for m in Member.objects.filter(household=household):
        values += [m.id_number, m.phone, m.id_masked, m.phone_masked]
    return [v for v in values if v]


def assert_public(text: str, households) -> None:
    assert not FULL_ID.search(text), FULL_ID.search(text)
    assert not FULL_PHONE.search(text), FULL_PHONE.search(text)
    for household in households:
        for secret in secrets_of(household):
            assert secret not in text
    for term in HEALTH_TERMS:
        assert term not in text, term
    for risk in RiskType.objects.all():
        assert risk.name_zh not in text, risk.name_zh


def test_village_group_is_read_from_the_address():
    assert village_group("达岚镇岩门村3组") == "3组"
    assert village_group("某村第十二村民小组") == "第十二村民小组"
    assert village_group("") == "" and village_group("县城某街12号") == ""


def test_cadre_posts_a_notice_for_cases_at_the_notice_step(client, personas, levels):
    case = at_notice(sick_household(VILLAGE_A1), levels)
    waiting = make_case(make_household(VILLAGE_A1, wage="6000"))  # still at verification: not offered
    client.force_login(personas["alice"])
    form = client.get(reverse("cases:notice_create"))
    html = form.content.decode()
    assert form.status_code == 200
    assert f'value="{case.pk}"' in html and f'value="{waiting.pk}"' not in html
    today = timezone.localdate()
    posted = {"village": VILLAGE_A1, "cases": [case.pk], "starts_on": (today - timedelta(days=6)).isoformat(),
              "ends_on": (today - timedelta(days=1)).isoformat(), "contact": "岩门村村委会 0743-4561234"}
    # It ran from six days ago: a late entry (补录), refused on the form until its reason is given.
    refused = client.post(reverse("cases:notice_create"), posted)
    assert refused.status_code == 400 and not Notice.objects.exists()
    html = refused.content.decode()
    assert "late entry" in html and 'name="late_reason"' in html
    assert 'data-late-for="id_starts_on"' in html and "hidden" not in html.split('data-late-for="id_starts_on"')[1][:80]
    response = client.post(reverse("cases:notice_create"), {**posted, "late_reason": "Posted on paper; entered now."})
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert notice.region_code == VILLAGE_A1 and notice.kind == NoticeKind.IDENTIFICATION
    assert list(notice.cases.all()) == [case]
    assert response["Location"] == reverse("cases:notice_detail", args=[notice.pk])
    # The notice has ended, so the notice step now completes.
    engine.perform(case, "complete_step", personas["alice"], data={"step": "notice"})
    assert case.procedures.get().steps.get(code=StepCode.NOTICE).status == StepStatus.DONE


def test_notice_shorter_than_the_minimum_is_refused_with_a_message(client, personas, levels):
    case = at_notice(sick_household(VILLAGE_A1), levels)
    client.force_login(personas["alice"])
    today = timezone.localdate()
    response = client.post(reverse("cases:notice_create"), {
        "village": VILLAGE_A1, "cases": [case.pk], "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=3)).isoformat(), "contact": "村委会",
    })
    assert response.status_code == 400
    assert "at least 5 days; this one is 4" in response.content.decode()
    assert not Notice.objects.exists()


def test_notice_contact_may_not_be_a_mobile_or_id_number(client, personas, levels):
    case = at_notice(sick_household(VILLAGE_A1), levels)
    client.force_login(personas["alice"])
    today = timezone.localdate()
    base = {"village": VILLAGE_A1, "cases": [case.pk], "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=6)).isoformat()}
    response = client.post(reverse("cases:notice_create"), {**base, "contact": "张三 13812345678"})
    assert response.status_code == 400 and "personal mobile number" in response.content.decode()
    assert not Notice.objects.exists()


def test_other_village_cannot_post_or_read_the_notice(client, personas, levels):
    case = at_notice(sick_household(VILLAGE_A1), levels)
    today = timezone.localdate()
    notice = create_notice(personas["alice"], VILLAGE_A1, [case], starts_on=today,
                                    ends_on=today + timedelta(days=6), contact="村委会")
    client.force_login(personas["bob"])
    assert client.get(reverse("cases:notice_detail", args=[notice.pk])).status_code == 404
    assert client.get(reverse("cases:notice_docx", args=[notice.pk])).status_code == 404
    response = client.get(reverse("cases:notice_create"), {"village": VILLAGE_A1})
    assert f'value="{case.pk}"' not in response.content.decode()  # bob's form is for A2 only
    client.force_login(personas["carol"])
    assert client.get(reverse("cases:notice_detail", args=[notice.pk])).status_code == 200
    client.force_login(personas["grace"])
    assert client.get(reverse("cases:notice_create")).status_code == 403


def test_printable_notice_lists_name_group_category_and_nothing_personal(client, personas, levels):
    household = sick_household(VILLAGE_A1, "7组")
    case = at_notice(household, levels)
    today = timezone.localdate()
    notice = create_notice(personas["alice"], VILLAGE_A1, [case], starts_on=today,
                                    ends_on=today + timedelta(days=6), contact="村委会办公室 0743-4561234")
    head = Member.objects.filter(household=household).order_by("pk").first()
    client.force_login(personas["erin"])  # even a user who may unmask sees nothing more on a notice
    response = client.get(reverse("cases:notice_detail", args=[notice.pk]))
    html = response.content.decode()
    sheet = html[html.index('id="notice-sheet"'):html.index("</article>")]
    assert f"{TERM}识别纳入公示" in sheet
    assert head.name in sheet and "7组" in sheet and "边缘易致贫户" in sheet and "识别纳入" in sheet
    assert f"{today.year}年{today.month}月{today.day}日至" in sheet and "村委会办公室" in sheet
    assert "风险消除方式" not in sheet  # an identification notice has no mode column
    assert_public(sheet, [household])
    assert household.number not in sheet  # the registry number is internal, too
    assert_public(html, [household])  # nor anywhere else on the page


def test_word_notice_contains_no_id_phone_or_health_detail(client, personas, levels):
    household = sick_household(VILLAGE_A1, "2组")
    case = at_notice(household, levels)
    today = timezone.localdate()
    notice = create_notice(personas["alice"], VILLAGE_A1, [case], starts_on=today,
                                    ends_on=today + timedelta(days=6), contact="村委会 0743-4561234")
    client.force_login(personas["alice"])
    response = client.get(reverse("cases:notice_docx", args=[notice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "attachment" in response["Content-Disposition"] and ".docx" in response["Content-Disposition"]
    text = document_text(response.content)
    head = Member.objects.filter(household=household).order_by("pk").first()
    assert f"{TERM}识别纳入公示" in text
    assert head.name in text and "2组" in text and "边缘易致贫户" in text
    assert "户主姓名" in text and "村民小组" in text and "监测对象类别" in text
    assert_public(text, [household])
    assert AccessLog.objects.filter(action="export", object_type="cases.notice", object_id=str(notice.pk)).exists()


def test_one_notice_for_identification_and_elimination_shows_the_mode(personas, levels):
    identifying = at_notice(sick_household(VILLAGE_A2, "1组"), levels | {"village": personas["bob"]})
    monitored = make_case(stable_household(VILLAGE_A2, "某村4组"), status="monitored",
                          risk_codes=("YB",), identified_on=timezone.localdate() - timedelta(days=200))
    make_measure(monitored, "industry")
    walk_elimination(monitored, levels | {"village": personas["bob"]}, mode=EliminationMode.ASSISTANCE,
                     until="notice")
    today = timezone.localdate()
    notice = create_notice(personas["bob"], VILLAGE_A2, [identifying, monitored], kind=NoticeKind.BOTH,
                                    starts_on=today, ends_on=today + timedelta(days=6), contact="村委会")
    content = notice_content(notice)
    assert content.title == f"{TERM}识别纳入和风险消除公示"
    assert content.headers[-1] == "风险消除方式"
    rows = {row.group: row for row in content.rows}
    assert rows["1组"].matter == "识别纳入" and rows["1组"].mode == ""
    assert rows["4组"].matter == "风险消除" and rows["4组"].mode == "帮扶消除"
    text = document_text(build_docx(notice))
    assert "帮扶消除" in text and "风险消除" in text
    assert_public(text, [identifying.household, monitored.household])


def test_notice_kind_follows_the_cases_chosen_on_the_page(client, personas, levels):
    bob_levels = levels | {"village": personas["bob"]}
    monitored = make_case(stable_household(VILLAGE_A2, "某村5组"), status="monitored",
                          identified_on=timezone.localdate() - timedelta(days=200))
    walk_elimination(monitored, bob_levels, until="notice")
    client.force_login(personas["bob"])
    today = timezone.localdate()
    response = client.post(reverse("cases:notice_create"), {
        "village": VILLAGE_A2, "cases": [monitored.pk], "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=5)).isoformat(), "contact": "村委会",
    })
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert notice.kind == NoticeKind.ELIMINATION
    html = client.get(reverse("cases:notice_detail", args=[notice.pk])).content.decode()
    assert f"{TERM}风险消除公示" in html and "自然消除" in html
    assert re.search(r"<th scope=\"col\">风险消除方式</th>", html)
