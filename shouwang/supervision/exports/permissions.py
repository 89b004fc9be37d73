"""Who exports lists, and who exports them with full ID and phone numbers."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.permissions import VIEW
from shouwang.core.permissions import declare


def _may_unmask(user: Any, obj: Any) -> bool:
    return bool(user.can_unmask)


EXPORT = declare("supervision.export", label=_("Export the lists of one's region"), roles=VIEW.roles,
                 refusal=_("You may not export this list."))
EXPORT_UNMASKED = declare(
    "supervision.export_unmasked", label=_("Export lists with full ID and phone numbers (with a reason)"),
    roles=VIEW.roles, condition=_may_unmask,
    condition_label=_("and holds the grant to view unmasked personal data"),
    refusal=_("You may not export unmasked personal data."),
)
