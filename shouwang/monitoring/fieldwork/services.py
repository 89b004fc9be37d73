"""Field work services: cadre visits and screening campaigns (policy.md §5.1).

One of the three discovery channels comes in here: a cadre's visit (基层干部排查) is recorded on
a phone. When something is wrong it becomes a risk signal of the household
(``warnings.services.add_signal``, shared with the self-reports): on its case if it is monitored,
else on its one open warning in the village queue, with the deadline screening uses. A campaign
(集中排查) gives every household of a region a visit task; recording a visit in the campaign's period completes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.audit import record_changes
from shouwang.core.bulk import insert_rows
from shouwang.core.permissions import require, restrict
from shouwang.regions.models import Region, region_names
from shouwang.registry.households.audit import make_change
from shouwang.registry.models import Household

from ..lines.models import line_in_force
from ..rules.models import RiskType
from ..warnings.models import Warning, WarningChannel
from ..warnings.services import add_signal, field_evidence
from .models import EVENTS, GUARANTEES, Campaign, CampaignStatus, CampaignTask, TaskStatus, Visit
from .permissions import LAUNCH_CAMPAIGN, RECORD_VISIT

# --- visits --------------------------------------------------------------------------------------

FINDING_LABELS = {
    "food": gettext_lazy("Not enough to eat"),
    "clothing": gettext_lazy("Not enough to wear"),
    "education": gettext_lazy("Compulsory education not secured"),
    "medical": gettext_lazy("Basic medical care not secured"),
    "housing": gettext_lazy("Housing not safe"),
    "water": gettext_lazy("Drinking water not secured"),
    "income_below_line": gettext_lazy("Income below the monitoring line"),
    "illness": gettext_lazy("Serious illness"),
    "accident": gettext_lazy("Accident"),
    "job_loss": gettext_lazy("Job loss"),
    "disaster": gettext_lazy("Natural disaster"),
    "at_risk": gettext_lazy("Visitor judges the household at risk"),
}
# The risk type (policy.md §4.1) an event suggests to whoever identifies the household.
EVENT_RISK_TYPES = {
    "illness": RiskType.YB,
    "accident": RiskType.YYWSG,
    "job_loss": RiskType.YWGJYBW,
    "disaster": RiskType.YZRZH,
    "education": RiskType.YX,
}


def findings_of(visit: Visit) -> list[str]:
    """What in a visit needs verifying: a guarantee not met, income under the line, an event."""
    found = [name for name in GUARANTEES if not getattr(visit, f"{name}_secured")]
    if (
        visit.income_estimate is not None
        and visit.line_amount is not None
        and visit.income_estimate < visit.line_amount
    ):
        found.append("income_below_line")
    found += [name for name in EVENTS if getattr(visit, name)]
    if visit.at_risk:
        found.append("at_risk")
    return found


def _json_money(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def record_visit(visit: Visit, user) -> Visit:
    """Save a visit by ``user``; raise a warning for a finding and complete the household's tasks."""
    if not Household.objects.restrict(user, RECORD_VISIT.name).filter(pk=visit.household_id).exists():
        raise PermissionDenied(_("You may record visits only to households in your region."))
    today = timezone.localdate()
    if visit.visited_on is None:
        visit.visited_on = today
    if visit.visited_on > today:
        raise ValidationError({"visited_on": _("A visit cannot be recorded for a future date.")})
    visit.visitor = user
    # The line in force on the visit's date (the one resolver); None when that year has none, which the
    # visit page then says (an estimate cannot be judged against a line that is not set).
    line = line_in_force(visit.household.region_code, visit.visited_on)
    visit.line_amount = line.amount if line else None
    visit.findings = findings_of(visit)
    with transaction.atomic():
        visit.save()
        if visit.findings:
            entry = {
                "visit": visit.pk,
                "date": visit.visited_on.isoformat(),
                "findings": visit.findings,
                "income_estimate": _json_money(visit.income_estimate),
                "line": _json_money(visit.line_amount),
                "risk_types": sorted({EVENT_RISK_TYPES[f] for f in visit.findings if f in EVENT_RISK_TYPES}),
                "visitor": user.get_username(),
            }
            signal = add_signal(visit.household, WarningChannel.VISIT, field_evidence(WarningChannel.VISIT, entry))
            # None when the household is under monitoring: the visit's finding went on its case.
            visit.warning = signal.warning
            Visit.objects.filter(pk=visit.pk).update(warning=visit.warning)
        done = complete_tasks(visit)
        record_changes([make_change("create", visit, after={
            "household": visit.household.number,
            "visited_on": visit.visited_on.isoformat(),
            "findings": visit.findings,
            "warning": visit.warning_id,
            "tasks_done": done,
        })])
    return visit


