from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shouwang.regions.loader import DEMO_FILE, DivisionFileError, load_divisions, read_divisions


class Command(BaseCommand):
    help = "Load administrative divisions from a JSON file or a national CSV folder (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEMO_FILE),
                            help="JSON list of {code,name,level,parent_code}, or a folder with "
                                 "provinces/cities/areas/streets/villages.csv")
        parser.add_argument("--county", help="Keep only this county (6-digit code) and its ancestors")
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON")

    def handle(self, *args, **opts):
        path = Path(opts["path"])
        if not path.exists():
            raise CommandError(_("%(path)s does not exist.") % {"path": path})
        try:
            summary = load_divisions(read_divisions(path, opts.get("county")))
        except DivisionFileError as exc:
            raise CommandError(str(exc)) from exc
        if opts["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(_("Regions: %(total)d read, %(created)d created, %(updated)d updated, "
                                "%(unchanged)d unchanged.") % summary)
