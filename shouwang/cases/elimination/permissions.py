"""Who starts and rolls back a risk elimination, and who identifies an eliminated case again."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.core.permissions import declare

START_ELIMINATION = declare("cases.start_elimination", label=_("Start the risk elimination of a case"),
                            roles=(Role.VILLAGE,))
ROLLBACK_ELIMINATION = declare("cases.rollback_elimination", label=_("Roll back a risk elimination"),
                               roles=(Role.COUNTY, Role.ADMIN))
REIDENTIFY = declare("cases.reidentify", label=_("Identify an eliminated case again for a new risk"),
                     roles=(Role.VILLAGE,))
