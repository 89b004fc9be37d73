"""Login hardening: 5 consecutive failures within 15 minutes lock an account for 15 minutes,
and ``SHOUWANG_LOGIN_CLIENT_MAX_FAILURES`` failures from one client address within the same window
refuse every login from that address for as long (password spraying: one guess at many accounts).

The figures are 等保 evaluator practice (security.md §1.1 身份鉴别 b) and can be changed in
settings (``SHOUWANG_LOGIN_MAX_FAILURES``, ``SHOUWANG_LOGIN_WINDOW_SECONDS``,
``SHOUWANG_LOGIN_LOCK_SECONDS``). Every success and failure goes to the access log. An address
is counted under a keyed hash (``client:…``, a name no account can have), never in clear.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shouwang.core import crypto
from shouwang.core.audit import record_access

from .models import LoginThrottle, User


def max_failures() -> int:
    return int(settings.SHOUWANG_LOGIN_MAX_FAILURES)


def window() -> timedelta:
    return timedelta(seconds=int(settings.SHOUWANG_LOGIN_WINDOW_SECONDS))


def lock_duration() -> timedelta:
    return timedelta(seconds=int(settings.SHOUWANG_LOGIN_LOCK_SECONDS))


def client_max_failures() -> int:
    return int(settings.SHOUWANG_LOGIN_CLIENT_MAX_FAILURES)


def normalise(username: str | None) -> str:
    return (username or "").strip().lower()[:150]


def client_key(address: str | None) -> str:
    """The throttle row of a client address: ``client:`` and a keyed hash (usernames have no colon)."""
    return "client:" + crypto.blind_index(address or "unknown", purpose="login-client")[:48]


def client_is_locked(address: str | None) -> bool:
    return is_locked(client_key(address))


def register_client_failure(address: str | None) -> bool:
    """Count one failed login from ``address``; True when the address is (now or already) refused.

    A success does not clear the count: one valid account must not reset a spraying run."""
    return _register(client_key(address), client_max_failures())


def is_locked(username: str | None) -> bool:
    key = normalise(username)
    if not key:
        return False
    return LoginThrottle.objects.filter(username=key, locked_until__gt=timezone.now()).exists()


def register_failure(username: str | None) -> bool:
    """Count one failure; return True when the account is (now or already) locked."""
    return _register(normalise(username), max_failures())


def _register(key: str, limit: int) -> bool:
    if not key:
        return False
    now = timezone.now()
    with transaction.atomic():
        # Forget stale rows (expired locks, failures outside the window) so that guessing many
        # names cannot grow the table without bound.
        LoginThrottle.objects.filter(
            Q(locked_until__lte=now) | Q(locked_until__isnull=True, first_failure_at__lt=now - window())
        ).delete()
        LoginThrottle.objects.get_or_create(username=key)
        row = LoginThrottle.objects.select_for_update().get(username=key)
        if row.locked_until and row.locked_until > now:
            return True  # attempts during a lock neither count nor extend it
        if row.failures == 0 or row.first_failure_at is None or now - row.first_failure_at > window():
            row.failures, row.first_failure_at = 0, now
        row.failures += 1
        row.locked_until = None
        if row.failures >= limit:
            row.locked_until = now + lock_duration()
            row.failures, row.first_failure_at = 0, None
        row.save()
        return row.locked_until is not None


def register_success(username: str | None) -> None:
    LoginThrottle.objects.filter(username=normalise(username)).delete()


def _user_named(username: str) -> User | None:
    return User.objects.filter(username=username).only("id", "username", "region_id").first()


def log_failure(username: str | None, *, locked: bool, client_locked: bool = False,
                second_factor: bool = False) -> None:
    """Access-log a failed login (password, or the second factor after it); tied to the account's
    region when the name exists."""
    name = (username or "")[:150]
    account = _user_named(name) if name else None
    record_access(
        "login_failed",
        object_type="accounts.user",
        object_id=account.pk if account else "",
        object_repr=name,
        region_code=(account.region_id or "") if account else "",
        detail={"locked": locked} | ({"client_locked": True} if client_locked else {})
        | ({"second_factor": True} if second_factor else {}),
    )


def log_success(user: User) -> None:
    record_access(
        "login",
        user=user,
        object_type="accounts.user",
        object_id=user.pk,
        object_repr=user.username,
        region_code=user.region_id or "",
    )
