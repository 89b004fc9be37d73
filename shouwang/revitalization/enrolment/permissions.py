"""Who records policy enrolments by hand, and who derives them again from feeds and measures."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.accounts.permissions import CHANGE
from shouwang.core.permissions import declare

RECORD_ENROLMENT = declare(
    "revitalization.record_enrolment", label=_("Record, correct or remove a policy enrolment by hand"),
    roles=CHANGE.roles, refusal=_("Only staff of the household's region may record its policy enrolments."),
)
SYNC_ENROLMENTS = declare(
    "revitalization.sync_enrolments",
    label=_("Derive policy enrolments again from department feeds and assistance measures"),
    roles=(Role.COUNTY, Role.ADMIN), levels=("county",),
    refusal=_("Only county officers may derive enrolments again."),
)
