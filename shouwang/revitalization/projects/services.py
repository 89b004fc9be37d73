"""The project library's rules: the workflow, funds, disbursements, households reached, roll-over, figures.

The workflow is declared once (``STEPS``), in the style of the case procedures
(``shouwang.cases.procedure.declarations``): each step names its level, the status it acts on and
the statuses it leads to. ``act`` performs a step after asking :mod:`.permissions` (the step's
action, on the project: its level and region). Refusals: ``PermissionDenied`` (not your level or
region: HTTP 403), ``ProjectNotAllowed`` (not in this state: 409), ``ProjectInvalid`` (an incomplete
or malformed request: 400). Every write leaves a change-log entry; a status moves with a conditional
UPDATE so that two clicks at once cannot both win.

The county's figures (:func:`figures`) are sums and counts in the database over the approved
projects of a year in a region: the share of linkage funds (中央、省、县衔接资金) allocated to
industry-development projects against the county's target, the share of allocated funds disbursed,
and the distinct households reached, monitored households (an open case) among them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.cases.models import Case
from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.permissions import can, home_region, require, restrict
from shouwang.core.regioncodes import level_of
from shouwang.regions.models import Region
from shouwang.registry.models import Household

from . import permissions as perms
from .models import (
    LINKAGE_SOURCES,
    Beneficiary,
    BenefitKind,
    Disbursement,
    FundSource,
    Goal,
    Project,
    ProjectCategory,
    ProjectFund,
    ProjectSettings,
    ProjectStatus,
    ProjectStep,
    StepOutcome,
)

MAX_REASON = 2000
MAX_AMOUNT = Decimal("999999999999.99")
ZERO = Decimal("0")
OBJECT_TYPE = "revitalization.project"


class ProjectNotAllowed(Exception):
    """The step does not apply in the project's current state (HTTP 409)."""


class ProjectInvalid(ValueError):
    """The request is incomplete or malformed (HTTP 400); the message says what to fix."""


# --- the workflow, declared -----------------------------------------------------------------------


@dataclass(frozen=True)
class StepSpec:
    """A step of the workflow: who acts (``action``, ``level``), on which status, leading where."""

    code: str
    level: str
    action: str
    acts_on: str
    passes_to: str
    rejects_to: str


STEPS: tuple[StepSpec, ...] = (
    StepSpec("review", "township", perms.REVIEW.name, ProjectStatus.PROPOSED, ProjectStatus.REVIEWED,
             ProjectStatus.REJECTED),
    StepSpec("decide", "county", perms.DECIDE.name, ProjectStatus.REVIEWED, ProjectStatus.APPROVED,
             ProjectStatus.REJECTED),
)
STEP_BY_CODE = {s.code: s for s in STEPS}
def step_label(code: str) -> str:
    labels = {"propose": _("Village proposal"), "review": _("Township review"), "decide": _("County decision"),
              "rollover": _("Roll-over"), "import": _("Import")}
    return labels.get(code, code)


def today() -> date:
    return timezone.localdate()


def _acting(user):
    return acting_unless_known(user, "projects")


def _record(action: str, project: Project, before: dict | None = None, after: dict | None = None,
            object_type: str = OBJECT_TYPE, object_id=None) -> None:
    record_changes([Change(
        action=action, object_type=object_type, object_id=object_id if object_id is not None else project.pk,
        object_repr=project.name[:200], region_code=project.region_code, before=before, after=after,
    )])


def _amount(value, *, positive: bool = False, what: str = "") -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ProjectInvalid(_("%(what)s is not an amount of money.") % {"what": what or _("The amount")}) from None
    if amount < 0 or amount > MAX_AMOUNT or (positive and amount == 0):
        raise ProjectInvalid(_("%(what)s must be a positive amount.") % {"what": what or _("The amount")})
    return amount


def _reason(reason: str | None) -> str:
    return (reason or "").strip()[:MAX_REASON]


# --- reading --------------------------------------------------------------------------------------


def with_totals(projects: QuerySet[Project]) -> QuerySet[Project]:
    """Annotate ``funded`` (allocated from every source) and ``disbursed``, each by a subquery."""
    money = DecimalField(max_digits=16, decimal_places=2)
    funded = (ProjectFund.objects.filter(project=OuterRef("pk")).values("project")
              .annotate(s=Sum("amount")).values("s"))
    paid = (Disbursement.objects.filter(project=OuterRef("pk")).values("project")
            .annotate(s=Sum("amount")).values("s"))
    reached = (Beneficiary.objects.filter(project=OuterRef("pk")).values("project")
               .annotate(n=Count("household", distinct=True)).values("n"))
    return projects.annotate(
        funded=Coalesce(Subquery(funded, output_field=money), Value(ZERO), output_field=money),
        disbursed=Coalesce(Subquery(paid, output_field=money), Value(ZERO), output_field=money),
        households_reached=Coalesce(Subquery(reached), Value(0)),
    )


