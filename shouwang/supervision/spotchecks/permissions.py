"""Who draws a spot check, which spot checks a user sees, and who records a sampled household's result."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.accounts.permissions import VIEW
from shouwang.core.permissions import Scope, declare

DRAW_SPOTCHECK = declare(
    "supervision.draw_spotcheck", label=_("Draw a spot check over one's county"),
    roles=(Role.COUNTY, Role.ADMIN),
    levels=("county", "prefecture", "province"), refusal=_("Only county officers may draw a spot check."),
)
VIEW_SPOTCHECKS = declare("supervision.view_spotchecks",
                          label=_("See the spot checks over one's region or a region containing it"),
                          roles=VIEW.roles, scope=Scope.ON_PATH)
RECORD_SPOTCHECK = declare(
    "supervision.record_spotcheck", label=_("Record what a spot-check visit found"),
    roles=(Role.COUNTY, Role.ADMIN, Role.TOWNSHIP),
    refusal=_("Only county officers and the household's township may record results."),
)
