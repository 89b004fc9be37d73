"""Create the data encryption key file, the backup key file and the audit key file once; never
overwrite an existing key (data or backups would be lost, the audit log would no longer verify)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from shouwang.core.backup import ensure_backup_key
from shouwang.core.crypto import ensure_key_file


class Command(BaseCommand):
    help = ("Create the data encryption key file, the backup key file and the audit key file if they do not "
            "exist, and print where.")

    def handle(self, *args, **options):
        path = Path(settings.SHOUWANG_DATA_KEY_FILE)
        existed = path.exists()
        ensure_key_file(path)
        if existed:
            self.stdout.write(_("Data key file already exists, left unchanged: %(path)s") % {"path": path})
        else:
            self.stdout.write(_("Data key file created: %(path)s") % {"path": path})
            self.stdout.write(
                _("Back it up apart from the database: without it the encrypted data cannot be read.")
            )
        backup_path, created = ensure_backup_key()
        if created:
            self.stdout.write(_("Backup key file created: %(path)s") % {"path": backup_path})
            self.stdout.write(
                _("Keep an offline copy apart from the backups and from the data key: without it no backup "
                  "can be restored.")
            )
        else:
            self.stdout.write(_("Backup key file already exists, left unchanged: %(path)s") % {"path": backup_path})
        audit_path = Path(settings.SHOUWANG_AUDIT_KEY_FILE)
        if audit_path.exists():
            self.stdout.write(_("Audit key file already exists, left unchanged: %(path)s") % {"path": audit_path})
        else:
            ensure_key_file(audit_path)
            self.stdout.write(_("Audit key file created: %(path)s") % {"path": audit_path})
            self.stdout.write(
                _("Keep an offline copy apart from the database: without it the audit log cannot be verified.")
            )
        if settings.SHOUWANG_DATA_KEY:
            self.stdout.write(
                _("Note: SHOUWANG_DATA_KEY is set in the environment and takes precedence over the file.")
            )
        if settings.SHOUWANG_AUDIT_KEY:
            self.stdout.write(
                _("Note: SHOUWANG_AUDIT_KEY is set in the environment and takes precedence over the file.")
            )
