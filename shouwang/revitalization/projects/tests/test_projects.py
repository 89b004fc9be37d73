"""The project library: the workflow by level and region, roll-over, funds, households reached, the
figures against a direct count, import and export, the pages and the API."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import COUNTY, TOWNSHIP_A, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.cases.models import CaseStatus
from shouwang.cases.tests.factories import make_case
from shouwang.core.exports import write_xlsx
from shouwang.core.models import ChangeLog
from shouwang.registry.models import Household
from shouwang.registry.tests.factories import make_household
from shouwang.revitalization.projects import services as service
from shouwang.revitalization.projects.importer import SPEC, build_template
from shouwang.revitalization.projects.models import (
    Beneficiary,
    Disbursement,
    Project,
    ProjectFund,
    ProjectStatus,
    ProjectStep,
)
from shouwang.revitalization.projects.tasks import JOB_KIND, run_roll_over_job

pytestmark = pytest.mark.django_db
YEAR = 2025


def propose(user, village=VILLAGE_A1, *, name="柑橘基地", category="industry", goal="industry", year=YEAR,
            budget="100000", **kw) -> Project:
    return service.propose(user, village=village, year=year, name=name, goal=goal, category=category,
                           budget=budget, **kw)


def approved(personas, village=VILLAGE_A1, **kw) -> Project:
    """A project walked through the three levels (township of its village, then the county)."""
    cadre = {VILLAGE_A1: "alice", VILLAGE_A2: "bob", VILLAGE_B1: "judy"}[village]
    project = propose(personas[cadre], village, **kw)
    service.act(project, personas["carol" if village.startswith(TOWNSHIP_A) else "dave"], "review", passed=True)
    return service.act(project, personas["erin"], "decide", passed=True, reason="符合入库条件")


# --- the workflow ------------------------------------------------------------------------------


def test_a_project_walks_from_proposal_to_decision_each_step_at_its_level(personas):
    project = propose(personas["alice"], villages=[VILLAGE_A2])
    assert project.status == ProjectStatus.PROPOSED
    assert set(project.villages.values_list("code", flat=True)) == {VILLAGE_A1, VILLAGE_A2}

    # Nobody decides before the township has reviewed; the county cannot review.
    with pytest.raises(service.ProjectNotAllowed):
        service.act(project, personas["erin"], "decide", passed=True)
    for outsider in ("alice", "judy", "dave", "erin", "grace", "heidi", "ivan"):
        with pytest.raises(PermissionDenied):
            service.act(project, personas[outsider], "review", passed=True)
    service.act(project, personas["carol"], "review", passed=True, reason="材料齐全")
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.REVIEWED

    # A township (its own or another) never decides, nor does a village.
    for outsider in ("carol", "dave", "alice", "grace"):
        with pytest.raises(PermissionDenied):
            service.act(project, personas[outsider], "decide", passed=True)
    service.act(project, personas["frank"], "decide", passed=True)
    project.refresh_from_db()
    assert project.status == ProjectStatus.APPROVED
    with pytest.raises(service.ProjectNotAllowed):  # a decision is taken once
        service.act(project, personas["erin"], "decide", passed=False, reason="重复")

    history = list(project.steps.values_list("step", "level", "outcome", "acted_region"))
    assert history == [("propose", "village", "submitted", VILLAGE_A1),
                       ("review", "township", "passed", TOWNSHIP_A),
                       ("decide", "county", "passed", COUNTY)]
    logged = ChangeLog.objects.filter(object_type="revitalization.project", object_id=str(project.pk))
    assert logged.count() == 3
    assert logged.order_by("id").last().after["status"] == "approved"


def test_only_the_villages_own_cadre_proposes_and_further_villages_stay_in_its_township(personas):
    with pytest.raises(PermissionDenied):
        propose(personas["judy"], VILLAGE_A1)  # a village cadre of another township
    for role in ("carol", "erin"):
        with pytest.raises(PermissionDenied):
            propose(personas[role], VILLAGE_A1)
    with pytest.raises(service.ProjectInvalid):
        propose(personas["alice"], villages=[VILLAGE_B1])
    with pytest.raises(service.ProjectInvalid):
        propose(personas["alice"], name="  ")


def test_a_rejection_needs_a_reason_and_ends_the_workflow(personas):
    project = propose(personas["alice"])
    with pytest.raises(service.ProjectInvalid):
        service.act(project, personas["carol"], "review", passed=False, reason=" ")
    service.act(project, personas["carol"], "review", passed=False, reason="与村规划不符")
    project.refresh_from_db()
    assert project.status == ProjectStatus.REJECTED
    assert project.steps.last().reason == "与村规划不符"
    with pytest.raises(service.ProjectNotAllowed):
        service.act(project, personas["erin"], "decide", passed=True)


# --- money -------------------------------------------------------------------------------------


def test_funds_and_disbursements_by_the_county_within_what_is_allocated(personas):
    pending = propose(personas["alice"])
    with pytest.raises(service.ProjectNotAllowed):
        service.set_funds(pending, personas["erin"], {"central": "1000"})
    project = approved(personas)
    with pytest.raises(PermissionDenied):
        service.set_funds(project, personas["carol"], {"central": "1000"})
    service.set_funds(project, personas["erin"], {"central": "60000", "county": "20000.5", "other": "0"})
    assert dict(project.funds.values_list("source", "amount")) == {"central": Decimal("60000.00"),
                                                                   "county": Decimal("20000.50")}
    service.set_funds(project, personas["erin"], {"county": "0"})  # zero removes a source
    assert list(project.funds.values_list("source", flat=True)) == ["central"]

    today = service.today()
    service.add_disbursement(project, personas["erin"], paid_on=today - timedelta(days=3), amount="25000",
                             note="首期")
    with pytest.raises(service.ProjectInvalid):  # more than the funds allocated
        service.add_disbursement(project, personas["erin"], paid_on=today, amount="35000.01")
    with pytest.raises(service.ProjectInvalid):
        service.add_disbursement(project, personas["erin"], paid_on=today + timedelta(days=1), amount="1")
    service.add_disbursement(project, personas["erin"], paid_on=today, amount="35000")
    assert service.projects_for(personas["erin"]).get(pk=project.pk).disbursed == Decimal("60000")
    assert ChangeLog.objects.filter(object_type="revitalization.disbursement").count() == 2


def test_households_reached_only_from_ones_region_and_county(personas):
    project = approved(personas)
    own = make_household(VILLAGE_A1)
    other = make_household(VILLAGE_B1)
    row = service.add_beneficiary(project, personas["alice"], household=own, kind="jobs", amount="12000")
    assert row.region_code == VILLAGE_A1
    with pytest.raises(service.ProjectNotAllowed):  # once per household and kind
        service.add_beneficiary(project, personas["alice"], household=own, kind="jobs", amount="1")
    with pytest.raises(service.ProjectInvalid):  # a household the village cadre may not see
        service.add_beneficiary(project, personas["alice"], household=other, kind="jobs")
    with pytest.raises(PermissionDenied):  # a project outside the user's region
        service.add_beneficiary(project, personas["judy"], household=other, kind="jobs")
    # The county may link a household of another township to the project.
    service.add_beneficiary(project, personas["erin"], household=other, kind="dividend", amount="800")
    assert [b.household_id for b in service.visible_beneficiaries(personas["alice"], project)] == [own.pk]
    assert service.find_household(personas["alice"], other.number) is None


# --- the figures -------------------------------------------------------------------------------


def _money_world(personas):
    """Hand-made: three approved projects in A, one in B, one proposal (not counted), one other year."""
    industry = approved(personas, name="茶叶加工厂", category="industry")
    roads = approved(personas, VILLAGE_A2, name="通组公路", category="construction", goal="ecology")
    jobs = approved(personas, name="帮扶车间", category="employment", goal="prosperity")
    far = approved(personas, VILLAGE_B1, name="油茶基地", category="industry")
    proposal = propose(personas["alice"], name="仅申报")
    later = approved(personas, name="下年度项目", year=YEAR + 1)
    erin = personas["erin"]
    service.set_funds(industry, erin, {"central": "300000", "provincial": "100000", "integrated": "50000"})
    service.set_funds(roads, erin, {"central": "150000", "county": "50000", "other": "20000"})
    service.set_funds(jobs, erin, {"county": "100000"})
    service.set_funds(far, erin, {"central": "400000"})
    service.set_funds(later, erin, {"central": "999999"})
    day = service.today()
    service.add_disbursement(industry, erin, paid_on=day, amount="200000")
    service.add_disbursement(roads, erin, paid_on=day, amount="220000")
    service.add_disbursement(far, erin, paid_on=day, amount="100000")
    h1, h2, h3 = (make_household(VILLAGE_A1) for _ in range(3))
    h4 = make_household(VILLAGE_B1)
    make_case(h2, status=CaseStatus.MONITORED)
    make_case(h3, status=CaseStatus.ELIMINATED)  # no longer monitored
    make_case(h4, village=VILLAGE_B1, status=CaseStatus.IDENTIFYING)
    for project, household, kind in [(industry, h1, "jobs"), (industry, h1, "dividend"), (industry, h2, "land_rent"),
                                     (jobs, h2, "jobs"), (jobs, h3, "jobs"), (far, h4, "purchase"),
                                     (proposal, h1, "jobs")]:
        service.add_beneficiary(project, erin, household=household, kind=kind, amount="1000")
    return {"industry": industry, "roads": roads, "jobs": jobs, "far": far, "h": (h1, h2, h3, h4)}


def _direct(prefix: str, year: int) -> dict:
    """The same figures by walking the rows in Python."""
    projects = [p for p in Project.objects.all() if p.region_code.startswith(prefix) and p.year == year
                and p.status == ProjectStatus.APPROVED]
    funds = [f for f in ProjectFund.objects.all() if f.project in projects]
    linkage = [f for f in funds if f.source in ("central", "provincial", "county")]
    reached = {b.household_id for b in Beneficiary.objects.all() if b.project in projects}
    monitored = {h for h in reached
                 if any(c.status in CaseStatus.open() for c in Household.objects.get(pk=h).cases.all())}
    return {
        "allocated": sum((f.amount for f in funds), Decimal(0)),
        "linkage": sum((f.amount for f in linkage), Decimal(0)),
        "linkage_industry": sum((f.amount for f in linkage if f.project.category == "industry"), Decimal(0)),
        "disbursed": sum((d.amount for d in Disbursement.objects.all() if d.project in projects), Decimal(0)),
        "households": len(reached), "monitored": len(monitored), "projects": len(projects),
    }


@pytest.mark.parametrize("prefix", [COUNTY, TOWNSHIP_A, VILLAGE_A1])
def test_figures_equal_a_direct_count(personas, prefix):
    _money_world(personas)
    figures = service.figures(prefix, YEAR)
    direct = _direct(prefix, YEAR)
    assert (figures.projects, figures.allocated, figures.linkage, figures.linkage_industry, figures.disbursed,
            figures.households, figures.monitored_households) == (
        direct["projects"], direct["allocated"], direct["linkage"], direct["linkage_industry"], direct["disbursed"],
        direct["households"], direct["monitored"])


def test_county_figures_by_hand(personas):
    _money_world(personas)
    f = service.figures(COUNTY, YEAR)
    # Linkage: 300k+100k (industry A) + 150k+50k (roads) + 100k (jobs) + 400k (industry B) = 1,100k;
    # industry 800k → 72.7 %, above the default 60 % target.
    assert f.linkage == Decimal("1100000") and f.linkage_industry == Decimal("800000")
    assert f.industry_share == Decimal("72.7") and f.target == Decimal("60") and f.meets_target is True
    assert f.allocated == Decimal("1170000") and f.disbursed == Decimal("520000")
    assert f.disbursement_rate == Decimal("44.4")
    assert (f.households, f.monitored_households) == (4, 2)  # h1–h4; h2 (monitored) and h4 (identifying)
    service.set_target(personas["frank"], COUNTY, "75")
    assert service.figures(COUNTY, YEAR).meets_target is False
    with pytest.raises(PermissionDenied):
        service.set_target(personas["erin"], COUNTY, "50")
    a = service.figures(TOWNSHIP_A, YEAR)
    assert a.linkage_industry == Decimal("400000") and a.linkage == Decimal("700000")


# --- roll-over ---------------------------------------------------------------------------------


def test_unfunded_projects_roll_over_once_with_their_villages_and_households(personas):
    funded = approved(personas, name="已安排资金")
    service.set_funds(funded, personas["erin"], {"central": "1"})
    unfunded = approved(personas, name="未安排资金", villages=[VILLAGE_A2])
    household = make_household(VILLAGE_A1)
    service.add_beneficiary(unfunded, personas["alice"], household=household, kind="jobs", amount="500")
    pending = propose(personas["alice"], name="待审核")
    elsewhere = approved(personas, VILLAGE_B1, name="乙镇未安排")

    with pytest.raises(PermissionDenied):
        service.roll_over(TOWNSHIP_A, YEAR, personas["carol"])
    made = service.roll_over(TOWNSHIP_A, YEAR, personas["erin"])
    assert [p.rolled_from_id for p in made] == [unfunded.pk]
    new = made[0]
    assert (new.year, new.status, new.name) == (YEAR + 1, ProjectStatus.APPROVED, "未安排资金")
    assert set(new.villages.values_list("code", flat=True)) == {VILLAGE_A1, VILLAGE_A2}
    assert list(new.beneficiaries.values_list("household_id", "kind")) == [(household.pk, "jobs")]
    unfunded.refresh_from_db()
    assert unfunded.status == ProjectStatus.ROLLED_OVER
    assert Project.objects.get(pk=funded.pk).status == ProjectStatus.APPROVED
    assert Project.objects.get(pk=pending.pk).status == ProjectStatus.PROPOSED
    assert Project.objects.get(pk=elsewhere.pk).status == ProjectStatus.APPROVED  # another township
    assert service.roll_over(TOWNSHIP_A, YEAR, personas["erin"]) == []  # once
    assert ProjectStep.objects.filter(project=unfunded, step="rollover").exists()


def test_the_nightly_job_rolls_past_years_into_the_current_one(personas, monkeypatch,
                                                               django_capture_on_commit_callbacks):
    from shouwang.core import jobs

    old = approved(personas, name="两年前未安排", year=YEAR - 1)
    current = approved(personas, name="本年度未安排", year=YEAR + 1)
    monkeypatch.setattr(service, "today", lambda: date(YEAR + 1, 1, 2))
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start(JOB_KIND, run_roll_over_job, user=None)
    job.refresh_from_db()
    assert job.status == job.Status.SUCCEEDED, job.message
    chain = Project.objects.filter(name="两年前未安排").order_by("year")
    assert [(p.year, p.status) for p in chain] == [
        (YEAR - 1, ProjectStatus.ROLLED_OVER), (YEAR, ProjectStatus.ROLLED_OVER), (YEAR + 1, ProjectStatus.APPROVED)]
    assert Project.objects.get(pk=current.pk).status == ProjectStatus.APPROVED  # this year's stays
    assert old.pk in chain.values_list("pk", flat=True)


# --- import and export -------------------------------------------------------------------------


def _sheet(rows: list[list[str]]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    write_xlsx(buffer, [c.label for c in SPEC.columns], rows, sheet_name="项目库")
    return SimpleUploadedFile("projects.xlsx", buffer.getvalue())


def _row(name, village=VILLAGE_A1, category="产业发展", central="100000", **over) -> list[str]:
    row = {"year": str(YEAR), "name": name, "village": village, "villages": "", "goal": "", "category": category,
           "budget": "200000", "central": central, "provincial": "", "county": "50000", "integrated": "",
           "other": "", "description": "", "linkage": "务工"}
    row.update(over)
    return [row[c.key] for c in SPEC.columns]


def test_import_validates_then_commits_with_a_template(client, personas):
    client.force_login(personas["erin"])
    template = client.get(reverse("revitalization:project_import_template"))
    assert template.status_code == 200 and template.content[:2] == b"PK"
    assert template["Content-Disposition"].startswith("attachment")
    url = reverse("revitalization:project_import")

    # The template itself imports (its example row is a village of the demo county).
    checked = client.post(url, {"file": SimpleUploadedFile("t.xlsx", build_template()), "mode": "validate"})
    assert checked.status_code == 200 and checked.context["report"].ok, checked.context["report"].issues

    bad = _sheet([_row("茶园", category="不存在"), _row("道路", village="433199999999"), _row("茶园2", central="abc"),
                  _row("好项目"), _row("好项目")])
    response = client.post(url, {"file": bad, "mode": "commit"})
    report = response.context["report"]
    assert (report.total, report.accepted, report.rejected, report.committed) == (5, 1, 4, False)
    assert {(i.row, i.column) for i in report.errors} == {
        (2, "项目类别"), (3, "村代码"), (4, "中央衔接资金"), (6, "项目名称")}
    assert not Project.objects.exists()  # nothing written while anything is wrong

    good = _sheet([_row("茶叶基地", villages=VILLAGE_A2), _row("通组公路", category="乡村建设", goal="生态宜居")])
    assert client.post(url, {"file": good, "mode": "validate"}).context["report"].ok
    assert not Project.objects.exists()  # validate writes nothing
    good.seek(0)
    report = client.post(url, {"file": good, "mode": "commit"}).context["report"]
    assert report.committed and report.created == 2
    tea = Project.objects.get(name="茶叶基地")
    assert (tea.status, tea.goal, tea.category) == (ProjectStatus.APPROVED, "industry", "industry")
    assert set(tea.villages.values_list("code", flat=True)) == {VILLAGE_A1, VILLAGE_A2}
    assert dict(tea.funds.values_list("source", "amount")) == {"central": Decimal("100000"),
                                                               "county": Decimal("50000")}
    assert tea.steps.get().outcome == "imported"
    assert ChangeLog.objects.filter(object_type="revitalization.project", action="create").count() == 2
    good.seek(0)
    again = client.post(url, {"file": good, "mode": "commit"}).context["report"]
    assert again.rejected == 2 and Project.objects.count() == 2  # already in the library

    client.force_login(personas["carol"])
    assert client.get(url).status_code == 403


def test_page_api_and_export_list_the_same_rows(personas, list_rows):
    approved(personas, name="甲镇产业")
    approved(personas, VILLAGE_B1, name="乙镇产业")
    propose(personas["alice"], name="甲镇申报", category="construction", goal="ecology")
    url, api = reverse("revitalization:project_list"), reverse("api:revitalization-project-list")
    for user, params, expected in [
        (personas["erin"], {}, ["乙镇产业", "甲镇产业", "甲镇申报"]),
        (personas["erin"], {"status": "approved"}, ["乙镇产业", "甲镇产业"]),
        (personas["erin"], {"township": TOWNSHIP_A, "category": "industry"}, ["甲镇产业"]),
        (personas["carol"], {}, ["甲镇产业", "甲镇申报"]),
        (personas["judy"], {"year": str(YEAR)}, ["乙镇产业"]),
        (personas["erin"], {"year": str(YEAR + 1)}, []),
        (personas["erin"], {"village": VILLAGE_A1, "goal": "ecology"}, ["甲镇申报"]),
    ]:
        assert list_rows.page(user, url, params, key=lambda p: p.name) == expected, params
        assert list_rows.api(user, api, params, key="name") == expected, params
        assert list_rows.export(user, "revitalization_projects", params, column="项目名称") == expected, params


# --- pages -------------------------------------------------------------------------------------


def test_pages_walk_a_project_through_the_three_levels(client, personas):
    client.force_login(personas["alice"])
    response = client.post(reverse("revitalization:project_new"), {
        "village": VILLAGE_A1, "year": YEAR, "name": "村集体光伏电站", "goal": "prosperity", "category": "industry",
        "budget": "300000", "villages": [VILLAGE_A2], "linkage": "收益分红到户"})
    project = Project.objects.get(name="村集体光伏电站")
    assert response.status_code == 302
    detail = reverse("revitalization:project_detail", args=[project.pk])
    assert client.get(detail).status_code == 200

    client.force_login(personas["dave"])  # another township: the project is not there
    assert client.post(reverse("revitalization:project_review", args=[project.pk]),
                       {"outcome": "pass"}).status_code == 404
    client.force_login(personas["carol"])
    page = client.get(detail)
    assert [s.code for s in page.context["available_steps"]] == ["review"]
    assert client.post(reverse("revitalization:project_decide", args=[project.pk]),
                       {"outcome": "pass"}).status_code == 403
    assert client.post(reverse("revitalization:project_review", args=[project.pk]),
                       {"outcome": "reject"}).status_code == 400  # no reason
    assert client.post(reverse("revitalization:project_review", args=[project.pk]),
                       {"outcome": "pass", "reason": "同意"}).status_code == 302

    client.force_login(personas["erin"])
    assert client.post(reverse("revitalization:project_decide", args=[project.pk]),
                       {"outcome": "pass"}).status_code == 302
    assert client.post(reverse("revitalization:project_funds", args=[project.pk]),
                       {"central": "200000", "county": "50000"}).status_code == 302
    assert client.post(reverse("revitalization:project_disburse", args=[project.pk]),
                       {"paid_on": service.today().isoformat(), "amount": "100000", "note": "首期"}).status_code == 302
    household = make_household(VILLAGE_A1)
    assert client.post(reverse("revitalization:project_beneficiary", args=[project.pk]),
                       {"household": household.number, "kind": "dividend", "amount": "600"}).status_code == 302
    page = client.get(detail)
    assert page.context["project"].funded == Decimal("250000")
    assert page.context["project"].disbursed == Decimal("100000")
    assert [b.household_id for b in page.context["beneficiaries"]] == [household.pk]
    assert [label for label, _s in page.context["steps"]] == ["Village proposal", "Township review",
                                                               "County decision"]
    figures = client.get(reverse("revitalization:project_figures"), {"year": YEAR})
    assert figures.context["figures"].households == 1
    assert figures.context["figures"].industry_share == Decimal("100.0")

    client.force_login(personas["carol"])
    assert client.get(reverse("revitalization:project_figures"), {"region": "433122104"}).status_code == 403


def test_api_detail_and_figures(client, personas):
    project = approved(personas)
    service.set_funds(project, personas["erin"], {"central": "1000"})
    client.force_login(personas["carol"])
    data = client.get(reverse("api:revitalization-project-detail", args=[project.pk])).json()
    assert data["funds"] == [{"source": "central", "amount": "1000.00"}]
    assert [s["step"] for s in data["steps"]] == ["propose", "review", "decide"]
    figures = client.get(reverse("api:revitalization-project-figures"), {"year": YEAR}).json()
    assert figures["region_code"] == TOWNSHIP_A and figures["projects"] == 1
    assert Decimal(str(figures["industry_share"])) == Decimal("100.0")
    assert client.get(reverse("api:revitalization-project-figures"), {"region": COUNTY}).status_code == 403
    client.force_login(personas["judy"])
    assert client.get(reverse("api:revitalization-project-detail", args=[project.pk])).status_code == 404
