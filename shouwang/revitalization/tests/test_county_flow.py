"""Issue 14's acceptance walk, on pages alone: a county creates a policy with an eligibility rule,
imports an enrolment feed, reads 应享未享 by village, simulates raising the line by 500 yuan and reads
the cost, and adopts it; screening and the gaps then agree with what the simulation said.

Only the hand-made registry and the county's line in force are built by fixtures (factories and
``save_line``); every step after that is a request to a real page. The expectations are written
by hand from the registry below, never read back from the code under test.

The registry (2023, the county's line 7,500 yuan; the policy: households with
``per_capita_income < line``, 1,200 yuan a household a year; the feed pays FL01, FL08 and FL09):

====  =======  =======  ========  ==========  =================  =========================
no.   village  members  income    per head    eligible at 7,500  at 8,000 / in the feed
====  =======  =======  ========  ==========  =================  =========================
FL01  A1       2        12,000    6,000       yes                yes / paid
FL02  A1       1         5,000    5,000       yes                yes / 应享未享
FL03  A1       3        23,400    7,800       no                 enters
FL04  A1       2        10,000    5,000       yes                yes / 应享未享
FL05  A2       2        14,000    7,000       yes                yes / 应享未享
FL06  A2       1         7,500    7,500       no (not below)     enters
FL07  A2       4        40,000    10,000      no                 no
FL08  A2       1         9,000    9,000       no                 no / paid: 应退未退
FL09  A2       2        13,000    6,500       yes                yes / paid
====  =======  =======  ========  ==========  =================  =========================
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_A2
from shouwang.core.models import Job
from shouwang.monitoring.feeds.models import FeedBatch, FeedSignal
from shouwang.monitoring.feeds.tests.feed_files import member_id, write_feed_xlsx
from shouwang.monitoring.lines.models import MonitoringLine
from shouwang.monitoring.lines.services import line_history, save_line
from shouwang.monitoring.models import Signal
from shouwang.monitoring.tests.factories import household
from shouwang.registry.models import Member

from ..enrolment.models import Enrolment, EnrolmentSource
from ..policies.models import Policy, PolicyVersion
from ..simulation.models import Scenario, ScenarioStatus

pytestmark = pytest.mark.django_db

YEAR = 2023
LINE = Decimal("7500")
RAISE = Decimal("500")
AMOUNT = Decimal("1200")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# number: (village, members, wage income of the year)
REGISTRY = {
    "FL01": (VILLAGE_A1, 2, "12000"),
    "FL02": (VILLAGE_A1, 1, "5000"),
    "FL03": (VILLAGE_A1, 3, "23400"),
    "FL04": (VILLAGE_A1, 2, "10000"),
    "FL05": (VILLAGE_A2, 2, "14000"),
    "FL06": (VILLAGE_A2, 1, "7500"),
    "FL07": (VILLAGE_A2, 4, "40000"),
    "FL08": (VILLAGE_A2, 1, "9000"),
    "FL09": (VILLAGE_A2, 2, "13000"),
}
PAID = ("FL01", "FL08", "FL09")  # the department's beneficiary list


def per_head(number: str) -> Decimal:
    _village, members, wage = REGISTRY[number]
    return Decimal(wage) / members


def below(line: Decimal) -> set[str]:
    """The households the policy's rule (per-capita income < line) takes in, by hand."""
    return {n for n in REGISTRY if per_head(n) < line}


def people(numbers) -> int:
    return sum(REGISTRY[n][1] for n in numbers)


def in_village(numbers, village: str) -> set[str]:
    return {n for n in numbers if REGISTRY[n][0] == village}


# The hand computation the walk compares the pages with.
ELIGIBLE_BEFORE = below(LINE)
ELIGIBLE_AFTER = below(LINE + RAISE)
ENTERING = ELIGIBLE_AFTER - ELIGIBLE_BEFORE
NOT_ENROLLED = ELIGIBLE_BEFORE - set(PAID)
NOT_ELIGIBLE = set(PAID) - ELIGIBLE_BEFORE