def projects_for(user) -> QuerySet[Project]:
    """The projects of the user's region, with their totals."""
    return with_totals(Project.objects.restrict(user, "view").select_related("village"))


def visible_beneficiaries(user, project: Project) -> QuerySet[Beneficiary]:
    """The households the project reaches that lie in the user's region (the others are only counted)."""
    return (restrict(user, Beneficiary.objects.filter(project=project), "view")
            .select_related("household", "household__village")
            .annotate(monitored=Exists(Case.objects.open().filter(household=OuterRef("household_id"))))
            .order_by("household__number", "kind"))


def available_steps(user, project: Project) -> list[StepSpec]:
    """The workflow steps the user may take on the project now."""
    return [s for s in STEPS if s.acts_on == project.status and can(user, s.action, project)]


def proposable_villages(user) -> list[Region]:
    """The villages the user may propose for (a village cadre: their own village)."""
    if not can(user, perms.PROPOSE.name):
        return []
    villages = Region.objects.filter(level=Region.Level.VILLAGE)
    return list(restrict(user, villages, perms.PROPOSE.name).order_by("code"))


def township_villages(village_code: str) -> QuerySet[Region]:
    """The villages of the lead village's township (a project may cover several of them)."""
    return Region.objects.filter(level=Region.Level.VILLAGE, parent_code=village_code[:9]).order_by("code")


# --- the workflow ---------------------------------------------------------------------------------


def propose(user, *, village: str, year: int, name: str, goal: str, category: str, budget=None,
            villages: Iterable[str] = (), description: str = "", linkage: str = "") -> Project:
    """A village cadre proposes a project for their own village (村申报)."""
    require(user, perms.PROPOSE.name, village)
    name = " ".join((name or "").split())[:200]
    if not name:
        raise ProjectInvalid(_("A project name is required."))
    if goal not in Goal.values:
        raise ProjectInvalid(_("Choose one of the five goals."))
    if category not in ProjectCategory.values:
        raise ProjectInvalid(_("Choose a project category."))
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ProjectInvalid(_("Give the project's year.")) from None
    if not 2000 <= year <= 2100:
        raise ProjectInvalid(_("Give the project's year."))
    amount = _amount(budget, what=_("The budget"))
    if level_of(village) != "village" or not Region.objects.filter(code=village).exists():
        raise ProjectInvalid(_("Choose a village."))
    others = sorted({c for c in villages if c and c != village})
    allowed = set(township_villages(village).values_list("code", flat=True))
    if any(c not in allowed for c in others):
        raise ProjectInvalid(_("The further villages must lie in the lead village's township."))
    with _acting(user), transaction.atomic():
        project = Project.objects.create(
            year=year, name=name, village_id=village, goal=goal, category=category, budget=amount,
            description=(description or "").strip(), linkage=(linkage or "").strip(), proposed_by=user,
        )
        project.villages.set(Region.objects.filter(code__in=[village, *others]))
        ProjectStep.objects.create(project=project, step="propose", level="village", outcome=StepOutcome.SUBMITTED,
                                   acted_by=user, acted_region=home_region(user) or "")
        _record("create", project, after={
            "year": year, "name": name, "village": village, "villages": [village, *others], "goal": goal,
            "category": category, "budget": str(amount), "status": ProjectStatus.PROPOSED,
        })
    return project


