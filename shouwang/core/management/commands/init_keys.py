"""Create the data encryption key file once; never overwrite an existing key (data would be lost)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from shouwang.core.crypto import ensure_key_file


class Command(BaseCommand):
    help = "Create the data encryption key file if it does not exist, and print where it is."

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
        if settings.SHOUWANG_DATA_KEY:
            self.stdout.write(
                _("Note: SHOUWANG_DATA_KEY is set in the environment and takes precedence over the file.")
            )
