"""``manage.py import_national FILE… [--dry-run] [--json] [--year Y] [--report OUT] [--allow-partial] [--user U]``

Takes over a county's records from national-system export files (the person sheet 监测对象信息 /
基础信息, and optionally the work-monitoring sheet 已外出务工, in one workbook or several files).
Exit status and ``--user`` as ``import_registry``: 0 whenever the import ran, whatever it found;
a ``CommandError`` only when the arguments cannot be used (no such file, unknown user, bad report
name). Without ``--user`` the command acts as the system, everywhere.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from shouwang.core.audit import acting_as
from shouwang.registry.management.commands.import_registry import Command as RegistryImportCommand
from shouwang.supervision.takeover.importer import NationalImport


class Command(RegistryImportCommand):
    help = "Check and take over national-system export files (监测对象信息, 已外出务工; xlsx, xls or csv)."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--year", type=int, metavar="Y",
                            help="the year the export's incomes belong to (default: the current year)")

    def handle(self, *args, **options) -> None:
        files, report_path, user = self._inputs(options)
        with acting_as(user, source="command import_national"):
            report = NationalImport(user, year=options.get("year"), allow_partial=options["allow_partial"]).run(
                [(path, path.name) for path in files], commit=not options["dry_run"])
        self._output(report, report_path, options)
        cases = report.details.get("cases") or {}
        if cases and not options["json"]:
            self.stdout.write(
                _("Cases created: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d; "
                  "new reconciliation items: %(items)d")
                % {"created": cases.get("created", 0), "updated": cases.get("updated", 0),
                   "unchanged": cases.get("unchanged", 0), "items": report.details.get("reconciliation", 0)})
