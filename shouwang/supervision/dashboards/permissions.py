"""Who recounts the dashboard figures (reading them is the base action ``view``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.core.permissions import declare

# The refresh recounts the whole county, so it is the county's.
REFRESH_DASHBOARDS = declare("supervision.refresh_dashboards", label=_("Recount the dashboard figures"),
                             roles=(Role.COUNTY, Role.ADMIN),
                             refusal=_("Only county officers may refresh the dashboard figures."))