def act(project: Project, user, step: str, *, passed: bool, reason: str = "") -> Project:
    """Take a workflow step (``review`` by the township, ``decide`` by the county): pass or reject.

    A rejection needs a reason; a pass may have one. The step's level and region are asked of
    :mod:`.permissions` before anything else."""
    spec = STEP_BY_CODE.get(step)
    if spec is None:
        raise ProjectInvalid(_("Unknown step."))
    require(user, spec.action, project)
    reason = _reason(reason)
    if not passed and not reason:
        raise ProjectInvalid(_("Say why the project is rejected."))
    target = spec.passes_to if passed else spec.rejects_to
    with _acting(user), transaction.atomic():
        if not Project.objects.filter(pk=project.pk, status=spec.acts_on).update(status=target,
                                                                                 updated_at=timezone.now()):
            raise ProjectNotAllowed(_("The project is not waiting for this step."))
        ProjectStep.objects.create(
            project=project, step=spec.code, level=spec.level,
            outcome=StepOutcome.PASSED if passed else StepOutcome.REJECTED, reason=reason, acted_by=user,
            acted_region=home_region(user) or "",
        )
        _record("update", project, before={"status": spec.acts_on},
                after={"status": target, "step": spec.code, "reason": reason})
    project.status = target
    return project


# --- money ----------------------------------------------------------------------------------------


def _funds_allowed(project: Project, user) -> None:
    require(user, perms.RECORD_FUNDS.name, project)
    if project.status != ProjectStatus.APPROVED:
        raise ProjectNotAllowed(_("Only a project in the library has funds and disbursements."))


def set_funds(project: Project, user, amounts: Mapping[str, object]) -> dict[str, Decimal]:
    """Set the amount from each source (a source left out keeps its amount; zero removes it)."""
    _funds_allowed(project, user)
    wanted = {}
    for source, value in amounts.items():
        if source not in FundSource.values:
            raise ProjectInvalid(_("Unknown fund source."))
        wanted[source] = _amount(value, what=str(FundSource(source).label))
    with _acting(user), transaction.atomic():
        before = {f.source: str(f.amount) for f in ProjectFund.objects.select_for_update().filter(project=project)}
        for source, amount in wanted.items():
            if amount == 0:
                ProjectFund.objects.filter(project=project, source=source).delete()
            else:
                ProjectFund.objects.update_or_create(project=project, source=source,
                                                     defaults={"amount": amount, "region_code": project.region_code})
        after = {f.source: str(f.amount) for f in ProjectFund.objects.filter(project=project)}
        if after != before:
            _record("update", project, before={"funds": before}, after={"funds": after})
    return {k: Decimal(v) for k, v in after.items()}


def add_disbursement(project: Project, user, *, paid_on: date, amount, note: str = "") -> Disbursement:
    """Record money paid out; the total paid may not exceed the funds allocated."""
    _funds_allowed(project, user)
    amount = _amount(amount, positive=True)
    if paid_on is None:
        raise ProjectInvalid(_("Give the date of the disbursement."))
    if paid_on > today():
        raise ProjectInvalid(_("A disbursement cannot be dated in the future."))
    with _acting(user), transaction.atomic():
        Project.objects.select_for_update().filter(pk=project.pk).first()
        funded = ProjectFund.objects.filter(project=project).aggregate(s=Sum("amount"))["s"] or ZERO
        paid = Disbursement.objects.filter(project=project).aggregate(s=Sum("amount"))["s"] or ZERO
        if paid + amount > funded:
            raise ProjectInvalid(_("The disbursements would exceed the funds allocated (%(funded)s yuan).")
                                 % {"funded": funded})
        row = Disbursement.objects.create(project=project, paid_on=paid_on, amount=amount,
                                          note=(note or "").strip()[:200], recorded_by=user)
        _record("create", project, after={"paid_on": paid_on.isoformat(), "amount": str(amount), "note": row.note},
                object_type="revitalization.disbursement", object_id=row.pk)
    return row


# --- households reached (联农带农) ---------------------------------------------------------------


def find_household(user, number: str) -> Household | None:
    """A household of the user's region by its number."""
    number = (number or "").strip()
    if not number:
        return None
    return Household.objects.restrict(user, "view").filter(number=number).first()


def add_beneficiary(project: Project, user, *, household: Household | None, kind: str, amount=None,
                    note: str = "") -> Beneficiary:
    """Record a household the project reaches, how, and the amount it brings the household."""
    require(user, perms.RECORD_BENEFICIARIES.name, project)
    if project.status in (ProjectStatus.REJECTED, ProjectStatus.ROLLED_OVER):
        raise ProjectNotAllowed(_("A rejected or rolled-over project reaches no households."))
    if household is None or not can(user, "view", household):
        raise ProjectInvalid(_("No household of your region has this number."))
    if household.region_code[:6] != project.region_code[:6]:
        raise ProjectInvalid(_("The household lives in another county."))
    if kind not in BenefitKind.values:
        raise ProjectInvalid(_("Choose how the project benefits the household."))
    amount = _amount(amount, what=_("The amount per household"))
    with _acting(user), transaction.atomic():
        if Beneficiary.objects.filter(project=project, household=household, kind=kind).exists():
            raise ProjectNotAllowed(_("This household is already recorded for this kind of benefit."))
        row = Beneficiary.objects.create(project=project, household=household, kind=kind, amount=amount,
                                         note=(note or "").strip()[:200])
        _record("create", project, after={"household": household.number, "kind": kind, "amount": str(amount)},
                object_type="revitalization.beneficiary", object_id=row.pk)
    return row


