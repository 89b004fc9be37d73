"""Who reads and who changes the screening rules (they hold for the whole deployment)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.accounts.permissions import VIEW
from shouwang.core.permissions import Scope, declare

# A rule has no region of its own (``Rule.region_code`` is "", the country): it lies on the path
# to every region, so everyone who reads reads every rule.
VIEW_RULE = declare(
    "monitoring.view_rule", label=_("See the screening rules and their versions"), roles=VIEW.roles,
    scope=Scope.ON_PATH,
)
EDIT_RULE = declare(
    "monitoring.edit_rule", label=_("Change the screening rules"), roles=(Role.ADMIN,), scope=Scope.ON_PATH,
    refusal=_("Only the county administrator may change screening rules."),
)