def test_the_hand_computation_is_the_table():
    """A change of the registry cannot silently make a step of the walk vacuous."""
    assert sorted(ELIGIBLE_BEFORE) == ["FL01", "FL02", "FL04", "FL05", "FL09"]
    assert sorted(ENTERING) == ["FL03", "FL06"] and not ELIGIBLE_BEFORE - ELIGIBLE_AFTER
    assert sorted(NOT_ENROLLED) == ["FL02", "FL04", "FL05"] and sorted(NOT_ELIGIBLE) == ["FL08"]
    assert in_village(NOT_ENROLLED, VILLAGE_A1) and in_village(NOT_ENROLLED, VILLAGE_A2)
    assert len(ENTERING) * AMOUNT == Decimal("2400")


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    return settings.UPLOAD_ROOT


@pytest.fixture
def county(personas):
    """The hand-made registry and the county's own line of the year (its first version)."""
    households = {number: household(village, members=members, wage=wage, year=YEAR, number=number)
                  for number, (village, members, wage) in REGISTRY.items()}
    line = save_line(MonitoringLine(year=YEAR, region_code=COUNTY, amount=LINE, basis="测试用县级监测线"),
                     personas["frank"])
    return {"households": households, "line": line}


def _numbers(ids) -> set[str]:
    from shouwang.registry.models import Household

    return set(Household.objects.filter(pk__in=list(ids)).values_list("number", flat=True))


def _flagged_by_rules() -> set[str]:
    """The households screening has flagged for the year (rule signals only, not the feed's)."""
    return _numbers(Signal.objects.filter(year=YEAR, rule__isnull=False).values_list("household_id", flat=True))


def _listed_numbers(html: str, list_id: str) -> set[str]:
    """The household numbers a gap page lists (the bold number opening each card of ``list_id``)."""
    start = html.find(f'<ul class="gap-cards" id="{list_id}">')
    assert start >= 0, f"no list #{list_id} on the page"
    return set(re.findall(r"<p><strong>(FL\d\d)</strong>", html[start:]))