def update_beneficiary(row: Beneficiary, user, *, amount=None, note: str = "") -> bool:
    """Change a recorded household's amount and note (the spreadsheet import's re-import);
    False, and nothing written, when both are the same."""
    require(user, perms.RECORD_BENEFICIARIES.name, row.project)
    require(user, "view", row)
    if row.project.status in (ProjectStatus.REJECTED, ProjectStatus.ROLLED_OVER):
        raise ProjectNotAllowed(_("A rejected or rolled-over project reaches no households."))
    amount = _amount(amount, what=_("The amount per household"))
    note = (note or "").strip()[:200]
    if amount == row.amount and note == row.note:
        return False
    with _acting(user), transaction.atomic():
        before = {"household": row.household.number, "kind": row.kind, "amount": str(row.amount), "note": row.note}
        Beneficiary.objects.filter(pk=row.pk).update(amount=amount, note=note)
        row.amount, row.note = amount, note
        _record("update", row.project, before=before,
                after={"household": row.household.number, "kind": row.kind, "amount": str(amount), "note": note},
                object_type="revitalization.beneficiary", object_id=row.pk)
    return True


def remove_beneficiary(row: Beneficiary, user) -> None:
    require(user, perms.RECORD_BENEFICIARIES.name, row.project)
    require(user, "view", row)
    with _acting(user), transaction.atomic():
        _record("delete", row.project, before={"household": row.household.number, "kind": row.kind,
                                               "amount": str(row.amount)},
                object_type="revitalization.beneficiary", object_id=row.pk)
        row.delete()


# --- roll-over ------------------------------------------------------------------------------------


def unfunded(projects: QuerySet[Project]) -> QuerySet[Project]:
    """Projects in the library without a single yuan allocated."""
    funded = ProjectFund.objects.filter(project=OuterRef("pk"), amount__gt=0)
    return projects.filter(status=ProjectStatus.APPROVED).exclude(Exists(funded))


def roll_over(region_code: str, year: int, user=None) -> list[Project]:
    """Move the region's unfunded projects of ``year`` into the next year's library (入下年度项目库).

    Each becomes a project of ``year + 1`` in the library (its decision stands), with the same
    villages and households; the original is marked rolled over. Idempotent: a project rolls once.
    """
    if user is not None:
        require(user, perms.ROLL_OVER.name, region_code)
    made: list[Project] = []
    with _acting(user), transaction.atomic():
        candidates = unfunded(Project.objects.filter(region_code__startswith=region_code, year=year))
        for old in candidates.select_for_update().prefetch_related("villages", "beneficiaries"):
            new = Project.objects.create(
                year=year + 1, name=old.name, village_id=old.village_id, goal=old.goal, category=old.category,
                budget=old.budget, description=old.description, linkage=old.linkage, status=ProjectStatus.APPROVED,
                proposed_by=old.proposed_by, rolled_from=old,
            )
            new.villages.set(list(old.villages.all()))
            Beneficiary.objects.bulk_create([
                Beneficiary(project=new, household_id=b.household_id, kind=b.kind, amount=b.amount, note=b.note,
                            region_code=b.region_code)
                for b in old.beneficiaries.all()
            ])
            Project.objects.filter(pk=old.pk).update(status=ProjectStatus.ROLLED_OVER, updated_at=timezone.now())
            reason = _("Not funded in %(year)d: rolled over to the %(next)d library.") % {"year": year,
                                                                                         "next": year + 1}
            ProjectStep.objects.create(project=old, step="rollover", level="county", outcome=StepOutcome.ROLLED_OVER,
                                       reason=reason, acted_by=user, acted_region=home_region(user) or "")
            ProjectStep.objects.create(project=new, step="rollover", level="county", outcome=StepOutcome.ROLLED_OVER,
                                       reason=reason, acted_by=user, acted_region=home_region(user) or "")
            _record("update", old, before={"status": ProjectStatus.APPROVED},
                    after={"status": ProjectStatus.ROLLED_OVER, "rolled_to": new.pk})
            _record("create", new, after={"year": year + 1, "status": ProjectStatus.APPROVED, "rolled_from": old.pk})
            made.append(new)
    return made


