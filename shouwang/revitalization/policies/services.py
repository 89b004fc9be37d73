"""Changing a county's policies: checked, versioned and logged, like screening rules.

Each save lands in the change log and keeps a ``PolicyVersion`` copy per change (enrolments and
simulations cite the version they used).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shouwang.cases.catalogue.models import MeasureType
from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.permissions import can, require
from shouwang.core.regioncodes import LEVEL_CODE_LENGTH, level_of
from shouwang.monitoring.rules.compiler import RuleError, check_parameters

from .eligibility import check
from .facts import registry
from .models import Policy, PolicyVersion
from .permissions import MANAGE_POLICY

POLICY_FIELDS = (
    "region_code", "code", "name_zh", "name_en", "department", "legal_basis", "continuity", "kind", "start_date",
    "end_date", "subject", "amount", "amount_verified", "benefit_form", "source", "source_url", "measure_type_id",
    "expression", "parameters", "description", "active",
)
POLICY_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")


def validate_policy(policy: Policy) -> None:
    """Raise ``ValidationError`` naming the field: bad code, county, period or eligibility rule."""
    errors: dict[str, list[str]] = {}
    if not POLICY_CODE.match(policy.code or ""):
        errors["code"] = [_("A policy code is 2–40 capital letters, digits and _, starting with a letter.")]
    if level_of(policy.region_code) != "county":
        errors["region_code"] = [_("A policy belongs to a county: give the county's 6-digit code.")]
    if policy.start_date and policy.end_date and policy.end_date < policy.start_date:
        errors["end_date"] = [_("The end of the period is before its start.")]
    if policy.amount is not None and policy.amount < 0:
        errors["amount"] = [_("The amount cannot be negative.")]
    try:
        check_parameters(policy.parameters if policy.parameters is not None else {}, registry(policy.subject))
    except RuleError as exc:
        errors["parameters"] = [str(exc)]
    else:
        problems = check(policy.expression, policy.parameters, policy.subject)
        if problems:
            errors["expression"] = problems
    if errors:
        raise ValidationError(errors)
    policy.full_clean(exclude=["version", "measure_type"], validate_unique=True, validate_constraints=True)


def _json(value):
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def snapshot(policy: Policy) -> dict:
    """Every field of the policy, as JSON values (a version's ``data``, the change log's before/after)."""
    return {name: _json(getattr(policy, name)) for name in POLICY_FIELDS}


def save_policy(policy: Policy, user) -> Policy:
    """Validate, bump the version when something changed and keep a copy of what was saved.

    Only the county's own officers save (``revitalization.manage_policy`` on the policy's county; for a
    changed policy, on the county it had before as well).
    """
    require(user, MANAGE_POLICY.name, policy.region_code or None)
    if policy.pk:
        require(user, MANAGE_POLICY.name, Policy.objects.get(pk=policy.pk))
    return _save(policy, user)


def _save(policy: Policy, user) -> Policy:
    validate_policy(policy)
    with transaction.atomic(), acting_unless_known(user, "revitalization"):
        before = None
        if policy.pk:
            old = Policy.objects.select_for_update().get(pk=policy.pk)
            before = snapshot(old)
            if before == snapshot(policy):
                return policy
            policy.version = old.version + 1
        else:
            policy.version = 1
        policy.save()
        PolicyVersion.objects.create(
            policy=policy, version=policy.version, code=policy.code, name_zh=policy.name_zh,
            expression=policy.expression, parameters=policy.parameters, amount=policy.amount,
            amount_verified=policy.amount_verified, active=policy.active, data=snapshot(policy),
            changed_by=user if getattr(user, "pk", None) else None,
        )
        after = snapshot(policy) | {"version": policy.version}
        record_changes([Change(
            action="update" if before else "create", object_type="revitalization.policy", object_id=policy.pk,
            object_repr=policy.code, before=before, after=after,
        )])
    return policy


CATALOGUE = Path(__file__).resolve().parent / "data" / "catalogue.json"


def load_catalogue(county: str, path: Path | None = None, user=None) -> dict[str, int]:
    """Add the starter catalogue's policies the county does not have yet (by code), each as version 1.

    Idempotent: a policy the county already has, edited or not, is left as it is. Run by the
    ``load_policies`` command and the demo (trusted callers: no permission is asked); the change log
    names ``user`` where given. Returns ``{"created": n, "kept": m}``.
    """
    entries = json.loads((path or CATALOGUE).read_text(encoding="utf-8"))["policies"]
    existing = set(Policy.objects.filter(region_code=county).values_list("code", flat=True))
    measures = dict(MeasureType.objects.values_list("code", "pk"))
    created = kept = 0
    for entry in entries:
        if entry["code"] in existing:
            kept += 1
            continue
        values = {k: v for k, v in entry.items() if k != "measure_type"}
        if values.get("amount") is not None:
            values["amount"] = Decimal(str(values["amount"]))
        policy = Policy(region_code=county, measure_type_id=measures.get(entry.get("measure_type") or ""), **values)
        _save(policy, user)
        created += 1
    return {"created": created, "kept": kept}


def may_manage(user, policy: Policy | None = None) -> bool:
    return can(user, MANAGE_POLICY.name, policy)


def latest_year(county: str) -> int | None:
    """The latest year the county's registry has household rows for (the pages' default year)."""
    from django.db.models import Max

    from shouwang.registry.models import HouseholdYear

    return HouseholdYear.objects.filter(region_code__startswith=county).aggregate(year=Max("year"))["year"]


def eligible_by_township(policy: Policy, year: int, region: str = "") -> list[dict]:
    """Eligible households (and people, for a person policy) per township, counted by the database.

    Rows ``{"code", "name", "households", "people"}`` in code order; ``people`` is None for a
    household policy. Raises ``ValueError`` (a ``RuleError``) when the policy's rule is not valid.
    """
    from django.db.models import Count
    from django.db.models.functions import Substr

    from shouwang.regions.models import Region

    from .eligibility import eligible

    township = LEVEL_CODE_LENGTH["township"]
    rows = (eligible(policy, year, region).annotate(policy_township=Substr("region_code", 1, township))
            .values("policy_township")
            .annotate(households=Count("household_id", distinct=True), people=Count("member_id"))
            .values_list("policy_township", "households", "people"))
    counted = {code: (households, people) for code, households, people in rows}
    names = dict(Region.objects.filter(code__in=list(counted)).values_list("code", "name"))
    person = policy.subject == "person"
    return [{"code": code, "name": names.get(code, code), "households": households,
             "people": people if person else None} for code, (households, people) in sorted(counted.items())]
