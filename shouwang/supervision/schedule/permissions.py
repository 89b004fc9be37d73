"""Who sees the schedule of the periodic jobs and the working-day calendar, and who changes them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.core.permissions import declare

# The periodic jobs run over the whole county: the county's officers watch them.
VIEW_SCHEDULE = declare(
    "supervision.view_schedule", label=_("See the periodic jobs and the working-day calendar"),
    roles=(Role.COUNTY, Role.ADMIN),
    refusal=_("Only county officers and the county administrator see the periodic jobs."),
)
# Their times, "run now" and the county's working-day overrides are the administrator's.
MANAGE_SCHEDULE = declare(
    "supervision.manage_schedule", label=_("Change the times of the periodic jobs and run them now"),
    roles=(Role.ADMIN,),
    refusal=_("Only the county administrator changes the periodic jobs."),
)
MANAGE_CALENDAR = declare(
    "supervision.manage_calendar", label=_("Set the county's days off and days worked"),
    roles=(Role.ADMIN,),
    refusal=_("Only the county administrator changes the working-day calendar."),
)
