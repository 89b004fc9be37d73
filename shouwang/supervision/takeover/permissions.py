"""Who takes over national records, gives them back, keeps the synonym table and works the
reconciliation list (the list itself is read under ``view``, by region)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.core.permissions import declare

# A household is written only where its village lies in the administrator's region.
IMPORT_NATIONAL = declare(
    "supervision.import_national", label=_("Take over records from the national system"),
    roles=(Role.ADMIN,), levels=("county",),
    refusal=_("Only the county administrator may take over records from the national system."),
)
EXPORT_NATIONAL = declare(
    "supervision.export_national", label=_("Export records in the national system's layout"),
    roles=(Role.TOWNSHIP, Role.COUNTY, Role.ADMIN),
    refusal=_("Only township and county officers may export in the national layout."),
)
# The synonym table is county-wide: who reads the county's data at county level may read it.
VIEW_SYNONYMS = declare(
    "supervision.view_national_synonyms", label=_("See the synonyms of national headers and labels"),
    roles=(Role.COUNTY, Role.ADMIN, Role.LEADER, Role.AUDITOR), levels=("county",),
    refusal=_("Only county-level users see the synonym table."),
)
MANAGE_SYNONYMS = declare(
    "supervision.manage_national_synonyms", label=_("Keep the synonyms of national headers and labels"),
    roles=(Role.ADMIN,), levels=("county",),
    refusal=_("Only the county administrator may change the synonym table."),
)
RESOLVE_RECONCILIATION = declare(
    "supervision.resolve_reconciliation", label=_("Mark a reconciliation item as resolved"),
    roles=(Role.TOWNSHIP, Role.COUNTY, Role.ADMIN),
    refusal=_("Only township and county officers may resolve reconciliation items."),
)