def _screen(client, django_capture_on_commit_callbacks) -> set[str]:
    """Run screening of the year from the county's screening page; the households it has flagged."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("monitoring:screening"), {"year": str(YEAR), "region": ""})
    assert response.status_code == 302, response.content[:500]
    job = client.get(response["Location"])
    assert job.status_code == 200 and job.context["finished"] and job.context["job"].status == Job.Status.SUCCEEDED
    return _flagged_by_rules()


# --- the steps --------------------------------------------------------------------------------


def create_policy(client) -> Policy:
    url = reverse("revitalization:policy_create")
    assert client.get(url).status_code == 200
    data = {
        "code": "FLOW_LOW", "name_zh": "低收入家庭生活补助", "name_en": "Low-income household allowance",
        "department": "民政局", "legal_basis": "溆政办发〔2023〕99号", "continuity": "new", "kind": "temporary",
        "subject": "household", "amount": str(AMOUNT), "amount_verified": "on",
        "benefit_form": "", "source": "测试", "source_url": "", "start_date": "", "end_date": "",
        "expression": "per_capita_income < line", "parameters": "{}", "description": "", "active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    policy = Policy.objects.get(code="FLOW_LOW")
    assert response.url == reverse("revitalization:policy_detail", args=[policy.pk])
    assert (policy.region_code, policy.subject, policy.amount, policy.version) == (COUNTY, "household", AMOUNT, 1)
    assert policy.expression == "per_capita_income < line"
    assert PolicyVersion.objects.filter(policy=policy, version=1).exists()

    detail = client.get(response.url, {"year": YEAR})
    assert detail.status_code == 200 and not detail.context["error"]
    assert detail.context["words"] and detail.context["words"] in detail.content.decode()
    assert [(c["code"], c["households"], c["people"]) for c in detail.context["counts"]] == [
        (TOWNSHIP_A, len(ELIGIBLE_BEFORE), None)]  # a household policy counts households, not people
    return policy


def import_feed(client, policy, django_capture_on_commit_callbacks) -> None:
    """The department's beneficiary list, with some of the catalogue's header synonyms."""
    headers = ["享受人身份证号", "享受人姓名", "发放日期", "补助项目", "补助金额"]
    rows = []
    for number in PAID:
        member = Member.objects.filter(household__number=number).order_by("id").first()
        rows.append([member_id(member), member.name, date(YEAR, 6, 30), policy.name_zh, str(AMOUNT)])
    content = write_feed_xlsx(None, headers, rows, title="2023年低收入家庭生活补助发放名单")

    def upload(mode):
        data = {"file": SimpleUploadedFile("发放名单.xlsx", content, content_type=XLSX), "mode": mode,
                "feed_type": "policy"}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("monitoring:feed_upload"), data)
        assert response.status_code == 302, response.content[:500]
        page = client.get(response["Location"])
        assert page.status_code == 200
        job = page.context["job"]
        assert job.status == Job.Status.SUCCEEDED and job.params["feed_type"] == "policy"
        report = page.context["report"]
        assert (report.total, report.accepted, report.rejected) == (len(PAID), len(PAID), 0)
        assert not [i for i in report.issues if i.code == "unknown_category"]  # the policy is known by name
        return page

    assert client.get(reverse("monitoring:feed_upload"), {"type": "policy"}).status_code == 200
    checked = upload("validate")
    assert "Checked only: no errors." in checked.content.decode()
    assert not FeedSignal.objects.exists() and not FeedBatch.objects.exists() and not Enrolment.objects.exists()

    imported = upload("commit")
    assert "The feed was imported." in imported.content.decode()
    assert FeedSignal.objects.filter(kind=FeedSignal.Kind.POLICY_ENROLMENT).count() == len(PAID)
    enrolments = Enrolment.objects.filter(policy=policy)
    assert sorted(enrolments.values_list("household__number", "year", "member_id", "amount", "source")) == [
        (n, YEAR, None, AMOUNT, EnrolmentSource.FEED) for n in PAID]

    listed = client.get(reverse("revitalization:enrolment_list"), {"year": YEAR})
    assert listed.status_code == 200
    assert {e.household.number for e in listed.context["page"].paginator.object_list} == set(PAID)
    assert listed.context["unknown_count"] == 0


def gaps_by_village(client, policy, *, expected: set[str], not_eligible: set[str]) -> None:
    """The gap index, the county by township, the township by village and each village's list."""
    index = client.get(reverse("revitalization:gap_index"), {"year": YEAR})
    assert index.status_code == 200
    (row,) = [r for r in index.context["rows"] if r["policy"].pk == policy.pk]
    assert (row["not_enrolled"], row["not_eligible"]) == (len(expected), len(not_eligible))

    url = reverse("revitalization:gap_policy", args=[policy.pk])
    whole = client.get(url, {"year": YEAR, "kind": "not_enrolled"})
    by_township = {a.code: a.not_enrolled for a in whole.context["areas"]}
    assert by_township[TOWNSHIP_A] == len(expected) and by_township.get(TOWNSHIP_B, 0) == 0
    assert whole.context["total"].not_enrolled == len(expected)
    assert _listed_numbers(whole.content.decode(), "gap-rows") == expected

    township = client.get(url, {"year": YEAR, "kind": "not_enrolled", "region": TOWNSHIP_A})
    assert township.status_code == 200 and township.context["drill"]
    by_village = {a.code: (a.not_enrolled, a.not_eligible) for a in township.context["areas"]}
    for village in (VILLAGE_A1, VILLAGE_A2):
        assert by_village[village] == (len(in_village(expected, village)), len(in_village(not_eligible, village)))
    assert sum(n for n, _ in by_village.values()) == len(expected)  # no other village has a gap

    for village in (VILLAGE_A1, VILLAGE_A2):
        page = client.get(url, {"year": YEAR, "kind": "not_enrolled", "region": village})
        assert page.status_code == 200 and not page.context["drill"]
        assert _listed_numbers(page.content.decode(), "gap-rows") == in_village(expected, village)
        for gap in page.context["rows"]:  # why: the one condition holds, with the household's own income
            (condition,) = gap.conditions
            values = {f["name"]: f["value"] for f in condition["facts"]}
            assert condition["holds"] is True
            assert Decimal(str(values["per_capita_income"])) == per_head(gap.household_number)

    gone = client.get(url, {"year": YEAR, "kind": "not_eligible"})
    assert _listed_numbers(gone.content.decode(), "gap-rows") == not_eligible
    for gap in gone.context["rows"]:
        assert [c["holds"] for c in gap.conditions] == [False]


