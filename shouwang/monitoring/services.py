"""Changing the monitoring line and the screening rules: checked, versioned and logged.

History of a line is the change log (``shouwang.core.audit``): each save writes one
before/after entry in the same transaction, chained by hashes like every other change, so
the line needs no history table of its own. Rules keep a ``RuleVersion`` copy per change as
well, because warnings cite the exact version that raised them.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from shouwang.accounts.models import Role
from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.models import ChangeLog

from .models import MonitoringLine, Rule, RuleVersion
from .models.lines import candidate_codes
from .rules import RuleError, check_parameters, compile_expression

LINE_FIELDS = ("year", "region_code", "amount", "basis", "document_number", "source")
RULE_FIELDS = (
    "code", "name_zh", "name_en", "risk_type", "severity", "expression", "parameters", "description", "active",
)
_JSON_TYPES = (str, int, bool, dict, list, type(None))
RULE_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")


def _snapshot(obj, fields: tuple[str, ...]) -> dict:
    data = {name: getattr(obj, name) for name in fields}
    return {k: (v if isinstance(v, _JSON_TYPES) else str(v)) for k, v in data.items()}


def _acting(user):
    """Attribute the change to ``user`` unless a request or command already says who acts."""
    return acting_unless_known(user, "monitoring")


def may_edit(user, region_code: str = "") -> bool:
    """The county administrator edits lines and rules; a line only on the path to their region."""
    if user is None or not getattr(user, "is_active", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    prefix = user.scope_prefix or ""
    on_path = prefix.startswith(region_code) or region_code.startswith(prefix)
    return user.role == Role.ADMIN and bool(prefix) and on_path


def save_line(line: MonitoringLine, user) -> MonitoringLine:
    """Validate and save a line, recording before and after in the change log."""
    line.full_clean()
    if not may_edit(user, line.region_code or ""):
        raise PermissionDenied(_("Only the county administrator may change the monitoring line."))
    with transaction.atomic(), _acting(user):
        before = None
        if line.pk:
            old = MonitoringLine.objects.select_for_update().get(pk=line.pk)
            if not may_edit(user, old.region_code):
                raise PermissionDenied(_("Only the county administrator may change the monitoring line."))
            before = _snapshot(old, LINE_FIELDS)
        line.changed_by = user if getattr(user, "pk", None) else None
        line.save()
        line.refresh_from_db(fields=list(LINE_FIELDS))
        after = _snapshot(line, LINE_FIELDS)
        if before != after:
            record_changes([Change(
                action="update" if before else "create", object_type="monitoring.monitoringline", object_id=line.pk,
                object_repr=str(line), region_code=line.region_code, before=before, after=after,
            )])
    return line


def line_history(line: MonitoringLine) -> QuerySet[ChangeLog]:
    """Every recorded change of a line, newest first."""
    return ChangeLog.objects.filter(object_type="monitoring.monitoringline", object_id=str(line.pk)).order_by("-id")


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
    if not may_edit(user):
        raise PermissionDenied(_("Only the county administrator may change screening rules."))
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


def lines_for(user) -> QuerySet[MonitoringLine]:
    """The lines a user reads: those on the path to their region (national, province, prefecture,
    county) and any inside it. Lines carry no personal data; a role without "view" sees none."""
    if not getattr(user, "is_authenticated", False) or not user.can("view") or not user.scope_prefix:
        return MonitoringLine.objects.none()
    prefix = user.scope_prefix
    return MonitoringLine.objects.filter(
        Q(region_code__in=candidate_codes(prefix)) | Q(region_code__startswith=prefix)
    ).select_related("changed_by").order_by("-year", "region_code")
