"""Template helpers for the site shell: role checks and links to optional pages."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.filter
def can(user, action: str) -> bool:
    """``{% if user|can:"import" %}``: the role's permission, as ``User.can`` decides it."""
    return bool(getattr(user, "is_authenticated", False) and user.can(action))


@register.simple_tag
def optional_url(*names: str) -> str:
    """The first of these URL names that resolves, or ""; for pages other parts may not ship yet."""
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""
