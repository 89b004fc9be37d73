"""Changing the screening rules: checked, versioned and logged.

Like a line (``shouwang.monitoring.lines.services``), each save lands in the change log; rules
also keep a ``RuleVersion`` copy per change, because warnings cite the exact version that raised
them.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shouwang.core.audit import Change, record_changes
from shouwang.core.permissions import require

from ..lines.services import _acting, _snapshot
from .compiler import RuleError, check_parameters, compile_expression
from .models import Rule, RuleVersion
from .permissions import EDIT_RULE

RULE_FIELDS = (
    "code", "name_zh", "name_en", "risk_type", "severity", "expression", "parameters", "description", "active",
)
RULE_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")


def validate_rule(rule: Rule) -> None:
    """Raise ``ValidationError`` naming the field: bad code, bad expression or bad parameters."""
    if not RULE_CODE.match(rule.code or ""):
        raise ValidationError({"code": _("A rule code is 2–40 capital letters, digits and _, starting with a letter.")})
    try:
        check_parameters(rule.parameters)
    except RuleError as exc:
        raise ValidationError({"parameters": str(exc)}) from exc
    try:
        compile_expression(rule.expression, rule.parameters)
    except RuleError as exc:
        raise ValidationError({"expression": str(exc)}) from exc
    rule.full_clean(exclude=["version"])


def save_rule(rule: Rule, user) -> Rule:
    """Validate, bump the version when something changed and keep a copy of what was saved."""
    require(user, EDIT_RULE.name)
    validate_rule(rule)
    with transaction.atomic(), _acting(user):
        before = None
        if rule.pk:
            old = Rule.objects.select_for_update().get(pk=rule.pk)
            before = _snapshot(old, RULE_FIELDS)
            if before == _snapshot(rule, RULE_FIELDS):
                return rule
            rule.version = old.version + 1
        else:
            rule.version = 1
        rule.save()
        RuleVersion.objects.create(
            rule=rule, code=rule.code, version=rule.version, name_zh=rule.name_zh, name_en=rule.name_en,
            risk_type=rule.risk_type, severity=rule.severity, expression=rule.expression, parameters=rule.parameters,
            active=rule.active, changed_by=user if getattr(user, "pk", None) else None,
        )
        after = _snapshot(rule, RULE_FIELDS) | {"version": rule.version}
        record_changes([Change(
            action="update" if before else "create", object_type="monitoring.rule", object_id=rule.pk,
            object_repr=rule.code, before=before, after=after,
        )])
    return rule
