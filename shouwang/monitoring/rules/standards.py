"""The county's identification standard of a year (认定标准): which rules screening runs that year.

2026 No.1 Document §(八) asks counties to set the identification standard of 防止返贫致贫对象 and
to standardise how it changes. In Shouwang a county records, per year, the screening rules that
count as its standard (:class:`~.models.IdentificationStandard`); the county decides, the
documents give no list. Screening of a year asks :func:`rules_for_year`:

* no standard for the year in the screened region: the active rules, as before;
* the screened region lies in a county with a standard: exactly the standard's rules (active or not);
* a wider region (several counties, some with a standard): each rule runs only where it applies
  (a county's standard lists it; a county without a standard: it is active), written into the
  rule's condition as region prefixes, so the one query stays one query.
"""

from __future__ import annotations

from dataclasses import replace
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from shouwang.core.audit import Change, record_changes

from .compiler import CompiledRule, RuleError, compile_expression
from .models import IdentificationStandard, Rule

COUNTY_LENGTH = 6


def standards_of_year(year: int, region: str = "") -> dict[str, set[int]]:
    """The year's standards touching ``region`` (a code prefix; "" everywhere): county → rule ids."""
    found: dict[str, set[int]] = {}
    for standard in IdentificationStandard.objects.filter(year=year).prefetch_related("rules"):
        code = standard.region_code
        if code.startswith(region) or region.startswith(code):
            found[code] = {rule.pk for rule in standard.rules.all()}
    return found


def _in_any(codes) -> Q:
    return reduce(or_, (Q(region_code__startswith=code) for code in sorted(codes)))


def rules_for_year(year: int, region: str = "",
                   notes: list[str] | None = None) -> tuple[list[Rule], dict[int, CompiledRule]]:
    """The rules to screen ``year`` with in ``region`` and their compiled conditions (see the module)."""
    standards = standards_of_year(year, region)
    inside = next((code for code in standards if region.startswith(code)), None)
    if inside is not None:
        wanted = Q(pk__in=sorted(standards[inside]))
    elif standards:
        wanted = Q(active=True) | Q(pk__in=sorted(set().union(*standards.values())))
    else:
        wanted = Q(active=True)
    rules, compiled = [], {}
    for rule in Rule.objects.filter(wanted).order_by("code"):
        try:
            condition = compile_expression(rule.expression, rule.parameters)
        except RuleError as exc:
            if notes is not None:
                notes.append(_("Rule %(code)s was skipped: %(error)s") % {"code": rule.code, "error": exc})
            continue
        if standards and inside is None:
            applies = {code for code, ids in standards.items() if rule.pk in ids}
            where = _in_any(applies) if applies else None
            if rule.active:
                elsewhere = ~_in_any(standards)
                where = elsewhere if where is None else where | elsewhere
            condition = replace(condition, condition=condition.condition & where)
        compiled[rule.pk] = condition
        rules.append(rule)
    if standards and notes is not None:
        notes.append(_("The identification standard of %(year)d set by %(counties)s decides the rules there.")
                     % {"year": year, "counties": ", ".join(sorted(standards))})
    return rules, compiled


def set_standard(county: str, year: int, rule_ids, *, note: str = "", user=None) -> IdentificationStandard | None:
    """Record the county's standard for a year (change log); no rules removes it (screening as before)."""
    ids = sorted({int(pk) for pk in rule_ids})
    with transaction.atomic():
        existing = IdentificationStandard.objects.filter(region_code=county, year=year).first()
        before = ({"rules": sorted(existing.rules.values_list("code", flat=True)), "note": existing.note}
                  if existing else None)
        if not ids:
            if existing:
                existing.delete()
                record_changes([Change(action="delete", object_type="monitoring.identificationstandard",
                                       object_id=f"{county}:{year}", object_repr=f"{county} {year}",
                                       region_code=county, before=before)])
            return None
        standard, _created = IdentificationStandard.objects.update_or_create(
            region_code=county, year=year,
            defaults={"note": note, "changed_by": user if getattr(user, "pk", None) else None},
        )
        standard.rules.set(Rule.objects.filter(pk__in=ids))
        record_changes([Change(
            action="update" if existing else "create", object_type="monitoring.identificationstandard",
            object_id=f"{county}:{year}", object_repr=f"{county} {year}", region_code=county, before=before,
            after={"rules": sorted(standard.rules.values_list("code", flat=True)), "note": note},
        )])
    return standard
