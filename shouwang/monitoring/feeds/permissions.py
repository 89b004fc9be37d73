"""Who sends and reads department feeds, whose batches they see, and who names county columns."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.core.permissions import Scope, declare

FEED = declare(
    "monitoring.feed", label=_("Send department feeds and read their batches"),
    roles=(Role.COUNTY, Role.ADMIN, Role.DEPARTMENT),
    refusal=_("Only county staff and department data officers may send or read department feeds."),
)
# Without it (a department officer) a feeder sees only the batches they sent themselves.
READ_REGION_FEEDS = declare(
    "monitoring.read_region_feeds", label=_("See every feed batch and lead of one's region"),
    roles=(Role.COUNTY, Role.ADMIN),
)
# The column names set for the user's region or a region above it apply to their imports.
VIEW_FEED_ALIASES = declare(
    "monitoring.view_feed_aliases", label=_("See the county's own feed column names"),
    roles=(Role.COUNTY, Role.ADMIN, Role.DEPARTMENT), scope=Scope.ON_PATH,
)
EDIT_FEED_ALIASES = declare(
    "monitoring.edit_feed_aliases", label=_("Add or remove the county's own feed column names"),
    roles=(Role.ADMIN,),
)
