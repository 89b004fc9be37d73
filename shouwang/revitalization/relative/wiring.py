"""What relative poverty plugs in when Django starts (called from ``RevitalizationConfig.ready``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def connect() -> None:
    from shouwang.core.audit import register_object_type

    # The exports of the figures are logged under this name (shouwang/supervision/exports/revitalization_relative.py).
    register_object_type("revitalization.relative_poverty", _("relative-poverty figures"))
    register_object_type("revitalization.relativelineshares", None, fields={"year": _("year")})
