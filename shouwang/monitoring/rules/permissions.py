"""Who reads and who changes the screening rules (they hold for the whole deployment)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.accounts.permissions import VIEW
from shouwang.core.permissions import Scope, declare
from shouwang.regions.models import Region

# A rule has no region of its own (``Rule.region_code`` is "", the country): it lies on the path
# to every region, so everyone who reads reads every rule.
VIEW_RULE = declare(
    "monitoring.view_rule", label=_("See the screening rules and their versions"), roles=VIEW.roles,
    scope=Scope.ON_PATH,
)


def _holds_the_whole_deployment(user: Any, obj: Any) -> bool:
    """A rule holds for every county of the deployment: its administrator changes it only where
    their region holds them all (the county of a one-county deployment, else the province)."""
    prefix = user.scope_prefix
    return not Region.objects.filter(level=Region.Level.COUNTY).exclude(code__startswith=prefix).exists()


EDIT_RULE = declare(
    "monitoring.edit_rule", label=_("Change the screening rules"), roles=(Role.ADMIN,), scope=Scope.ON_PATH,
    condition=_holds_the_whole_deployment,
    condition_label=_("whose region holds every county of the deployment (the rules hold for all of them)"),
    refusal=_("Only the county administrator may change screening rules."),
)