def complete_tasks(visit: Visit) -> int:
    """Mark the household's open-campaign tasks whose period covers the visit date as done."""
    now = timezone.now()
    return CampaignTask.objects.filter(
        household_id=visit.household_id,
        status=TaskStatus.PENDING,
        campaign__status=CampaignStatus.OPEN,
        campaign__starts_on__lte=visit.visited_on,
        campaign__ends_on__gte=visit.visited_on,
    ).update(status=TaskStatus.DONE, visit=visit, done_at=now, updated_at=now)


def visits_for(user, action: str = "view") -> QuerySet[Visit]:
    return Visit.objects.restrict(user, action).select_related("household", "household__village", "visitor")


# --- campaigns -----------------------------------------------------------------------------------

CAMPAIGN_LEVELS = (Region.Level.COUNTY, Region.Level.TOWNSHIP, Region.Level.VILLAGE)


def launch_campaign(
    user, *, name: str, region: Region, starts_on: date, ends_on: date, basis: str = ""
) -> Campaign:
    """Create a campaign and one visit task per household of the region, in one transaction.

    Tasks are written by ``core.bulk.insert_rows`` (one executemany) straight from the
    household table: 10⁵ households, a county, took 1.9 s on SQLite (and an INSERT … SELECT
    was no faster: the time is the table's indexes), short enough to stay in the request.
    """
    require(user, LAUNCH_CAMPAIGN.name, region.code)
    if region.level not in CAMPAIGN_LEVELS:
        raise ValidationError({"region": _("Choose a county, a township or a village.")})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The campaign cannot end before it starts.")})
    with transaction.atomic():
        campaign = Campaign(
            name=name, basis=basis, region=region, starts_on=starts_on, ends_on=ends_on, created_by=user
        )
        campaign.save()
        households = (
            Household.objects.filter(region_code__startswith=region.code)
            .order_by()
            .values_list("id", "region_code")
            .iterator(chunk_size=5000)
        )
        count = insert_rows(
            CampaignTask,
            ("campaign_id", "household_id", "region_code"),
            ((campaign.pk, pk, code) for pk, code in households),
        )
        Campaign.objects.filter(pk=campaign.pk).update(task_count=count)
        campaign.task_count = count
        record_changes([make_change("create", campaign, after={
            "name": name,
            "basis": basis,
            "region": region.code,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "tasks": count,
        })])
    return campaign


def close_campaign(campaign: Campaign, user) -> Campaign:
    """End a campaign: its pending tasks stay pending (the record of who was not visited)."""
    require(user, LAUNCH_CAMPAIGN.name, campaign.region_code,
            message=_("Only county officers may close a campaign in their own region."))
    with transaction.atomic():
        updated = Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.OPEN).update(
            status=CampaignStatus.CLOSED, updated_at=timezone.now()
        )
        if updated:
            record_changes([make_change(
                "update", campaign, before={"status": CampaignStatus.OPEN}, after={"status": CampaignStatus.CLOSED}
            )])
    campaign.status = CampaignStatus.CLOSED
    return campaign


@dataclass
class ProgressRow:
    code: str
    name: str
    total: int = 0
    done: int = 0
    children: list[ProgressRow] = field(default_factory=list)

    @property
    def pending(self) -> int:
        return self.total - self.done

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    def as_dict(self) -> dict:
        data = {
            "code": self.code,
            "name": self.name,
            "total": self.total,
            "done": self.done,
            "percent": self.percent,
        }
        if self.children:
            data["villages"] = [child.as_dict() for child in self.children]
        return data


