"""Template helpers for the site shell: role checks."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def can(user, action: str) -> bool:
    """``{% if user|can:"import" %}``: the role's permission, as ``User.can`` decides it."""
    return bool(getattr(user, "is_authenticated", False) and user.can(action))
