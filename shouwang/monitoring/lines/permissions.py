"""Who reads and who sets the monitoring lines.

A line belongs to the country (code ""), a province, a prefecture or a county; the lines a user
reads and the administrator edits are those on the path to their region (above it or inside it).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.accounts.permissions import VIEW
from shouwang.core.permissions import Scope, declare

VIEW_LINE = declare(
    "monitoring.view_line", label=_("See the monitoring lines on the path to one's region"), roles=VIEW.roles,
    scope=Scope.ON_PATH,
)
EDIT_LINE = declare(
    "monitoring.edit_line", label=_("Set the monitoring line"), roles=(Role.ADMIN,), scope=Scope.ON_PATH,
    refusal=_("Only the county administrator may change the monitoring line."),
)
