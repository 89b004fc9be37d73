"""Who deals with self-reports (link to a household, dismiss); everyone who reads sees them ("view")."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.permissions import STAFF_ROLES
from shouwang.core.permissions import declare

HANDLE_SELFREPORT = declare(
    "monitoring.handle_selfreport", label=_("Link or dismiss the self-reports of one's region"),
    roles=STAFF_ROLES, refusal=_("You may not act on this report."),
)
