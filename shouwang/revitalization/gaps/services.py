"""Policy gaps, computed by the database like screening.

For a policy, a year and a region:

* **eligible but not enrolled (应享未享)**: the policy's eligible subjects (``policies.eligibility.eligible``,
  the compiled rule) without an enrolment of that policy and year: an anti-join (``NOT EXISTS``);
* **enrolled but not eligible (应退未退)**: the subjects enrolled that year (one row per household
  for a household policy, per member for a person policy, however many payments) whom the rule no
  longer selects: the other anti-join.

Both are querysets of ``values()`` rows (``household_id``, ``member_id``, ``region_code``), so counting
them by township or village, paging them and exporting them stay in the database; only the rows a
page shows are explained (``explain``: each condition, its facts' values and whether it holds).
Gaps go to the village's warning queue (:func:`raise_warnings`: one policy-gap signal per household,
policy, year and kind, gathered on the household's one open warning; running again adds nothing)
and to the data-quality job (``supervision.quality.policygaps``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Length, Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.permissions import home_region, restrict
from shouwang.monitoring.warnings.models import WarningChannel
from shouwang.monitoring.warnings.services import raise_signals
from shouwang.regions.models import Region
from shouwang.registry.households.queries import head_name
from shouwang.registry.models import Household, Member

from ..enrolment.models import Enrolment
from ..enrolment.services import is_person_policy
from ..policies import eligibility
from ..policies.models import Policy

NOT_ENROLLED = "not_enrolled"
NOT_ELIGIBLE = "not_eligible"
KINDS: dict[str, Any] = {
    NOT_ENROLLED: gettext_lazy("Eligible but not enrolled (应享未享)"),
    NOT_ELIGIBLE: gettext_lazy("Enrolled but not eligible (应退未退)"),
}
SUBJECT_FIELDS = ("household_id", "member_id", "region_code")
# The terms of the national documents, kept in a warning's evidence as they are.
GAP_NAMES = {NOT_ENROLLED: "应享未享", NOT_ELIGIBLE: "应退未退"}


def within(user, region: str = "") -> str:
    """The region asked for if it lies in the user's, else the user's own."""
    home = home_region(user) or ""
    return region if region and region.startswith(home) else home


def _enrolled(policy: Policy, year: int, region: str = "") -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(policy=policy, year=year, region_code__startswith=region)


def not_enrolled(policy: Policy, year: int, region: str = "", *, user=None, expression: str | None = None,
                 parameters: dict | None = None) -> QuerySet:
    """应享未享: eligible subjects with no enrolment of the policy in ``year`` (rows of ``SUBJECT_FIELDS``)."""
    eligible = eligibility.eligible(policy, year, region, expression=expression, parameters=parameters)
    subject = subject_field(policy)
    rows = eligible.filter(~Exists(_enrolled(policy, year).filter(**{subject: OuterRef(subject)})))
    if user is not None:
        rows = restrict(user, rows, "view")
    return rows.order_by("region_code", "household_id", "member_id")


def not_eligible_enrolments(policy: Policy, year: int, region: str = "", *, user=None,
                            expression: str | None = None, parameters: dict | None = None) -> QuerySet[Enrolment]:
    """The enrolments of ``year`` whose subject the rule does not select (every payment)."""
    eligible = eligibility.eligible(policy, year, region, expression=expression, parameters=parameters)
    subject = subject_field(policy)
    rows = _enrolled(policy, year, region).filter(~Exists(eligible.filter(**{subject: OuterRef(subject)})))
    return restrict(user, rows, "view") if user is not None else rows


def not_eligible(policy: Policy, year: int, region: str = "", *, user=None, expression: str | None = None,
                 parameters: dict | None = None) -> QuerySet:
    """应退未退: subjects enrolled in ``year`` whom the rule does not select, one row per subject,
    with ``enrolments`` (how many records) and ``paid`` (their amounts added up)."""
    rows = not_eligible_enrolments(policy, year, region, user=user, expression=expression, parameters=parameters)
    return (rows.order_by().values(*SUBJECT_FIELDS).annotate(enrolments=Count("pk"), paid=Sum("amount"))
            .order_by("region_code", "household_id", "member_id"))


def subject_field(policy: Policy) -> str:
    return "member_id" if is_person_policy(policy) else "household_id"


def gap_rows(kind: str, policy: Policy, year: int, region: str = "", *, user=None) -> QuerySet:
    if kind == NOT_ELIGIBLE:
        return not_eligible(policy, year, region, user=user)
    return not_enrolled(policy, year, region, user=user)


# --- counts by area ----------------------------------------------------------------------------

# Code length of the level below a region: county (6) → townships (9) → villages (12).
CHILD_LENGTH = {2: 4, 4: 6, 6: 9, 9: 12, 12: 12}


@dataclass
class AreaCount:
    code: str
    name: str
    not_enrolled: int = 0
    not_enrolled_households: int = 0
    not_eligible: int = 0
    not_eligible_households: int = 0


def counts_by_area(policy: Policy, year: int, region: str, *, user=None) -> tuple[list[AreaCount], AreaCount]:
    """Subjects (and households) of each gap per area one level below ``region``: two grouped
    queries; every area has a row, zeros included. Returns the rows and their total."""
    length = CHILD_LENGTH.get(len(region), 9)
    area = Substr("region_code", 1, length)
    subject = subject_field(policy)
    counts: dict[str, dict[str, int]] = {}
    grouped = {
        NOT_ENROLLED: not_enrolled(policy, year, region, user=user).order_by().annotate(area=area).values("area")
        .annotate(n=Count("household_id"), households=Count("household_id", distinct=True)),
        NOT_ELIGIBLE: not_eligible_enrolments(policy, year, region, user=user).order_by().annotate(area=area)
        .values("area").annotate(n=Count(subject, distinct=True), households=Count("household_id", distinct=True)),
    }
    for kind, rows in grouped.items():
        for row in rows:
            entry = counts.setdefault(row["area"], {})
            entry[kind] = row["n"]
            entry[f"{kind}_households"] = row["households"]
    areas = Region.objects.annotate(code_length=Length("code")).filter(code_length=length, code__startswith=region)
    if user is not None:
        areas = restrict(user, areas, "view")
    names = dict(areas.values_list("code", "name"))
    rows = [AreaCount(code, names.get(code, code), **counts.get(code, {}))
            for code in sorted(set(names) | set(counts))]
    total = AreaCount("", _("Total"))
    for row in rows:
        for name in ("not_enrolled", "not_enrolled_households", "not_eligible", "not_eligible_households"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return rows, total


# --- the rows a page shows, with their reasons ------------------------------------------------


@dataclass
class GapRow:
    household_id: int
    member_id: int | None
    region_code: str
    household_number: str = ""
    head: str = ""
    member: str = ""
    village: str = ""
    enrolments: int = 0
    paid: Any = None
    conditions: list[dict] = field(default_factory=list)

    @property
    def failing(self) -> list[dict]:
        return [c for c in self.conditions if c.get("holds") is False]

    @property
    def unknown(self) -> list[dict]:
        return [c for c in self.conditions if c.get("holds") is None]


def describe(rows: Iterable[dict], policy: Policy, year: int) -> list[GapRow]:
    """The page's rows with the household's number, head, village, the member's name and, from
    ``explain``, each condition of the rule with its values and whether it holds."""
    rows = list(rows)
    households: dict[int, dict[str, Any]] = {
        h["pk"]: dict(h) for h in Household.objects.filter(pk__in={r["household_id"] for r in rows})
        .annotate(head_of=head_name("pk")).values("pk", "number", "head_of", "village__name")
    }
    members = dict(Member.objects.filter(pk__in={r["member_id"] for r in rows if r.get("member_id")})
                   .values_list("pk", "name"))
    out = []
    for r in rows:
        h = households.get(r["household_id"], {})
        row = GapRow(r["household_id"], r.get("member_id"), r["region_code"], h.get("number", ""),
                     h.get("head_of") or "", members.get(r.get("member_id") or 0, ""), h.get("village__name", ""),
                     r.get("enrolments", 0), r.get("paid"))
        row.conditions = eligibility.explain(policy, year, r["household_id"], r.get("member_id"))
        out.append(row)
    return out


def reason_text(row: GapRow, kind: str) -> str:
    """The reason in one line (exports, findings): the conditions that fail (应退未退) or hold (应享未享)."""
    if kind == NOT_ELIGIBLE:
        if not row.conditions:
            return _("No record for the year.")
        chosen = row.failing or row.unknown
    else:
        chosen = [c for c in row.conditions if c.get("holds")]
    parts = []
    for c in chosen:
        values = ", ".join(f"{f.get('label', f.get('name', ''))} = {f.get('text', f.get('value', ''))}"
                           for f in c.get("facts", []))
        parts.append(f"{c.get('condition', c.get('expression', ''))} ({values})" if values else
                     str(c.get("condition", c.get("expression", ""))))
    return "; ".join(parts)


# --- warnings ----------------------------------------------------------------------------------


def gap_evidence(policy: Policy, year: int, kind: str) -> dict[str, Any]:
    return {"policy": policy.code, "policy_name": policy.name_zh, "year": year, "gap": kind,
            "gap_name": GAP_NAMES[kind]}


def raise_warnings(policy: Policy, year: int, region: str = "") -> dict[str, int]:
    """One policy-gap signal per household of each gap (not yet signalled), gathered on its open
    warning or case (a new warning where there is none); returns the signals added per kind."""
    added = {}
    for kind in (NOT_ENROLLED, NOT_ELIGIBLE):
        households = gap_rows(kind, policy, year, region).order_by().values("household_id").distinct()
        added[kind] = raise_signals(households, WarningChannel.POLICY_GAP, gap_evidence(policy, year, kind),
                                    year=year)
    return added


def policies_for(region: str) -> QuerySet[Policy]:
    """The active policies of the county ``region`` lies in (or of every county under it)."""
    prefixes = [region[:n] for n in range(len(region) + 1)]
    return Policy.objects.filter(active=True).filter(
        Q(region_code__in=prefixes) | Q(region_code__startswith=region)).order_by("code")


def raise_all(year: int, region: str = "") -> dict[str, int]:
    """Every active policy in force in ``year``: the signals added per policy code."""
    return {p.code: sum(raise_warnings(p, year, region).values()) for p in policies_for(region) if p.in_force(year)}

