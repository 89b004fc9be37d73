"""Recompute both audit hash chains; exit status 1 when either is broken."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shouwang.core.audit import verify_chain
from shouwang.core.models import AccessLog, ChangeLog


class Command(BaseCommand):
    help = "Verify the hash chains of the change log and the access log (exit status 1 if broken)."

    def handle(self, *args, **options):
        broken_any = False
        for model in (ChangeLog, AccessLog):
            checked, broken = verify_chain(model)
            name = str(model._meta.verbose_name_plural)
            if broken:
                broken_any = True
                self.stdout.write(
                    _("%(log)s: %(n)d entries checked, BROKEN at ids %(ids)s (-1: rows removed from the end)")
                    % {"log": name, "n": checked, "ids": ", ".join(map(str, broken))}
                )
            else:
                self.stdout.write(
                    _("%(log)s: %(n)d entries checked, chain intact") % {"log": name, "n": checked}
                )
        if broken_any:
            raise CommandError(_("The audit log has been tampered with."), returncode=1)
