"""``manage.py export_national --year Y [--region CODE] [--user USERNAME] [--clear --reason TEXT] FILE``

Writes the workbook of the national system's layout (监测对象信息 and 已外出务工, header on the third
row, one row per person) for the households of the region: ex-poor, taken over from the national
system, or monitored. ID and phone numbers are masked unless ``--clear`` is given with a reason
(and, with ``--user``, that user may unmask); the export is recorded in the access log.

Without ``--user`` the command acts as the system, county-wide; with it, with that user's region
and role, exactly as the exports page would.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shouwang.accounts.models import User
from shouwang.core.audit import acting_as
from shouwang.regions.models import Region
from shouwang.supervision.takeover.exporter import write_national


class Command(BaseCommand):
    help = "Export the households of a region in the national system's layout (xlsx)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", metavar="FILE", help="the .xlsx file to write")
        parser.add_argument("--year", type=int, required=True, help="the income year written")
        parser.add_argument("--region", metavar="CODE", default="", help="only this region (a code prefix)")
        parser.add_argument("--user", metavar="USERNAME", help="export as this user, within their region")
        parser.add_argument("--clear", action="store_true", help="full ID and phone numbers (needs --reason)")
        parser.add_argument("--reason", default="", help="why full ID and phone numbers are exported")

    def handle(self, *args, **opts) -> None:
        path = Path(opts["file"])
        if path.suffix.lower() != ".xlsx":
            raise CommandError(_("The file must be an .xlsx file."))
        region = (opts.get("region") or "").strip()
        if region and not Region.objects.filter(code=region).exists():
            raise CommandError(_("No such region: %(code)s") % {"code": region})
        reason = " ".join((opts.get("reason") or "").split())
        if opts["clear"] and not reason:
            raise CommandError(_("A reason is required to export full ID and phone numbers."))
        user = None
        if opts.get("user"):
            user = User.objects.filter(username=opts["user"]).select_related("region").first()
            if user is None:
                raise CommandError(_("No such user: %(name)s") % {"name": opts["user"]})
        try:
            with acting_as(user, source="manage.py export_national"):
                people = write_national(path, user=user, year=opts["year"], region=region, clear=opts["clear"],
                                        reason=reason)
        except PermissionDenied as exc:
            raise CommandError(str(exc) or _("You may not export this list.")) from exc
        self.stdout.write(self.style.SUCCESS(
            _("%(n)d people written to %(file)s (income year %(year)d).")
            % {"n": people, "file": path, "year": opts["year"]}
        ))
