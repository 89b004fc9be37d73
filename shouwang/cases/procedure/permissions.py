"""Who acts on a case's procedure, and who reads and changes the procedures' time limits.

``cases.complete_step`` is the question "may this user act on this case (or this step)": staff
of the village, township and county levels whose region holds the case; on a step, only at the
step's own level (which level acts on which step is the procedure's declaration,
``declarations.DECLARATIONS``). The narrower actions (withdrawing, an objection, an elimination)
say which levels take them; the engine asks ``can`` before each.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.accounts.permissions import VIEW
from shouwang.core.permissions import Scope, can, declare, region_of
from shouwang.core.regioncodes import LEVEL_CODE_LENGTH

from .declarations import LEVEL_OF_ROLE
from .models import Step

# The roles that act at a procedure level (village, township, county): the others never act.
ACTING_ROLES = tuple(LEVEL_OF_ROLE)


def _at_own_level(user: Any, obj: Any) -> bool:
    """On a step: the step's level is the one the user's role acts at; on anything else: yes."""
    return not isinstance(obj, Step) or obj.level == LEVEL_OF_ROLE.get(str(user.role))


COMPLETE_STEP = declare(
    "cases.complete_step", label=_("Act on a case's procedure (complete a step of one's own level)"),
    roles=ACTING_ROLES, condition=_at_own_level,
    condition_label=_("and, on a step, the step's level is the user's (village, township or county)"),
    refusal=_("Only village, township and county staff whose region holds the case may act on it."),
)
WITHDRAW = declare("cases.withdraw", label=_("Withdraw a case's procedure"),
                   roles=(Role.VILLAGE, Role.TOWNSHIP))
OBJECT = declare("cases.object", label=_("Record an objection to a public notice"),
                 roles=(Role.VILLAGE, Role.TOWNSHIP))
VIEW_PROCEDURE_SETTINGS = declare(
    "cases.view_procedure_settings", label=_("Read the procedures' time limits that bear on one's region"),
    roles=VIEW.roles, scope=Scope.ON_PATH,
)
EDIT_WIDER_PROCEDURE_SETTINGS = declare(
    "cases.edit_wider_procedure_settings",
    label=_("Change the procedures' time limits of a province, a prefecture or everywhere"),
    roles=(Role.ADMIN,), levels=("province",), scope=Scope.ON_PATH,
    refusal=_("Only a province-level administrator may change time limits that hold beyond one county."),
)


def _own_or_wider_as_province(user: Any, obj: Any) -> bool:
    """A county's settings (or a township's inside it) in one's own region; settings wider than a
    county ("" everywhere, a province, a prefecture), which other counties use, only by a
    province-level administrator."""
    code = region_of(obj)
    if code is None:  # may the user change settings at all
        return True
    if len(code) < LEVEL_CODE_LENGTH["county"]:
        return can(user, EDIT_WIDER_PROCEDURE_SETTINGS.name, code)
    return code.startswith(user.scope_prefix)


EDIT_PROCEDURE_SETTINGS = declare(
    "cases.edit_procedure_settings", label=_("Change the procedures' time limits"), roles=(Role.ADMIN,),
    scope=Scope.ON_PATH, condition=_own_or_wider_as_province,
    condition_label=_("one's own county's limits; wider ones only with cases.edit_wider_procedure_settings"),
    refusal=_("Only the county administrator may change the procedures' time limits."),
)
