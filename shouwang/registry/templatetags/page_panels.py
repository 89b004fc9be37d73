"""``{% page_panels "slot" obj %}``: the sections later parts registered for a page (see registry.panels)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from shouwang.registry.panels import render_panels

register = template.Library()


@register.simple_tag(takes_context=True)
def page_panels(context: dict[str, Any], slot: str, obj: Any) -> SafeString | str:
    request = context.get("request")
    if request is None:
        return ""
    return render_panels(slot, request, obj)
