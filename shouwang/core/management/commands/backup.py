"""Write one encrypted backup of the database (the nightly job does the same; docs/backup.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shouwang.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Write an encrypted backup of the database into the backup folder (or --output), keeping the newest N."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path,
                            help="Folder to write the backup into (default: SHOUWANG_BACKUP_DIR).")
        parser.add_argument("--keep", type=int,
                            help="Keep this many newest backups there (default: SHOUWANG_BACKUP_KEEP).")

    def handle(self, *args, **options):
        try:
            result = create_backup(options["output"], keep=options["keep"])
        except BackupError as exc:
            raise CommandError(_(exc.message) % exc.params if exc.params else _(exc.message)) from exc
        tables = result.manifest["tables"]
        self.stdout.write(
            _("Backup written: %(path)s (%(size)s bytes, %(tables)d tables, %(rows)d rows)")
            % {"path": result.path, "size": result.size, "tables": len(tables),
               "rows": sum(t["rows"] for t in tables.values())}
        )
        for path in result.removed:
            self.stdout.write(_("Old backup removed: %(path)s") % {"path": path})
