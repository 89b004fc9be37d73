"""``python manage.py screen``: run the active screening rules and raise warnings."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shouwang.core.audit import acting_as
from shouwang.monitoring.screening.services import open_warnings_by_household, screen


class Command(BaseCommand):
    help = "Screen the households of a year with every active rule; each fired rule becomes a warning."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="Year to screen (default: the latest year with records); "
                                                     "the feed window then ends on 31 December of that year")
        parser.add_argument("--region", default="", help="Screen only this region (code prefix)")
        parser.add_argument("--json", action="store_true", help="Print the summary as one JSON object")
        parser.add_argument("--list", action="store_true",
                            help="Print one JSON object per line for every household with an open warning")

    def handle(self, *args, **opts):
        region = (opts["region"] or "").strip()
        if region and not region.isdigit():
            raise CommandError(_("A region is given by its numeric code, e.g. 433122."))
        with acting_as(None, source="manage.py screen"):
            result = screen(year=opts["year"], region=region)
        machine = opts["json"] or opts["list"]
        notes_out = self.stderr if machine else self.stdout
        if opts["json"]:
            self.stdout.write(json.dumps(result.summary(), ensure_ascii=False))
        elif not opts["list"]:
            self._print_summary(result)
        for note in result.notes:
            notes_out.write(note)
        if opts["list"]:
            for number, rules in open_warnings_by_household(region):
                self.stdout.write(json.dumps({"household": number, "rules": rules}, ensure_ascii=False))

    def _print_summary(self, result) -> None:
        if result.year is None:
            return
        self.stdout.write(
            _("Screened %(n)d households for %(year)d (feed signals from %(start)s to %(end)s) in %(s).2f s: "
              "%(added)d new signals, %(unchanged)d already open, %(created)d households newly warned.") % {
                "n": result.households, "year": result.year, "start": result.window_start, "end": result.window_end,
                "s": result.seconds, "added": result.signals_added, "unchanged": result.signals_unchanged,
                "created": result.warnings_created,
            }
        )
        for code, count in result.per_rule.items():
            self.stdout.write(f"  {code}: {count}")
