"""``manage.py add_user``: create or update a staff account with its role and region.

``ensure_user`` holds the rules (region exists and fits the role, password validated or
generated, unmask permission, API token) so that ``create_demo_users`` applies the same ones.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from shouwang.accounts.models import ROLE_LEVELS, Role, User
from shouwang.accounts.tokens import issue_token
from shouwang.core.audit import Change, acting_as, record_changes
from shouwang.regions.models import Region

_ALPHABET = string.ascii_letters + string.digits + "-_.+@"


def generate_password(length: int = 16) -> str:
    """Random, with every character class present so it passes any reasonable policy."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(c in "-_.+@" for c in candidate)
        ):
            return candidate


@dataclass
class UserResult:
    user: User
    created: bool
    password: str | None  # the new password when one was set, None when left unchanged
    token: str | None = None


def _user_snapshot(user: User) -> dict:
    """What the change log keeps of an account: never the password hash."""
    return {
        "username": user.username,
        "role": user.role,
        "region_id": user.region_id,
        "is_active": user.is_active,
        "unmask": user.user_permissions.filter(codename="unmask_personal_data").exists()
        if user.pk
        else False,
    }


def ensure_user(
    username: str,
    role: str,
    region_code: str,
    *,
    password: str | None = None,
    reset_password: bool = False,
    token: bool = False,
    unmask: bool | None = None,
) -> UserResult:
    """Create the user, or update role, region and (if asked) password of an existing one."""
    if role not in Role.values:
        raise CommandError(
            _("Unknown role %(role)s; use one of: %(roles)s.")
            % {"role": role, "roles": ", ".join(Role.values)}
        )
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise CommandError(
            _("Region %(code)s does not exist. Load the regions first (manage.py load_regions).")
            % {"code": region_code}
        )
    if region.level not in ROLE_LEVELS[role]:
        raise CommandError(
            _("A %(role)s user works at the %(levels)s level, but %(code)s (%(name)s) is a %(level)s.")
            % {
                "role": Role(role).label,
                "levels": " / ".join(str(Region.Level(level).label) for level in ROLE_LEVELS[role]),
                "code": region.code,
                "name": region.name,
                "level": region.get_level_display(),
            }
        )
    with transaction.atomic():
        existing = User.objects.filter(username=username).first()
        created = existing is None
        before = None if existing is None else _user_snapshot(existing)
        user = User(username=username) if existing is None else existing
        user.role, user.region = role, region
        new_password = password or (generate_password() if created or reset_password else None)
        if new_password:
            try:
                validate_password(new_password, user)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            user.set_password(new_password)
        user.save()
        if unmask is not None:
            perm = Permission.objects.get(codename="unmask_personal_data", content_type__app_label="accounts")
            (user.user_permissions.add if unmask else user.user_permissions.remove)(perm)
        key = issue_token(user) if token else None
        after = _user_snapshot(user)
        if before != after or new_password:
            record_changes(
                [
                    Change(
                        action="create" if created else "update",
                        object_type="accounts.user",
                        object_id=user.pk,
                        object_repr=user.username,
                        region_code=region.code,
                        before=before,
                        after=after | ({"password": "(changed)"} if new_password and not created else {}),
                    )
                ]
            )
    return UserResult(user=user, created=created, password=new_password, token=key)


class Command(BaseCommand):
    help = "Create a user with a role and a region, or update an existing one."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--region", required=True, help="statistical code of the user's region")
        parser.add_argument("--password", help="default: a strong random password, printed once")
        parser.add_argument(
            "--reset-password", action="store_true", help="give an existing user a new random password"
        )
        parser.add_argument(
            "--token", action="store_true",
            help="issue a new API token (printed once; replaces the user's earlier token; expires after "
            "SHOUWANG_API_TOKEN_DAYS days)",
        )
        parser.add_argument(
            "--unmask",
            action="store_true",
            default=None,
            help="grant the permission to view unmasked personal data",
        )
        parser.add_argument("--no-unmask", dest="unmask", action="store_false", help="revoke that permission")

    def handle(self, *args, **opts):
        with acting_as(source="manage.py add_user"):
            result = ensure_user(
                opts["username"],
                opts["role"],
                opts["region"],
                password=opts["password"],
                reset_password=opts["reset_password"],
                token=opts["token"],
                unmask=opts["unmask"],
            )
        user = result.user
        assert user.region is not None  # ensure_user always gives the user a region
        params = {
            "username": user.username,
            "role": user.get_role_display(),
            "region": user.region.name,
            "code": user.region_id,
        }
        if result.created:
            self.stdout.write(_("Created user %(username)s: %(role)s, %(region)s (%(code)s).") % params)
        else:
            self.stdout.write(_("Updated user %(username)s: %(role)s, %(region)s (%(code)s).") % params)
        if result.password and not opts["password"]:
            self.stdout.write(_("Password: %(password)s") % {"password": result.password})
        elif result.password:
            self.stdout.write(_("Password set."))
        if user.can_unmask:
            self.stdout.write(_("May view unmasked personal data (with a reason)."))
        if result.token:
            self.stdout.write(_("API token: %(token)s") % {"token": result.token})
            self.stdout.write(
                _("Use it as the HTTP header: Authorization: Token %(token)s") % {"token": result.token}
            )
            self.stdout.write(
                _("It is shown only this once and expires in %(days)d days; any earlier token no longer works.")
                % {"days": settings.SHOUWANG_API_TOKEN_DAYS}
            )