def simulate_raising_the_line(client, policy) -> Scenario:
    url = reverse("revitalization:simulation_new")
    form = client.get(url)
    assert form.status_code == 200
    in_force = form.context["line"]
    assert in_force is not None and in_force.amount == LINE and in_force.region_code == COUNTY
    draft = {"year": YEAR, "line_amount": str(in_force.amount + RAISE), "name": "监测线提高500元", "rule_active": "on"}

    preview = client.post(url, {**draft, "preview": "1"})
    assert preview.status_code == 200 and preview.context["sections"], preview.context["form"].errors
    assert not Scenario.objects.exists()  # a preview saves nothing
    key = f"policy:{policy.pk}"
    (previewed,) = [s for s in preview.context["sections"] if s["key"] == key]
    assert previewed["cost_change"] == f"{len(ENTERING) * AMOUNT:.2f}"

    saved = client.post(url, {**draft, "save": "1"})
    scenario = Scenario.objects.get()
    assert saved.status_code == 302 and saved.url == reverse("revitalization:simulation_detail", args=[scenario.pk])
    assert MonitoringLine.objects.get(year=YEAR, region_code=COUNTY).amount == LINE  # nothing adopted yet

    detail = client.get(saved.url)
    assert detail.status_code == 200
    sections = {s["key"]: s for s in detail.context["sections"]}
    section = sections[key]
    assert section["enter"] == {"households": len(ENTERING), "people": people(ENTERING)}
    assert section["leave"] == {"households": 0, "people": 0}
    assert section["before"]["households"] == len(ELIGIBLE_BEFORE)
    assert section["after"]["households"] == len(ELIGIBLE_AFTER)
    # The cost: households entering × the amount a household (nobody leaves), and before and after.
    cost_change = len(ENTERING) * AMOUNT
    assert Decimal(section["cost_change"]) == cost_change == Decimal("2400")
    assert Decimal(section["cost_before"]) == len(ELIGIBLE_BEFORE) * AMOUNT
    assert Decimal(section["cost_after"]) == len(ELIGIBLE_AFTER) * AMOUNT
    html = detail.content.decode()
    assert f"{cost_change:,.2f}" in html and f"{len(ELIGIBLE_AFTER) * AMOUNT:,.2f}" in html
    assert "households × amount per household" in html
    by_village = {v["code"]: v["figures"]["enter"]["households"]
                  for t in section["townships"] for v in t["villages"]}
    assert by_village == {v: len(in_village(ENTERING, v)) for v in (VILLAGE_A1, VILLAGE_A2)}
    monitoring = sections["monitoring"]
    assert monitoring["enter"] == {"households": len(ENTERING), "people": people(ENTERING)}
    assert monitoring["leave"]["households"] == 0

    for section_key in (key, "monitoring"):
        who = client.get(reverse("revitalization:simulation_subjects", args=[scenario.pk]),
                         {"section": section_key, "side": "enter"})
        assert who.status_code == 200 and who.context["total"] == len(ENTERING)
        assert {item["number"] for item in who.context["items"]} == ENTERING
    return scenario


