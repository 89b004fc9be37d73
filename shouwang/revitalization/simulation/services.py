"""Scenarios: saving a draft, running it, comparing two, and adopting one.

Adopting saves each change through the service that owns it: the line through
``monitoring.lines.services.save_line``, a rule through ``monitoring.rules.services.save_rule``, a
policy through ``policies.services.save_policy``. Each checks its own permission, validates and
versions the change and logs it, exactly as an edit on its page would; nothing here writes those
models. All changes of a scenario are adopted together or not at all.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.permissions import home_region, require, restrict
from shouwang.core.regioncodes import level_of
from shouwang.monitoring.lines.models import MonitoringLine
from shouwang.monitoring.lines.services import save_line
from shouwang.monitoring.rules.models import Rule
from shouwang.monitoring.rules.services import save_rule

from ..policies.models import Policy
from .engine import Draft, Outcome, PolicyChange, SimulationError, simulate
from .models import Scenario, ScenarioStatus
from .permissions import ADOPT_SCENARIO, SIMULATE


def scenarios_for(user) -> QuerySet[Scenario]:
    """The scenarios of the user's county (drafting is the county's officers')."""
    return restrict(user, Scenario.objects.all(), SIMULATE.name).select_related("created_by", "adopted_by")


def county_of(user) -> str:
    """The county a user drafts for: their own region, a county."""
    region = home_region(user) or ""
    if level_of(region) != "county":
        raise PermissionDenied(SIMULATE.refusal)
    return region


def draft_of(scenario: Scenario) -> Draft:
    return Draft.from_changes(scenario.year, scenario.region_code, scenario.changes)


def check_draft(draft: Draft) -> None:
    """Refuse a draft whose changes lie outside its county (a line of another region, a policy of
    another county); raise ``SimulationError``."""
    county = draft.region[:6]
    for line in draft.lines:
        if line.region_code != county:
            raise SimulationError("lines", _("A scenario changes its own county's line only."))
    ids = [change.policy_id for change in draft.policies]
    if ids and Policy.objects.filter(pk__in=ids, region_code__startswith=county).count() != len(set(ids)):
        raise SimulationError("policies", _("A policy changed by the draft is not one of the county's."))


def save_scenario(user, *, name: str, year: int, changes: dict, note: str = "",
                  scenario: Scenario | None = None) -> Scenario:
    """Create or change a draft scenario of the user's county (checked, not run)."""
    require(user, SIMULATE.name)
    county = county_of(user)
    if scenario is not None:
        require(user, SIMULATE.name, scenario)
        if scenario.adopted:
            raise ValidationError(_("An adopted scenario is kept as it was adopted."))
    else:
        scenario = Scenario(region_code=county, created_by=user if getattr(user, "pk", None) else None)
    draft = Draft.from_changes(year, scenario.region_code, changes)
    check_draft(draft)
    if draft.empty:
        raise SimulationError("changes", _("The draft changes nothing: change a line, a rule or a policy."))
    scenario.name = (name or "").strip() or _("Scenario of %(year)s") % {"year": year}
    scenario.year = year
    scenario.note = note or ""
    scenario.changes = changes
    scenario.result = {}
    scenario.ran_at = None
    scenario.save()
    return scenario


def run_scenario(scenario: Scenario, user, *, save: bool = True) -> Outcome:
    """Simulate the scenario over its county and keep its totals (``result``)."""
    require(user, SIMULATE.name, scenario)
    draft = draft_of(scenario)
    outcome = simulate(draft, using=Scenario.objects.db)
    if save:
        Scenario.objects.filter(pk=scenario.pk).update(result=outcome.as_dict(), ran_at=timezone.now())
        scenario.result, scenario.ran_at = outcome.as_dict(), timezone.now()
    return outcome


