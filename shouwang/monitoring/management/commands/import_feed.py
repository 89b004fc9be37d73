"""``manage.py import_feed --type TYPE FILE [--dry-run] [--json] [--report OUT] [--user U]``

TYPE is one of medical, education, housing, water, civil, disability, employment, disaster.
``--json`` prints the registry import's summary shape (``total``, ``accepted``, ``rejected``,
``created``, ``updated``, ``unchanged``, ``warnings``, ``errors``, ``warning_details``,
``committed``, ``batch``, ``details``) plus ``"unmatched"``: the rows whose person the registry
does not know, kept as leads (ID numbers masked).

Exit status: 0 whenever the import ran, whatever it found (rejected rows, an unreadable file,
missing headers: all in the report). Non-zero only when the arguments cannot be used: no such
file, an unknown user, a report name that is neither .xlsx nor .csv. Without ``--user`` the
command acts as the system, deployment-wide; with it, in that user's region and role.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from shouwang.accounts.models import User
from shouwang.core.audit import acting_as
from shouwang.core.permissions import can
from shouwang.monitoring.feeds.catalogue import FEED_SPECS
from shouwang.monitoring.feeds.permissions import FEED
from shouwang.monitoring.feeds.services import FeedImport
from shouwang.monitoring.models import FeedBatch

ISSUES_PRINTED = 200


class Command(BaseCommand):
    help = "Check and import a department feed (医保, 教育, 住建, 水利, 民政, 残联, 人社, 应急; xlsx, xls or csv)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--type", required=True, choices=sorted(FEED_SPECS), dest="feed_type",
                            help="the feed type")
        parser.add_argument("file", metavar="FILE", help="an .xlsx, .xls or .csv file")
        parser.add_argument("--dry-run", action="store_true", help="check and match only; write nothing")
        parser.add_argument("--complete", action="store_true",
                            help="low_income only: the list is complete; end the layers it no longer names")
        parser.add_argument("--json", action="store_true", help="print one JSON object: counts, errors, unmatched")
        parser.add_argument("--report", metavar="OUT", help="write the problems to OUT (.xlsx or .csv)")
        parser.add_argument("--user", metavar="USERNAME", help="import as this user, within their region")
        parser.add_argument("--language", metavar="CODE", help="language of the messages (zh-hans, en)")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        report_path = Path(options["report"]) if options.get("report") else None
        if report_path and report_path.suffix.lower() not in (".xlsx", ".csv"):
            raise CommandError(_("The report must be an .xlsx or .csv file."))
        user = None
        if options.get("user"):
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(_("No such user: %(name)s") % {"name": options["user"]})
            if not can(user, FEED.name):
                raise CommandError(_("User %(name)s may not import department feeds.") % {"name": user.username})
        if options.get("language"):
            translation.activate(options["language"])

        with acting_as(user, source="command import_feed"):
            importer = FeedImport(options["feed_type"], user, channel=FeedBatch.Channel.COMMAND,
                                  complete=options["complete"])
            importer.run_file(path, path.name, commit=not options["dry_run"])
        report = importer.report
        if report_path:
            if report_path.suffix.lower() == ".xlsx":
                report.write_xlsx(report_path)
            else:
                report.write_csv(report_path)
        if options["json"]:
            self.stdout.write(json.dumps(importer.summary(), ensure_ascii=False, default=str))
            return
        self._print_summary(importer, dry_run=options["dry_run"])

    def _print_summary(self, importer: FeedImport, dry_run: bool) -> None:
        out, report = self.stdout, importer.report
        details = report.details
        out.write(_("Rows: %(total)d, accepted: %(accepted)d, rejected: %(rejected)d")
                  % {"total": report.total, "accepted": report.accepted, "rejected": report.rejected})
        out.write(_("Linked to registry members: %(matched)d; unknown persons kept as leads: %(unmatched)d")
                  % {"matched": details.get("matched", 0), "unmatched": details.get("unmatched", 0)})
        out.write(_("Events created: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d")
                  % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged})
        for issue in report.sorted_issues()[:ISSUES_PRINTED]:
            where = " ".join(str(p) for p in (issue.sheet, issue.row or "", issue.column) if p != "")
            label = _("Error") if issue.severity == "error" else _("Warning")
            out.write(f"{label}: {where}: {issue.reason}" + (f" [{issue.value}]" if issue.value else ""))
        if len(report.issues) > ISSUES_PRINTED:
            out.write(_("… and %(count)d more (use --report to get them all)")
                      % {"count": len(report.issues) - ISSUES_PRINTED})
        if report.committed:
            out.write(self.style.SUCCESS(_("Imported as feed batch %(batch)s.") % {"batch": report.batch}))
        elif dry_run:
            out.write(_("Checked only: nothing was written."))
        elif report.accepted:
            out.write(_("Nothing new: every row was already imported."))
        else:
            out.write(self.style.WARNING(_("Nothing was written.")))
