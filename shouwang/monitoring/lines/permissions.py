"""Who reads and who sets the monitoring lines.

A line belongs to the country (code ""), a province, a prefecture or a county; the lines a user
reads are those on the path to their region (above it or inside it). A county's administrator
sets the lines of the county (its own region or inside it); the lines wider than a county (the
province's, a prefecture's, the national line), which other counties use too, are set only by a
province-level administrator, on the path to their province.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.accounts.permissions import VIEW
from shouwang.core.permissions import Scope, can, declare, region_of
from shouwang.core.regioncodes import LEVEL_CODE_LENGTH

COUNTY_LENGTH = LEVEL_CODE_LENGTH["county"]

VIEW_LINE = declare(
    "monitoring.view_line", label=_("See the monitoring lines on the path to one's region"), roles=VIEW.roles,
    scope=Scope.ON_PATH,
)
EDIT_WIDER_LINE = declare(
    "monitoring.edit_wider_line", label=_("Set the province's, a prefecture's and the national monitoring line"),
    roles=(Role.ADMIN,), levels=("province",), scope=Scope.ON_PATH,
    refusal=_("Only a province-level administrator may change the province's or the national monitoring line."),
)


def is_wider_line(code: str) -> bool:
    """A line wider than a county (national, province, prefecture): other counties use it too."""
    return len(code or "") < COUNTY_LENGTH


def _own_or_wider_as_province(user: Any, obj: Any) -> bool:
    code = region_of(obj)
    if code is None:  # may the user set lines at all
        return True
    if is_wider_line(code):
        return can(user, EDIT_WIDER_LINE.name, code)
    return code.startswith(user.scope_prefix)


EDIT_LINE = declare(
    "monitoring.edit_line", label=_("Set the monitoring line"), roles=(Role.ADMIN,), scope=Scope.ON_PATH,
    condition=_own_or_wider_as_province,
    condition_label=_("a county's line in one's own region; a wider line only with monitoring.edit_wider_line"),
    refusal=_("Only the county administrator may change the monitoring line."),
)


def line_refusal(code: str) -> Any:
    """What a refused user is told about the line of ``code``."""
    return EDIT_WIDER_LINE.refusal if is_wider_line(code) else EDIT_LINE.refusal
