"""Who sets the scorecard weights and computes scorecards (reading them is the base action ``view``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.accounts.permissions import VIEW
from shouwang.core.permissions import Scope, declare, region_of
from shouwang.core.regioncodes import level_of


def _a_county(user: Any, obj: Any) -> bool:
    """Asked about a region: it is a county (weights and scorecards are a county's)."""
    return obj is None or level_of(region_of(obj)) == "county"


# A scorecard page of a region inside one's own, or of the region one's own lies in (a village
# cadre reads their township's villages ranked); the rows themselves are restricted by ``view``.
VIEW_SCORECARD = declare(
    "supervision.view_scorecard", label=_("Read the scorecard of a region on the path to one's own"),
    roles=VIEW.roles, scope=Scope.ON_PATH,
)
MANAGE_ASSESSMENT = declare(
    "supervision.manage_assessment", label=_("Set the scorecard weights and compute scorecards"),
    roles=(Role.COUNTY, Role.ADMIN), levels=("county", "prefecture", "province"), condition=_a_county,
    condition_label=_("and, asked of a region, the region is a county"),
    refusal=_("Only county officers and the county administrator set the scorecard weights."),
)
