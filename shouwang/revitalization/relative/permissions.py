"""Who reads the relative-poverty figures and who sets the county's shares of the median.

The figures of a region are read by whoever reads that region's data (the base action ``view``:
a township officer their township and its villages, a village cadre their village); the page and
the API are declared with ``VIEW_RELATIVE``, whose scope is the path (a township officer reads the
county's relative lines and median, which are the county's, as they read the county's monitoring
line). The shares are a county-owned setting like the scorecard weights: set by the county's
officers, at the county, for a county.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.accounts.permissions import VIEW
from shouwang.core.permissions import Scope, declare, region_of
from shouwang.core.regioncodes import level_of


def _a_county(user: Any, obj: Any) -> bool:
    """Asked about a region: it is a county (the shares are a county's)."""
    return obj is None or level_of(region_of(obj)) == "county"


VIEW_RELATIVE = declare(
    "revitalization.view_relative_poverty",
    label=_("Read the relative-poverty figures of one's region and the county's relative lines"),
    roles=VIEW.roles, scope=Scope.ON_PATH,
)
EDIT_SHARES = declare(
    "revitalization.edit_relative_shares", label=_("Set the county's shares of the median for the relative lines"),
    roles=(Role.COUNTY,), levels=("county",), condition=_a_county,
    condition_label=_("and, asked of a region, the region is a county"),
    refusal=_("Only the county's officers set the shares of the relative lines."),
)
