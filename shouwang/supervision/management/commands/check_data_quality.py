"""``manage.py check_data_quality``: run the data-quality rules (nightly, or after a big import).

    manage.py check_data_quality                       # every region
    manage.py check_data_quality --region 433122102    # one township (its findings only)
    manage.py check_data_quality --year 2024           # the income year to check (default: the latest)

The findings of the region are replaced by this run's, as when the button on the page is used.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shouwang.core.audit import acting_as
from shouwang.regions.models import Region
from shouwang.supervision.quality.services import run_checks


class Command(BaseCommand):
    help = "Run the data-quality rules over the registry and the cases, replacing the region's findings."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--region", metavar="CODE", default="", help="only this region (a code prefix)")
        parser.add_argument("--year", type=int, help="the income year to check (default: the latest on record)")

    def handle(self, *args, **opts) -> None:
        region = (opts.get("region") or "").strip()
        if region and not Region.objects.filter(code=region).exists():
            raise CommandError(_("No such region: %(code)s") % {"code": region})
        with acting_as(None, source="manage.py check_data_quality"):
            run = run_checks(region, opts.get("year"))
        for code, n in sorted(run.counts.items()):
            self.stdout.write(f"{code:45} {n:8,}")
        for note in run.notes:
            self.stdout.write(self.style.WARNING(note))
        self.stdout.write(self.style.SUCCESS(_("%(n)d findings (income year %(year)d)") % {
            "n": sum(run.counts.values()), "year": run.year,
        }))
