"""Who reads the cadre register, who keeps it, records days in the village and trainings, imports it,
sets the county's limits, and sees its people's ID and phone numbers in clear."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.accounts.permissions import VIEW
from shouwang.core.permissions import declare

KEEPING_ROLES = (Role.TOWNSHIP, Role.COUNTY)


def _holds_unmask_grant(user: Any, obj: Any) -> bool:
    return bool(user.has_perm("accounts.unmask_personal_data"))


VIEW_CADRES = declare("revitalization.view_cadres", label=_("See the cadre and talent register of one's region"),
                      roles=VIEW.roles)
EDIT_CADRES = declare(
    "revitalization.edit_cadres", label=_("Add and change people in the cadre and talent register"),
    roles=KEEPING_ROLES, refusal=_("Only township and county officers keep the cadre register."),
)
RECORD_ATTENDANCE = declare(
    "revitalization.record_attendance", label=_("Record a resident cadre's days in the village"),
    roles=(Role.VILLAGE, *KEEPING_ROLES),
)
EDIT_TRAININGS = declare("revitalization.edit_trainings", label=_("Record trainings and who attended"),
                         roles=KEEPING_ROLES)
IMPORT_CADRES = declare(
    "revitalization.import_cadres", label=_("Import the cadre and talent register from a spreadsheet"),
    roles=KEEPING_ROLES,
)
EDIT_SETTINGS = declare(
    "revitalization.edit_cadre_settings",
    label=_("Set the county's limits for the cadre checks (households per contact, days in the village)"),
    roles=(Role.COUNTY,), levels=("county",), refusal=_("Only a county officer sets the county's limits."),
)
# The grant (add_user --unmask) decides, as for the registry: whoever holds it logs in with two factors.
UNMASK_CADRE = declare(
    "revitalization.unmask_cadre", label=_("See the full ID and phone numbers of the cadre register (with a reason)"),
    roles=Role.values, condition=_holds_unmask_grant,
    condition_label=_("and holds the grant to view unmasked personal data"),
    refusal=_("You may not view unmasked personal data."),
)
