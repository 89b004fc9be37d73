"""Restore an encrypted backup, then check every table and the audit chains (docs/backup.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from shouwang.core.backup import BackupError, read_manifest, restore_backup


def _text(exc: BackupError) -> str:
    return _(exc.message) % exc.params if exc.params else _(exc.message)


class Command(BaseCommand):
    help = ("Restore an encrypted backup into the configured database (stop the application, worker and "
            "scheduler first) or --into another one, then verify tables and audit chains.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The backup file (.swbak).")
        parser.add_argument("--yes", action="store_true", help="Do not ask before replacing the configured database.")
        parser.add_argument("--into", help="Restore into this SQLite file or PostgreSQL database instead.")
        parser.add_argument("--check", action="store_true",
                            help="Only decrypt and authenticate the file and show its manifest; restore nothing.")

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        try:
            manifest = read_manifest(path)
        except BackupError as exc:
            raise CommandError(_text(exc)) from exc
        tables = manifest["tables"]
        self.stdout.write(
            _("Backup of %(when)s: %(kind)s database, version %(version)s, %(tables)d tables, %(rows)d rows; "
              "authentication passed.")
            % {"when": manifest["created_at"], "kind": manifest["database"], "version": manifest["app_version"],
               "tables": len(tables), "rows": sum(t["rows"] for t in tables.values())}
        )
        if options["check"]:
            return
        if options["into"] is None and not options["yes"]:
            name = connections["default"].settings_dict["NAME"]
            answer = input(_("Replace the database %(name)s with this backup? Type yes: ") % {"name": name})
            if answer.strip().lower() != "yes":
                raise CommandError(_("Restore cancelled."))
        try:
            result = restore_backup(path, into=options["into"])
        except BackupError as exc:
            raise CommandError(_text(exc)) from exc
        if result.saved_previous:
            self.stdout.write(_("The database it replaced was saved as %(path)s") % {"path": result.saved_previous})
        self.stdout.write(_("Restored into %(target)s; %(n)d tables checked.")
                          % {"target": result.target, "n": result.tables_checked})
        for name, (checked, broken) in result.chains.items():
            if broken:
                self.stdout.write(_("Audit chain %(name)s: %(n)d entries, BROKEN at ids %(ids)s")
                                  % {"name": name, "n": checked, "ids": ", ".join(map(str, broken[:20]))})
            else:
                self.stdout.write(_("Audit chain %(name)s: %(n)d entries, intact") % {"name": name, "n": checked})
        if result.chain_error:
            self.stdout.write(_("The audit chains could not be read with this version of the program: run "
                                "`manage.py migrate`, then `manage.py verify_audit`."))
        if not result.data_key_matches:
            self.stdout.write(_("Warning: the data key now configured is not the one this backup's personal data "
                                "was encrypted with; configure that key before starting the application."))
        if result.mismatches:
            raise CommandError(_("Tables that differ from the backup's manifest: %(tables)s")
                               % {"tables": ", ".join(result.mismatches)})
        if not result.ok and not result.chain_error:
            raise CommandError(_("The restored audit chains do not match the backup."))
        if result.chain_error:
            raise CommandError(_("Tables restored and verified; the audit chains are still to be verified."))
        self.stdout.write(_("Restore verified: every table's rows and checksum match the backup."))
