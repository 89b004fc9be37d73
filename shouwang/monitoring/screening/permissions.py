"""Who may start screening, and over which region."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.core.permissions import declare

SCREEN = declare(
    "monitoring.screen", label=_("Run screening over one's region or a part of it"),
    roles=(Role.COUNTY, Role.ADMIN),
    refusal=_("Only county officers may run screening, and only in their own region."),
)