def compare(first: Scenario, second: Scenario, user) -> list[dict]:
    """The two scenarios' totals side by side, section by section (each run if it has no result)."""
    results = []
    for scenario in (first, second):
        require(user, SIMULATE.name, scenario)
        if not scenario.result:
            run_scenario(scenario, user)
        results.append({section["key"]: section for section in scenario.result.get("sections", [])})
    rows = []
    for key in dict.fromkeys([*results[0], *results[1]]):
        a, b = results[0].get(key), results[1].get(key)
        rows.append({"key": key, "label": (a or b or {}).get("label", key), "first": a, "second": b,
                     "difference": _difference(a, b)})
    return rows


def _difference(a: dict | None, b: dict | None) -> dict:
    """second − first, for the figures both have."""
    def figure(section, side, name):
        return (section or {}).get(side, {}).get(name, 0)

    difference: dict[str, object] = {
        side: {name: figure(b, side, name) - figure(a, side, name) for name in ("households", "people")}
        for side in ("after", "enter", "leave")}
    costs = [(s or {}).get("cost_after") for s in (a, b)]
    difference["cost_after"] = (f"{Decimal(costs[1]) - Decimal(costs[0]):.2f}"
                                if costs[0] is not None and costs[1] is not None else None)
    return difference


def adopt(scenario: Scenario, user) -> Scenario:
    """Adopt the scenario: each change saved through its own service, all together or none.

    The line becomes the county's line of the year (a new one, or the existing one changed); a rule
    gets a new version; a policy gets a new version. Refused for an adopted scenario.
    """
    require(user, ADOPT_SCENARIO.name, scenario)
    if scenario.adopted:
        raise ValidationError(_("This scenario has already been adopted."))
    draft = draft_of(scenario)
    check_draft(draft)
    basis = _("Adopted from the simulation scenario “%(name)s”.") % {"name": scenario.name}
    with transaction.atomic(), acting_unless_known(user, "revitalization"):
        locked = Scenario.objects.select_for_update().get(pk=scenario.pk)
        if locked.adopted:
            raise ValidationError(_("This scenario has already been adopted."))
        for change in draft.lines:
            line = (MonitoringLine.objects.filter(year=draft.year, region_code=change.region_code).first()
                    or MonitoringLine(year=draft.year, region_code=change.region_code))
            line.amount = change.amount
            line.carried_forward = False
            line.carried_from_year = None
            line.basis = line.basis or basis
            save_line(line, user)
        for rule_change in draft.rules:
            rule = Rule.objects.get(pk=rule_change.rule_id)
            rule.expression, rule.parameters = rule_change.expression, rule_change.parameters
            rule.active = rule_change.active
            save_rule(rule, user)
        for policy_change in draft.policies:
            _adopt_policy(policy_change, user)
        scenario.status = ScenarioStatus.ADOPTED
        scenario.adopted_at = timezone.now()
        scenario.adopted_by = user if getattr(user, "pk", None) else None
        scenario.save(update_fields=["status", "adopted_at", "adopted_by", "updated_at"])
        record_changes([Change(
            action="update", object_type="revitalization.scenario", object_id=scenario.pk,
            object_repr=str(scenario), region_code=scenario.region_code,
            before={"status": ScenarioStatus.DRAFT}, after={"status": ScenarioStatus.ADOPTED,
                                                            "changes": scenario.changes},
        )])
    return scenario


def _adopt_policy(change: PolicyChange, user) -> None:
    from ..policies.services import save_policy

    policy = Policy.objects.get(pk=change.policy_id)
    if change.expression is not None:
        policy.expression = change.expression
    if change.parameters is not None:
        policy.parameters = change.parameters
    if change.amount is not None:
        policy.amount = change.amount
    save_policy(policy, user)


def delete_scenario(scenario: Scenario, user) -> None:
    require(user, SIMULATE.name, scenario)
    if scenario.adopted:
        raise ValidationError(_("An adopted scenario is kept as the record of what was adopted."))
    scenario.delete()
