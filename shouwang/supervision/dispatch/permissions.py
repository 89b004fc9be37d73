"""Who sends tasks down, closes them, reads an inbox and answers it.

Sending is always downwards (``services.target_regions`` lists the regions one or two levels
below the sender's); a task is closed by the region that sent it, and answered by a user of the
receiving region itself, at its level (not a county officer passing by).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.accounts.permissions import VIEW
from shouwang.core.permissions import Scope, declare, home_region
from shouwang.core.regioncodes import level_of

ISSUING_ROLES = (Role.COUNTY, Role.ADMIN, Role.TOWNSHIP)
ISSUING_LEVELS = ("county", "township")
# The role that answers for a receiving region of each level.
ANSWERING_ROLE = {"township": Role.TOWNSHIP, "village": Role.VILLAGE}


def _answers_for_its_level(user: Any, obj: Any) -> bool:
    return ANSWERING_ROLE.get(level_of(home_region(user)) or "") == str(user.role)


ISSUE_DISPATCH = declare(
    "supervision.issue_dispatch", label=_("Send a task or notice to the regions below"), roles=ISSUING_ROLES,
    levels=ISSUING_LEVELS, refusal=_("Only county and township officers may send tasks, and only downwards."),
)
CLOSE_DISPATCH = declare(
    "supervision.close_dispatch", label=_("Close a task one's region sent"), roles=ISSUING_ROLES,
    levels=ISSUING_LEVELS, scope=Scope.OWN, refusal=_("Only the region that sent the task may close it."),
)
READ_DISPATCH_INBOX = declare(
    "supervision.read_dispatch_inbox", label=_("Read what one's own region was sent"), roles=VIEW.roles,
    scope=Scope.OWN,
)
ANSWER_DISPATCH = declare(
    "supervision.answer_dispatch", label=_("Acknowledge and report done a task sent to one's own region"),
    roles=tuple(ANSWERING_ROLE.values()), levels=tuple(ANSWERING_ROLE), scope=Scope.OWN,
    condition=_answers_for_its_level,
    condition_label=_("and the user's role answers for its level (a township officer for a township, a "
                      "village cadre for a village)"),
    refusal=_("Only a user of the receiving region, at its level, may answer this task."),
)
