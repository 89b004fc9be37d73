"""Recompute both audit chains and check them against their heads and the anchors outside the
database; exit status 1 when anything is wrong. ``--anchor`` writes today's anchor first."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shouwang.core.anchors import AnchorError, verify, write_anchor
from shouwang.core.models import AccessLog, ChangeLog

NAMES = {"changelog": ChangeLog, "accesslog": AccessLog}


class Command(BaseCommand):
    help = ("Verify the MAC chains of the change log and the access log, their heads and the anchors "
            "(exit status 1 if broken).")

    def add_arguments(self, parser):
        parser.add_argument("--anchor", action="store_true", help="write an anchor of both chains first")

    def handle(self, *args, **options):
        if options["anchor"]:
            try:
                anchor = write_anchor()
            except AnchorError as exc:
                raise CommandError(_(exc.message), returncode=1) from exc
            self.stdout.write(_("Anchor written: %(path)s") % {"path": anchor.path})
        result = verify()
        for check in result.chains:
            name = str(NAMES[check.name]._meta.verbose_name_plural)
            if check.ok:
                self.stdout.write(_("%(log)s: %(n)d entries checked, chain intact") % {"log": name, "n": check.checked})
                continue
            self.stdout.write(
                _("%(log)s: %(n)d entries checked, BROKEN at ids %(ids)s (-1: rows removed from the end)")
                % {"log": name, "n": check.checked, "ids": ", ".join(map(str, check.broken[:50]))}
            )
            for problem in check.problems:
                self.stdout.write("  " + _(problem))
        self.stdout.write(_("%(n)d anchors checked") % {"n": result.anchors})
        for path in result.bad_anchors:
            self.stdout.write(_("Anchor with a wrong signature: %(file)s") % {"file": path})
        if not result.ok:
            raise CommandError(_("The audit log has been tampered with."), returncode=1)