def roll_over_past_years(on: date | None = None) -> int:
    """The periodic job's work: every county's unfunded projects of years before ``on``'s roll over,
    year by year (a project of two years ago rolls twice, into this year)."""
    on = on or today()
    total = 0
    while True:
        rows = (unfunded(Project.objects.filter(year__lt=on.year))
                .values_list("region_code", "year").order_by("year"))
        first = rows.first()
        if first is None:
            return total
        year = first[1]
        counties = sorted({code[:6] for code, y in rows if y == year})
        for county in counties:
            total += len(roll_over(county, year))


# --- settings and figures -------------------------------------------------------------------------


def county_of(code: str) -> str:
    return (code or "")[:6]


def target_for(code: str) -> Decimal:
    """The county's target share of linkage funds for industry, in per cent (60 unless set)."""
    row = ProjectSettings.objects.filter(region_code=county_of(code)).first()
    return row.industry_share_target if row else ProjectSettings._meta.get_field("industry_share_target").default


def set_target(user, county: str, value) -> ProjectSettings:
    require(user, perms.EDIT_SETTINGS.name, county)
    if level_of(county) != "county":
        raise ProjectInvalid(_("The target is set for a county."))
    try:
        target = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ProjectInvalid(_("Give a percentage between 0 and 100.")) from None
    if not ZERO <= target <= 100:
        raise ProjectInvalid(_("Give a percentage between 0 and 100."))
    with _acting(user), transaction.atomic():
        before = target_for(county)
        row, _created = ProjectSettings.objects.update_or_create(region_code=county,
                                                                 defaults={"industry_share_target": target})
        record_changes([Change(action="update", object_type="revitalization.projectsettings", object_id=row.pk,
                               object_repr=county, region_code=county,
                               before={"industry_share_target": str(before)},
                               after={"industry_share_target": str(target)})])
    return row


@dataclass(frozen=True)
class Figures:
    region_code: str
    year: int
    projects: int
    allocated: Decimal
    linkage: Decimal
    linkage_industry: Decimal
    disbursed: Decimal
    households: int
    monitored_households: int
    target: Decimal

    @property
    def industry_share(self) -> Decimal | None:
        """Per cent of linkage funds allocated to industry development; None without linkage funds."""
        return (self.linkage_industry * 100 / self.linkage).quantize(Decimal("0.1")) if self.linkage else None

    @property
    def meets_target(self) -> bool | None:
        share = self.industry_share
        return None if share is None else share >= self.target

    @property
    def disbursement_rate(self) -> Decimal | None:
        return (self.disbursed * 100 / self.allocated).quantize(Decimal("0.1")) if self.allocated else None


def figures(region_code: str, year: int) -> Figures:
    """The library's figures for a region and year, over the projects in the library (approved):
    sums and distinct counts computed by the database."""
    projects = Project.objects.filter(region_code__startswith=region_code, year=year, status=ProjectStatus.APPROVED)
    linkage = Q(source__in=LINKAGE_SOURCES)
    money = ProjectFund.objects.filter(project__in=projects).aggregate(
        allocated=Sum("amount"),
        linkage=Sum("amount", filter=linkage),
        linkage_industry=Sum("amount", filter=linkage & Q(project__category=ProjectCategory.INDUSTRY)),
    )
    paid = Disbursement.objects.filter(project__in=projects).aggregate(s=Sum("amount"))["s"]
    reached = Beneficiary.objects.filter(project__in=projects).aggregate(
        households=Count("household", distinct=True),
        monitored=Count("household", distinct=True, filter=Q(Exists(
            Case.objects.open().filter(household=OuterRef("household_id"))))),
    )
    return Figures(
        region_code=region_code, year=year, projects=projects.count(), allocated=money["allocated"] or ZERO,
        linkage=money["linkage"] or ZERO, linkage_industry=money["linkage_industry"] or ZERO, disbursed=paid or ZERO,
        households=reached["households"], monitored_households=reached["monitored"], target=target_for(region_code),
    )


def check_figures_region(user, code: str) -> str:
    """The region whose figures the user asks for: their own or one inside it (else refused)."""
    code = (code or "").strip() or (home_region(user) or "")
    require(user, "view", code)
    return code

