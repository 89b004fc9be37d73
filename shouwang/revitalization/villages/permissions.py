"""Who keeps the village profiles and who sets the county's weak-village threshold.

Village, township and county staff write the profiles in their region; the county officer sets the
threshold below which a village's collective economy is weak. Importing the profiles from a
spreadsheet is for township and county officers. Reading is the base ``view`` action.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.core.permissions import declare

EDIT_PROFILE = declare(
    "revitalization.edit_village_profile", label=_("Write the profile of a village in one's region"),
    roles=(Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY),
    refusal=_("Only village, township and county staff may change a village profile, in their own region."),
)
SET_THRESHOLD = declare(
    "revitalization.set_weak_threshold",
    label=_("Set the county's collective-economy income below which a village is weak"),
    roles=(Role.COUNTY,), levels=("county",),
    refusal=_("Only a county officer may set the threshold."),
)
IMPORT_PROFILES = declare(
    "revitalization.import_village_profiles", label=_("Import village profiles from a spreadsheet"),
    roles=(Role.TOWNSHIP, Role.COUNTY),
)
