"""``manage.py load_policies --county CODE [--file catalogue.json] [--user U]``

Adds the starter policy catalogue (shouwang/revitalization/policies/data/catalogue.json) to the
county's policies: each policy the county does not have yet (by code) becomes version 1; one it
has, edited or not, is left as it is, so running it again changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shouwang.accounts.models import User
from shouwang.core.audit import acting_as
from shouwang.regions.models import Region
from shouwang.revitalization.policies.services import load_catalogue


class Command(BaseCommand):
    help = "Load the starter policy catalogue into a county (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--county", required=True, help="the county's 6-digit code")
        parser.add_argument("--file", help="another catalogue file (the same JSON shape)")
        parser.add_argument("--user", help="the username the change log names (default: the system)")

    def handle(self, *args, county: str, file: str | None = None, user: str | None = None, **options) -> None:
        if not Region.objects.filter(code=county, level=Region.Level.COUNTY).exists():
            raise CommandError(f"No county with the code {county!r}.")
        path = Path(file) if file else None
        if path and not path.is_file():
            raise CommandError(f"No file {file!r}.")
        actor = None
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user {user!r}.")
        with acting_as(actor, "command"):
            counts = load_catalogue(county, path, actor)
        self.stdout.write(f"policies: {counts['created']} created, {counts['kept']} already there")
