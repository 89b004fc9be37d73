"""Who keeps the asset ledgers, and who approves a disposal.

Village, township and county staff record assets, checks and incomes in their region and ask for a
disposal; only the county approves or refuses one (国办函〔2021〕51号: disposal by the county's rules).
Importing a ledger is for township and county officers. Reading is the base ``view`` action.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.core.permissions import declare

KEEPERS = (Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY)

MANAGE_ASSETS = declare(
    "revitalization.manage_assets", label=_("Record project assets, their checks and incomes in one's region"),
    roles=KEEPERS, refusal=_("Only village, township and county staff may record assets, in their own region."),
)
REQUEST_DISPOSAL = declare(
    "revitalization.request_asset_disposal", label=_("Ask for the disposal of an asset in one's region"),
    roles=KEEPERS,
)
APPROVE_DISPOSAL = declare(
    "revitalization.approve_asset_disposal", label=_("Approve or refuse the disposal of an asset (county level)"),
    roles=(Role.COUNTY,), levels=("county",),
    refusal=_("Only a county officer may approve or refuse the disposal of an asset."),
)
IMPORT_ASSETS = declare(
    "revitalization.import_assets", label=_("Import an asset ledger from a spreadsheet"),
    roles=(Role.TOWNSHIP, Role.COUNTY),
)
