"""``manage.py reset_two_factor USERNAME``: remove a user's authenticator app and recovery codes.

For the server's operator when no administrator can do it on the web page (the administrator's
own phone lost). The change log records the reset; the user sets up an app at the next login.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shouwang.accounts import two_factor
from shouwang.accounts.models import User
from shouwang.core.audit import acting_as


class Command(BaseCommand):
    help = "Remove a user's authenticator app and recovery codes; they set up an app at their next login."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, **opts):
        user = User.objects.filter(username=opts["username"]).first()
        if user is None:
            raise CommandError(_("No user %(username)s.") % {"username": opts["username"]})
        with acting_as(source="manage.py reset_two_factor"):
            removed = two_factor.reset(user)
        if removed:
            self.stdout.write(_("The second factor of %(username)s was reset.") % {"username": user.username})
        else:
            self.stdout.write(_("%(username)s had no second factor set up.") % {"username": user.username})
