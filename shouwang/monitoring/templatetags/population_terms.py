"""``{% term_for year region_code %}``: the name of the monitored population in force (lines/terms.py)."""

from __future__ import annotations

from django import template

from shouwang.monitoring.lines.terms import term_for as _term_for

register = template.Library()


@register.simple_tag
def term_for(year, region_code: str = "") -> str:
    try:
        year = int(getattr(year, "year", year))
    except (TypeError, ValueError):
        return ""
    return _term_for(year, region_code or "")
