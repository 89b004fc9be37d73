"""Who may import the registry spreadsheet, and into which villages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.core.permissions import declare

# A household is written only where the village lies in the importer's region.
IMPORT = declare(
    "registry.import", label=_("Import registry spreadsheets"),
    roles=(Role.TOWNSHIP, Role.COUNTY, Role.ADMIN),
)
