"""Who reads and who keeps a county's policy catalogue.

A policy belongs to its county (``Policy.region_code``): everyone in the county reads the county's
policies, the departments that run them too (they lie on the path to a township's or a village's
region), and only the county's own officers and administrator, working at the county level,
create and change them; another county's officers do not, nor do officers above the county.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.accounts.permissions import VIEW
from shouwang.core.permissions import Scope, declare

VIEW_POLICY = declare(
    "revitalization.view_policy", label=_("See the county's policy catalogue and who is eligible"),
    roles=(*VIEW.roles, Role.DEPARTMENT), scope=Scope.ON_PATH,
)
MANAGE_POLICY = declare(
    "revitalization.manage_policy", label=_("Create and change the county's policies"),
    roles=(Role.COUNTY, Role.ADMIN), levels=("county",), scope=Scope.WITHIN,
    refusal=_("Only the county's own officers may change its policies."),
)
