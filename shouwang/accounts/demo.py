"""The demo's acting accounts: the one account per role and region (``<role>_<code>``) through which the
demo's story is played by the real services. Nobody logs in as them (no usable password); the demo users of
``create_demo_users`` are separate."""

from __future__ import annotations

from collections.abc import Callable

from .models import User


def acting_account(role: str, code: str, names: Callable[[], dict[str, str]] | None = None) -> User:
    """The account ``<role>_<code>``, made when missing; ``names`` gives a new one's first and last name
    (called only then, so a seeded story draws its names only for accounts it makes)."""
    username = f"{role}_{code}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role, region_id=code, **(names() if names else {}))
        user.set_unusable_password()
        user.save()
    return user
