"""Who records assistance on a case, and who sees the assistance contacts' full phone numbers."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.permissions import VIEW
from shouwang.cases.procedure.permissions import ACTING_ROLES
from shouwang.core.permissions import declare


def _may_unmask(user: Any, obj: Any) -> bool:
    return bool(user.can_unmask)


ADD_MEASURE = declare("cases.add_measure", label=_("Record an assistance measure on a case"),
                      roles=ACTING_ROLES)
ADD_CONTACT = declare("cases.add_contact", label=_("Record an assistance contact on a case"),
                      roles=ACTING_ROLES)
UNMASK_CONTACT = declare(
    "cases.unmask_contact", label=_("See the assistance contacts' full phone numbers (with a reason)"),
    roles=VIEW.roles, condition=_may_unmask,
    condition_label=_("and holds the grant to view unmasked personal data"),
    refusal=_("You may not view unmasked personal data."),
)
