"""Who runs the data-quality checks, and which runs a user reads (the findings are under ``view``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.accounts.permissions import VIEW
from shouwang.core.permissions import Scope, declare

RUN_QUALITY = declare(
    "supervision.run_quality", label=_("Run the data-quality checks over one's region"),
    roles=(Role.COUNTY, Role.ADMIN, Role.TOWNSHIP),
    refusal=_("Only county and township officers may run the data-quality checks."),
)
# A run over one's region, inside it, or over a region containing it (everywhere included).
VIEW_QUALITY_RUNS = declare(
    "supervision.view_quality_runs", label=_("See the data-quality runs covering one's region"),
    roles=VIEW.roles, scope=Scope.ON_PATH,
)
