"""``manage.py import_registry FILE [FILE2] [--dry-run] [--json] [--report OUT] [--allow-partial] [--user U]``

Exit status. 0 whenever the import ran, whatever it found: rejected rows, and also files that
exist but cannot be read as a registry (not a spreadsheet, wrong encoding, missing headers),
which are reported as file-level entries in ``errors`` (``row`` null). Non-zero (a
``CommandError``) only when the arguments cannot be used at all: a path that does not exist,
an unknown user, a ``--report`` name that is neither .xlsx nor .csv.

Without ``--user`` the command acts as the system, county-wide (every region allowed); with
it, with that user's region and role, exactly as the import page would.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from shouwang.accounts.models import User
from shouwang.core.audit import acting_as
from shouwang.registry.imports.importer import RegistryImport


class Command(BaseCommand):
    help = "Check and import a registry spreadsheet (家庭成员 and 收支情况 sheets; xlsx, xls or csv)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "files", nargs="+", metavar="FILE", help="an .xlsx/.xls file, or one or two .csv files"
        )
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument(
            "--json", action="store_true", help="print one JSON object with the counts and errors"
        )
        parser.add_argument("--report", metavar="OUT", help="write the problems to OUT (.xlsx or .csv)")
        parser.add_argument(
            "--allow-partial",
            action="store_true",
            help="commit the households without errors even when other rows are rejected",
        )
        parser.add_argument("--user", metavar="USERNAME", help="import as this user, within their region")
        parser.add_argument("--language", metavar="CODE", help="language of the messages (zh-hans, en)")

    def handle(self, *args, **options) -> None:
        if len(options["files"]) > 2:
            raise CommandError(_("Give one spreadsheet, or at most two CSV files."))
        files, report_path, user = self._inputs(options)
        with acting_as(user, source="command import_registry"):
            report = RegistryImport(user, allow_partial=options["allow_partial"]).run(
                [(path, path.name) for path in files],
                commit=not options["dry_run"],
            )
        self._output(report, report_path, options)

    def _inputs(self, options) -> tuple[list[Path], Path | None, User | None]:
        """The files, the report's path and the user the options name (CommandError if unusable);
        activates the language asked for."""
        files = [Path(f) for f in options["files"]]
        for path in files:
            if not path.is_file():
                raise CommandError(_("No such file: %(path)s") % {"path": path})
        report_path = Path(options["report"]) if options.get("report") else None
        if report_path and report_path.suffix.lower() not in (".xlsx", ".csv"):
            raise CommandError(_("The report must be an .xlsx or .csv file."))
        user = None
        if options.get("user"):
            user = User.objects.filter(username=options["user"]).select_related("region").first()
            if user is None:
                raise CommandError(_("No such user: %(name)s") % {"name": options["user"]})
        if options.get("language"):
            translation.activate(options["language"])
        return files, report_path, user

    def _output(self, report, report_path: Path | None, options) -> None:
        """The report file when asked, then JSON or the summary."""
        if report_path:
            if report_path.suffix.lower() == ".xlsx":
                report.write_xlsx(report_path)
            else:
                report.write_csv(report_path)
        if options["json"]:
            self.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, default=str))
            return
        self._print_summary(report, commit=not options["dry_run"])

    def _print_summary(self, report, commit: bool) -> None:
        out = self.stdout
        out.write(
            _("Rows: %(total)d, accepted: %(accepted)d, rejected: %(rejected)d")
            % {"total": report.total, "accepted": report.accepted, "rejected": report.rejected}
        )
        out.write(
            _("Households created: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d")
            % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
        )
        for issue in report.sorted_issues()[:200]:
            where = " ".join(str(p) for p in (issue.sheet, issue.row or "", issue.column) if p != "")
            label = _("Error") if issue.severity == "error" else _("Warning")
            out.write(f"{label}: {where}: {issue.reason}" + (f" [{issue.value}]" if issue.value else ""))
        if len(report.issues) > 200:
            out.write(
                _("… and %(count)d more (use --report to get them all)") % {"count": len(report.issues) - 200}
            )
        if not report.total and not report.errors:
            out.write(self.style.WARNING(_("The file has no rows below its headers: nothing was written.")))
        elif report.committed:
            out.write(
                self.style.SUCCESS(
                    _("Imported into the registry (batch %(batch)s).") % {"batch": report.batch}
                )
            )
        elif commit and report.errors:
            out.write(
                self.style.WARNING(_("Nothing was written: correct the errors, or use --allow-partial."))
            )
        else:
            out.write(_("Checked only: nothing was written."))
