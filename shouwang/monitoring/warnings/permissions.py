"""Who may move a warning (verify, dismiss, escalate); everyone who reads sees it ("view")."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.core.permissions import declare

ACT_ON_WARNING = declare(
    "monitoring.act_on_warning", label=_("Verify, dismiss or escalate a warning of one's region"),
    roles=(Role.VILLAGE, Role.TOWNSHIP),
    refusal=_("Only village and township staff of the warning's region may act on it."),
)
