"""Page panels: later parts add a section to an earlier part's page without being imported by it.

DESIGN.md: dependencies run one way, so the registry's household page cannot ask the cases
part for the household's cases, and the monitoring warning page cannot link to a case form.
Instead a later part registers a panel for a named slot (``"registry.household"``,
``"monitoring.warning"``), and the page renders whatever is registered with
``{% load page_panels %}{% page_panels "registry.household" household %}``.

A panel is a callable ``(request, obj) -> (template_name, context) | None``; ``None`` means
"nothing to show here" (e.g. the user may not see it). Panels decide scope themselves and
must go through ``restrict`` like every other query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

Panel = Callable[[HttpRequest, Any], tuple[str, dict[str, Any]] | None]

_PANELS: dict[str, dict[str, Panel]] = {}


def register(slot: str, key: str, panel: Panel) -> Panel:
    """Add (or replace, by ``key``) a panel for a slot; idempotent, so importing twice is harmless."""
    _PANELS.setdefault(slot, {})[key] = panel
    return panel


def panels_for(slot: str) -> list[Panel]:
    return list(_PANELS.get(slot, {}).values())


def render_panels(slot: str, request: HttpRequest, obj: Any) -> SafeString:
    """The HTML of every panel that has something to show, in registration order."""
    parts = []
    for panel in panels_for(slot):
        found = panel(request, obj)
        if found is None:
            continue
        template_name, context = found
        parts.append(render_to_string(template_name, context, request=request))
    return mark_safe("".join(parts))  # each part was rendered (and escaped) by its own template
