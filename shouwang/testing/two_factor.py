"""Tests and the second factor: a session made by ``Client.force_login`` counts as fully logged in.

``force_login`` is the test client's shortcut past the login form, so (as a pytest plugin loaded
by the root conftest.py) it is made to pass the second step too: an account that must show a
second factor gets a confirmed authenticator app and the session is marked verified by it. Tests
of the login itself post to ``/login/`` and see the real steps. Browser tests type real codes,
computed here from the app's secret (``current_code``).
"""

from __future__ import annotations

import time
from base64 import b32decode

import pytest
from django.test import Client


def code_for_key(key: bytes, *, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """The TOTP code an authenticator app shows for ``key`` at time ``at`` (now by default)."""
    from django_otp.oath import TOTP

    generator = TOTP(key, step=step, t0=0, digits=digits)
    generator.time = time.time() if at is None else at
    return str(generator.token()).zfill(digits)


def code_for_secret(secret: str, *, at: float | None = None) -> str:
    """The code for a secret as the enrolment page shows it (base32, in groups)."""
    text = secret.replace(" ", "").upper()
    return code_for_key(b32decode(text + "=" * (-len(text) % 8)), at=at)


def confirmed_app(user):
    """The user's confirmed authenticator app; one is made when there is none."""
    import secrets

    from shouwang.accounts.models import TotpDevice

    device = TotpDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TotpDevice.objects.create(user=user, name="app", confirmed=True, key=secrets.token_hex(20))
    return device


def current_code(user) -> str:
    """A code the user's app would show that the server has not accepted yet (each is accepted once:
    after a code of this 30-second step was used, the next step's code, which is accepted too)."""
    from shouwang.accounts.models import TotpDevice

    device = TotpDevice.objects.get(user=user, confirmed=True)
    now = time.time()
    step = int(now // device.step)
    while device.last_t >= step + 1:  # both used already: wait for the next step
        time.sleep(device.step - now % device.step + 0.1)
        now = time.time()
        step = int(now // device.step)
    at = now if device.last_t < step else now + device.step
    return code_for_key(device.bin_key, at=at, step=device.step, digits=device.digits)


def mark_verified(client: Client, user) -> None:
    """Mark the client's signed-in session as having shown its second factor, where it owes one."""
    from shouwang.accounts import two_factor

    session = client.session
    if session.get(two_factor.REQUIRED_SESSION_KEY) and not session.get(two_factor.VERIFIED_SESSION_KEY):
        session[two_factor.VERIFIED_SESSION_KEY] = confirmed_app(user).persistent_id
        session.save()


@pytest.fixture(autouse=True, scope="session")
def _force_login_shows_the_second_factor():
    """Session-wide, so clients signed in by module-scoped fixtures are verified too."""
    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        mark_verified(self, user)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "force_login", force_login)
        yield
