"""The cadre register plugs itself in when Django starts: the case pages' contact source, the audit
log's names for its entries."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def connect() -> None:
    from shouwang.cases.assistance.sources import register_contact_source
    from shouwang.core.audit import register_object_type

    from .services import CONTACT_SOURCE

    register_contact_source(CONTACT_SOURCE)
    register_object_type("revitalization_cadre_import", _("cadre register import"))
    register_object_type("revitalization_cadre_import_report", _("cadre register import report"))