def campaigns_for(user) -> QuerySet[Campaign]:
    """Campaigns over, within or around the user's region, each with ``tasks_seen``: its households
    inside the user's region (a village sees a county's campaign, but only its own count)."""
    seen = (
        CampaignTask.objects.restrict(user, "view").filter(campaign=OuterRef("pk"))
        .order_by().values("campaign").annotate(n=Count("pk")).values("n")
    )
    return Campaign.objects.restrict(user).annotate(
        tasks_seen=Coalesce(Subquery(seen, output_field=IntegerField()), Value(0)),
    )


def campaign_progress(campaign: Campaign, user) -> ProgressRow:
    """Done / total per village and township, counted by the database within the user's scope.

    The root row is the part of the campaign the user sees; its children are townships, and
    theirs villages.
    """
    rows = list(
        CampaignTask.objects.restrict(user, "view")
        .filter(campaign=campaign)
        .order_by()
        .values("region_code")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(status=TaskStatus.DONE)))
        .order_by("region_code")
    )
    codes = {row["region_code"] for row in rows} | {row["region_code"][:9] for row in rows}
    names = region_names(codes)
    root = ProgressRow(campaign.region_code, campaign.region.name if campaign.region_id else "")
    townships: dict[str, ProgressRow] = {}
    for row in rows:
        code = row["region_code"]
        township = townships.get(code[:9])
        if township is None:
            township = townships[code[:9]] = ProgressRow(code[:9], names.get(code[:9], code[:9]))
            root.children.append(township)
        township.children.append(ProgressRow(code, names.get(code, code), row["total"], row["done"]))
        township.total += row["total"]
        township.done += row["done"]
        root.total += row["total"]
        root.done += row["done"]
    return root


def tasks_for(user, action: str = "view") -> QuerySet[CampaignTask]:
    """Visit tasks in the user's region (a village cadre: their village)."""
    return CampaignTask.objects.restrict(user, action).select_related(
        "campaign", "household", "household__village"
    )


def pending_tasks_for(user) -> QuerySet[CampaignTask]:
    return tasks_for(user, RECORD_VISIT.name).filter(
        status=TaskStatus.PENDING, campaign__status=CampaignStatus.OPEN
    )


def campaign_regions(user) -> Iterable[Region]:
    """Regions a user may launch a campaign over: their own and the townships and villages in it."""
    regions = Region.objects.filter(level__in=CAMPAIGN_LEVELS).order_by("code")
    return restrict(user, regions, LAUNCH_CAMPAIGN.name)


# --- evidence, for the warning pages -------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceEntry:
    """One report or visit behind a field-work warning, in words, with the page that shows it."""

    date: str
    title: str
    detail: str
    url: str


def evidence_entries(warning: Warning) -> list[EvidenceEntry]:
    """The self-reports and visits a warning's evidence lists (empty for other channels).

    For the warning pages: the stored evidence is ``{"channel": …, "self_reports": [...]}``
    or ``{"channel": …, "visits": [...]}``, one entry per report or visit added while the
    warning was open.
    """
    from django.urls import reverse

    data = warning.evidence if isinstance(warning.evidence, dict) else {}
    risk_types = dict(RiskType.choices)
    entries = []
    for item in data.get("self_reports", []):
        detail = str(risk_types.get(item.get("risk_type"), item.get("risk_type", "")))
        if item.get("reported_by_guardian"):
            detail += " · " + _("reported by a parent or guardian")
        entries.append(
            EvidenceEntry(
                item.get("date", ""),
                _("Self-report by %(name)s") % {"name": item.get("name", "")},
                detail,
                reverse("monitoring:selfreport_detail", args=[item["self_report"]])
                if item.get("self_report")
                else "",
            )
        )
    for item in data.get("visits", []):
        findings = ", ".join(str(FINDING_LABELS.get(code, code)) for code in item.get("findings", []))
        entries.append(
            EvidenceEntry(
                item.get("date", ""),
                _("Visit by %(user)s") % {"user": item.get("visitor", "")},
                findings,
                reverse("monitoring:visit_detail", args=[item["visit"]]) if item.get("visit") else "",
            )
        )
    return entries
