"""Template helpers for the site shell: role checks."""

from __future__ import annotations

from django import template

from shouwang.core.permissions import can

register = template.Library()


@register.filter(name="can")
def can_filter(user, action: str) -> bool:
    """``{% if user|can:"registry.import" %}``: whether the user may do the action at all."""
    return can(user, action)
