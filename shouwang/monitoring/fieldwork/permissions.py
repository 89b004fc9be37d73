"""Who records visits, who launches and closes campaigns, and who sees a campaign."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.accounts.permissions import STAFF_ROLES, VIEW
from shouwang.core.permissions import Scope, declare

RECORD_VISIT = declare(
    "monitoring.record_visit", label=_("Record visits to households of one's region and see the visit tasks"),
    roles=STAFF_ROLES,
)
LAUNCH_CAMPAIGN = declare(
    "monitoring.launch_campaign", label=_("Launch and close screening campaigns in one's region"),
    roles=(Role.COUNTY, Role.ADMIN),
    refusal=_("Only county officers may launch a campaign, and only in their own region."),
)
# A county campaign concerns every village of the county: a village cadre sees it too.
VIEW_CAMPAIGN = declare(
    "monitoring.view_campaign", label=_("See the campaigns over, within or around one's region"),
    roles=VIEW.roles, scope=Scope.ON_PATH,
)
