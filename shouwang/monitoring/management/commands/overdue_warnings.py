"""``python manage.py overdue_warnings``: the warnings whose date to verify has passed.

Nothing is marked: overdue is derived from the status and the due date whenever it is read
(see ``shouwang.monitoring.warnings.models``), so this command only reports, e.g. for a daily
reminder sent by cron.
"""

from __future__ import annotations

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shouwang.monitoring.models import Warning


class Command(BaseCommand):
    help = "List open warnings past their date to verify (nothing is changed)."

    def add_arguments(self, parser):
        parser.add_argument("--region", default="", help="Only this region (code prefix)")
        parser.add_argument("--today", help="Count as of this date (YYYY-MM-DD; default today)")
        parser.add_argument("--json", action="store_true", help="One JSON object per line per warning")

    def handle(self, *args, **opts):
        region = (opts["region"] or "").strip()
        if region and not region.isdigit():
            raise CommandError(_("A region is given by its numeric code, e.g. 433122."))
        try:
            today = date.fromisoformat(opts["today"]) if opts["today"] else timezone.localdate()
        except ValueError:
            raise CommandError(_("--today must be a date like 2024-03-05.")) from None
        overdue = Warning.objects.overdue(today).filter(region_code__startswith=region)
        rows = overdue.order_by("due_date", "id").values_list(
            "id", "household__number", "region_code", "rule__code", "channel", "status", "due_date",
        )
        count = 0
        for pk, number, code, rule, channel, status, due in rows.iterator(chunk_size=2000):
            count += 1
            days = (today - due).days
            if opts["json"]:
                self.stdout.write(json.dumps({
                    "id": pk, "household": number, "region": code, "rule": rule, "channel": channel,
                    "status": status, "due_date": due.isoformat(), "days_late": days,
                }, ensure_ascii=False))
            else:
                self.stdout.write(f"{due.isoformat()}  +{days}d  {number}  {code}  {rule or channel}  {status}")
        if not opts["json"]:
            self.stdout.write(ngettext("%(n)d overdue warning as of %(day)s.", "%(n)d overdue warnings as of %(day)s.",
                                       count) % {"n": count, "day": today.isoformat()})