def adopt(client, scenario) -> None:
    url = reverse("revitalization:simulation_adopt", args=[scenario.pk])
    assert client.get(url).status_code == 200
    client.post(url, {})  # without the confirmation nothing happens
    assert MonitoringLine.objects.get(year=YEAR, region_code=COUNTY).amount == LINE
    response = client.post(url, {"confirm": "1"})
    assert response.status_code == 302 and response.url == reverse("revitalization:simulation_detail",
                                                                   args=[scenario.pk])
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.ADOPTED
    detail = client.get(response.url)
    assert detail.status_code == 200 and not detail.context["can_adopt"]
    assert client.post(url, {"confirm": "1"}).status_code == 200  # a second adoption is refused on the page
    assert Scenario.objects.get(pk=scenario.pk).status == ScenarioStatus.ADOPTED


# --- the walk ----------------------------------------------------------------------------------


def test_a_county_walks_from_a_new_policy_to_an_adopted_line(client, county, personas,
                                                            django_capture_on_commit_callbacks):
    erin, frank = personas["erin"], personas["frank"]  # the county officer; the county administrator
    client.force_login(erin)

    # 1. A policy with an eligibility rule naming the line, created on its form.
    policy = create_policy(client)

    # 2. The department's beneficiary list, checked and then imported on the feed pages.
    import_feed(client, policy, django_capture_on_commit_callbacks)

    # 3. 应享未享 by village: exactly the eligible households the list did not pay.
    gaps_by_village(client, policy, expected=NOT_ENROLLED, not_eligible=NOT_ELIGIBLE)
    flagged_before = _screen(client, django_capture_on_commit_callbacks)
    assert flagged_before == ELIGIBLE_BEFORE  # the rule INCOME_BELOW_LINE flags those below 7,500

    # 4. The line raised by 500 yuan in a draft: who enters, and the cost.
    scenario = simulate_raising_the_line(client, policy)

    # 5. Adopting is the administrator's: the officer is refused, the administrator adopts.
    assert client.get(reverse("revitalization:simulation_adopt", args=[scenario.pk])).status_code == 403
    assert client.post(reverse("revitalization:simulation_adopt", args=[scenario.pk]),
                       {"confirm": "1"}).status_code == 403
    client.force_login(frank)
    adopt(client, scenario)

    # The line of the year is now the new amount, as a new version of the county's line.
    line = MonitoringLine.objects.get(year=YEAR, region_code=COUNTY)
    assert line.pk == county["line"].pk and line.amount == LINE + RAISE and line.changed_by == frank
    history = list(line_history(line))
    assert len(history) == 2
    assert Decimal(history[0].before["amount"]) == LINE and Decimal(history[0].after["amount"]) == LINE + RAISE
    client.force_login(erin)
    assert client.get(reverse("revitalization:simulation_new")).context["line"].amount == LINE + RAISE

    # Screening after adoption flags exactly those the simulation said enter, and nobody leaves.
    flagged_after = _screen(client, django_capture_on_commit_callbacks)
    assert flagged_after - flagged_before == ENTERING and not flagged_before - flagged_after
    assert len(flagged_after) == scenario.result["sections"][0]["after"]["households"]

    # The gaps now read the new line: the households that entered the policy are not enrolled.
    gaps_by_village(client, policy, expected=NOT_ENROLLED | ENTERING, not_eligible=NOT_ELIGIBLE)
    detail = client.get(reverse("revitalization:policy_detail", args=[policy.pk]), {"year": YEAR})
    assert detail.context["total_households"] == len(ELIGIBLE_AFTER)
    policy.refresh_from_db()
    assert policy.version == 1  # the scenario changed the line, not the policy
