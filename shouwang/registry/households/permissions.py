"""Who may see personal numbers in clear: the unmask with a reason, and the logged phone reveal."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.core.permissions import declare


def _holds_unmask_grant(user: Any, obj: Any) -> bool:
    return bool(user.has_perm("accounts.unmask_personal_data"))


# Any role may be given the grant; the grant (a Django permission set by ``add_user --unmask``)
# decides, and the reveal is still limited to the user's region and logged with its reason.
UNMASK = declare(
    "registry.unmask", label=_("View unmasked personal data (with a reason)"), roles=Role.values,
    condition=_holds_unmask_grant, condition_label=_("and holds the grant to view unmasked personal data"),
    refusal=_("You may not view unmasked personal data."),
)

# A cadre must be able to phone the households of their region (the self-report page promises a
# call): the full phone number is one click away, logged, with no reason to type. ID numbers
# stay behind the unmask grant above.
REVEAL_PHONE = declare(
    "registry.reveal_phone", label=_("See the full phone numbers of one's region's households (logged)"),
    roles=(Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY),
    refusal=_("You may not see full phone numbers."),
)
