"""``manage.py feed_alias``: a county's own header names for feed columns (stored as data).

    manage.py feed_alias --list [--type TYPE]
    manage.py feed_alias --region 433122 --type medical --column amount --header 自负金额
    manage.py feed_alias --region 433122 --type medical --header 自负金额 --remove

``--columns --type TYPE`` lists a feed's column keys with their built-in header names.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shouwang.monitoring.feeds.catalogue import FEED_SPECS
from shouwang.monitoring.feeds.services import add_alias
from shouwang.monitoring.models import FeedColumnAlias
from shouwang.regions.models import Region


class Command(BaseCommand):
    help = "List, add or remove a county's extra header names for department feed columns."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--type", choices=sorted(FEED_SPECS), dest="feed_type")
        parser.add_argument("--region", metavar="CODE", help="the county (or other region) the name applies to")
        parser.add_argument("--column", metavar="KEY", help="the feed column, e.g. amount, date, id_number")
        parser.add_argument("--header", metavar="TEXT", help="the header as the department's file writes it")
        parser.add_argument("--remove", action="store_true", help="remove the header name instead of adding it")
        parser.add_argument("--list", action="store_true", help="list the header names added so far")
        parser.add_argument("--columns", action="store_true", help="list the feed's columns and built-in names")

    def handle(self, *args, **opts) -> None:
        feed_type = opts.get("feed_type")
        if opts["columns"]:
            if not feed_type:
                raise CommandError(_("Give --type."))
            for column in FEED_SPECS[feed_type].columns:
                self.stdout.write(f"{column.key}\t{column.label}\t{'、'.join(column.synonyms)}")
            return
        if opts["list"]:
            qs = FeedColumnAlias.objects.all()
            if feed_type:
                qs = qs.filter(feed_type=feed_type)
            for alias in qs:
                self.stdout.write(f"{alias.region_code}\t{alias.feed_type}\t{alias.column}\t{alias.header}")
            return
        region, header = opts.get("region"), opts.get("header")
        if not (feed_type and region and header):
            raise CommandError(_("Give --type, --region and --header (and --column to add)."))
        if not Region.objects.filter(code=region).exists():
            raise CommandError(_("No such region: %(code)s") % {"code": region})
        if opts["remove"]:
            deleted, _rows = FeedColumnAlias.objects.filter(region_code=region, feed_type=feed_type,
                                                            header=" ".join(header.split())).delete()
            self.stdout.write(_("Removed %(n)d header name(s).") % {"n": deleted})
            return
        if not opts.get("column"):
            raise CommandError(_("Give --column."))
        try:
            alias = add_alias(region, feed_type, opts["column"], header)
        except ValueError as exc:
            raise CommandError(_(str(exc))) from exc
        self.stdout.write(_("%(header)s now reads as column %(column)s of the %(type)s feed in %(region)s.")
                          % {"header": alias.header, "column": alias.column, "type": feed_type, "region": region})
