"""Who sends policy gaps to the villages' warning queues (everyone who views reads the gaps)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.core.permissions import declare

RAISE_GAP_WARNINGS = declare(
    "revitalization.raise_gap_warnings",
    label=_("Send a policy's gaps to the villages' warning queues (one warning per household)"),
    roles=(Role.COUNTY, Role.ADMIN, Role.TOWNSHIP), levels=("county", "township"),
    refusal=_("Only county and township officers may send policy gaps to the warning queues."),
)
