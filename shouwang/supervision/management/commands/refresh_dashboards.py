"""``manage.py refresh_dashboards``: recount the dashboard figures (nightly, or after bulk work).

    manage.py refresh_dashboards                 # every village
    manage.py refresh_dashboards --region 433122102   # the villages of a township (or one village)

Overdue counts change with the date alone, so the scheduler (``run_scheduler``) runs the same
refresh nightly; changes made through the application refresh their villages by themselves.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shouwang.regions.models import Region
from shouwang.supervision.dashboards.services import refresh


class Command(BaseCommand):
    help = "Recount the pre-aggregated dashboard figures (all villages, or those of one region)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--region", metavar="CODE", help="only the villages of this region")

    def handle(self, *args, **opts) -> None:
        villages = None
        if opts.get("region"):
            code = opts["region"].strip()
            if not Region.objects.filter(code=code).exists():
                raise CommandError(_("No such region: %(code)s") % {"code": code})
            villages = list(
                Region.objects.filter(code__startswith=code, level=Region.Level.VILLAGE).values_list(
                    "code", flat=True
                )
            )
        record = refresh(villages, trigger="command")
        self.stdout.write(
            _("%(rows)d figures written in %(seconds).2f s.")
            % {
                "rows": record.rows,
                "seconds": record.seconds,
            }
        )
