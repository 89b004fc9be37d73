"""``manage.py create_demo_users``: one user per role on the loaded county, passwords printed.

Villages and townships are picked deterministically (lowest codes): two townships that have
villages, and the first village of each, so that the demo shows scoping across townships.
A user that already exists keeps its password unless ``--reset`` is given. Demo passwords are
kept in ``var/demo_users.json`` (outside git, readable by the owner only) so that a second
``make demo`` can print them again; the file is never written for users made with add_user.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from shouwang.core.audit import acting_as
from shouwang.regions.models import Region

from .add_user import ensure_user


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    region: str
    unmask: bool = False
    token: bool = False


def demo_users(county: Region) -> list[DemoUser]:
    villages = Region.objects.filter(level=Region.Level.VILLAGE, parent_code=OuterRef("code"))
    townships = list(
        Region.objects.filter(level=Region.Level.TOWNSHIP, parent_code=county.code)
        .filter(Exists(villages))
        .order_by("code")[:2]
    )
    if len(townships) < 2:
        raise CommandError(
            _("County %(code)s needs at least two townships with villages; load the regions first.")
            % {"code": county.code}
        )
    first_villages: list[Region] = []
    for township in townships:
        village = Region.objects.filter(level=Region.Level.VILLAGE, parent_code=township.code).order_by("code").first()
        assert village is not None  # the townships were chosen for having a village (Exists above)
        first_villages.append(village)
    return [
        DemoUser("demo_village1", "village", first_villages[0].code),
        DemoUser("demo_village2", "village", first_villages[1].code),
        DemoUser("demo_township1", "township", townships[0].code),
        DemoUser("demo_township2", "township", townships[1].code),
        DemoUser("demo_county", "county", county.code, unmask=True),
        DemoUser("demo_admin", "admin", county.code),
        DemoUser("demo_department", "department", county.code, token=True),
        DemoUser("demo_leader", "leader", county.code),
        DemoUser("demo_auditor", "auditor", county.code),
    ]


class Command(BaseCommand):
    help = "Create one demo user per role on the loaded county and print their passwords."

    def add_arguments(self, parser):
        parser.add_argument("--county", help="county code (default: the first county loaded)")
        parser.add_argument("--reset", action="store_true", help="give existing demo users new passwords")

    def handle(self, *args, **opts):
        counties = Region.objects.filter(level=Region.Level.COUNTY).order_by("code")
        county = counties.filter(code=opts["county"]).first() if opts["county"] else counties.first()
        if county is None:
            raise CommandError(_("No county found. Load the regions first (manage.py load_regions)."))
        remembered = _load_passwords()
        rows = []
        with acting_as(source="manage.py create_demo_users"):
            for spec in demo_users(county):
                result = ensure_user(
                    spec.username,
                    spec.role,
                    spec.region,
                    reset_password=opts["reset"],
                    token=spec.token,
                    unmask=spec.unmask,
                )
                if result.password:
                    remembered[spec.username] = result.password
                region = result.user.region
                assert region is not None  # ensure_user always gives the user a region
                rows.append(
                    (
                        spec.username,
                        result.user.get_role_display(),
                        f"{region.code} {region.full_name or region.name}",
                        result.password or remembered.get(spec.username) or _("(unchanged)"),
                        result.token or "",
                    )
                )
        _save_passwords(remembered)
        headers = (_("User name"), _("Role"), _("Region"), _("Password"), _("API token"))
        widths = [max(_width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
        self.stdout.write(
            _("Demo users for %(county)s (%(code)s):") % {"county": county.name, "code": county.code}
        )
        for row in [headers, *rows]:
            self.stdout.write("  ".join(_pad(str(v), w) for v, w in zip(row, widths, strict=True)).rstrip())


def _passwords_file() -> Path:
    return Path(settings.VAR_DIR) / "demo_users.json"


def _load_passwords() -> dict[str, str]:
    try:
        return json.loads(_passwords_file().read_text())
    except (OSError, ValueError):
        return {}


def _save_passwords(passwords: dict[str, str]) -> None:
    path = _passwords_file()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(passwords, f, indent=1)


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
