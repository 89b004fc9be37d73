"""Who reads the normalised mechanism's pages, who sets the county's terms, standards and exit
conditions, and who decides on the ex-poor label.

Everyone who reads their region's data sees the pages for their region (a township or village its
own households and layers); the county's settings and the decisions on the ex-poor label are the
county's (county officers and the county administrator, at county level).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.accounts.permissions import VIEW
from shouwang.core.permissions import Scope, declare

VIEW_MECHANISM = declare(
    "revitalization.view_mechanism",
    label=_("See the normalised mechanism of one's region: terms, standards, layers, ex-poor label candidates"),
    roles=VIEW.roles, scope=Scope.ON_PATH,
)
EDIT_MECHANISM = declare(
    "revitalization.edit_mechanism",
    label=_("Set the county's term, identification standard and exit conditions of a year"),
    roles=(Role.COUNTY, Role.ADMIN), levels=("county",),
    refusal=_("Only county officers set the county's terms, standards and exit conditions."),
)
DECIDE_LABEL_EXIT = declare(
    "revitalization.decide_label_exit",
    label=_("Decide whether an ex-poor household leaves the ex-poor label"),
    roles=(Role.COUNTY, Role.ADMIN), levels=("county",),
    refusal=_("Only county officers decide on the ex-poor label."),
)
