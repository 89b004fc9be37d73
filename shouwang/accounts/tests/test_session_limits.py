"""Absolute session lifetime (8 h whatever the activity) and the login throttle per client address."""

from __future__ import annotations

import time

import pytest

from shouwang.accounts import sessions
from shouwang.accounts.models import LoginThrottle
from shouwang.core.models import AccessLog

PASSWORD = "Pass-word-123"  # the personas' password (conftest.py)


@pytest.fixture(autouse=True)
def lockout_backend(settings):
    settings.AUTHENTICATION_BACKENDS = ["shouwang.accounts.backends.LockoutModelBackend"]


def login(client, username, password=PASSWORD, address="203.0.113.7"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def shift_login_time(client, seconds):
    session = client.session
    session[sessions.LOGIN_AT_SESSION_KEY] -= seconds
    session.save()


# --- absolute lifetime ---------------------------------------------------------------------------


def test_the_session_ends_eight_hours_after_login_however_active(client, personas, settings):
    assert settings.SHOUWANG_SESSION_ABSOLUTE_SECONDS == 8 * 3600
    assert login(client, "alice").status_code == 302
    assert abs(client.session[sessions.LOGIN_AT_SESSION_KEY] - time.time()) < 60
    shift_login_time(client, 8 * 3600 - 120)
    assert client.get("/").status_code == 200  # active and under 8 hours
    shift_login_time(client, 121)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session
    assert client.get("/registry/households/")["Location"].startswith("/login/")


def test_the_idle_timeout_stays_fifteen_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 15 * 60 and settings.SESSION_SAVE_EVERY_REQUEST


def test_a_forced_login_gets_its_clock_too(client, personas):
    client.force_login(personas["erin"])
    shift_login_time(client, 8 * 3600 + 1)
    assert client.get("/").status_code == 302


# --- the throttle per client address -------------------------------------------------------------


def test_spraying_many_accounts_from_one_address_is_stopped(client, personas, settings):
    limit = settings.SHOUWANG_LOGIN_CLIENT_MAX_FAILURES
    refused = 0
    for n in range(80):
        response = login(client, f"sprayed{n:02d}", "Guess-pass-1")
        assert response.status_code == 200
        if "network address" in " ".join(str(e) for e in response.context["form"].non_field_errors()):
            refused += 1
    assert refused == 80 - limit  # every attempt after the limit is refused outright
    # Even the right password of a real account is refused from that address for now ...
    response = login(client, "alice")
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    # ... but not from another one, and no account got locked by the spray.
    assert login(client, "alice", address="198.51.100.9").status_code == 302
    assert not LoginThrottle.objects.filter(username__startswith="sprayed", locked_until__isnull=False).exists()
    refusals = AccessLog.objects.filter(action="login_failed", detail__client_locked=True)
    assert refusals.count() >= 80 - limit


def test_the_client_address_comes_from_the_proxy_header_when_set(client, personas, settings):
    settings.SHOUWANG_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    limit = settings.SHOUWANG_LOGIN_CLIENT_MAX_FAILURES
    for n in range(limit):
        client.post("/login/", {"username": f"u{n}", "password": "x"}, HTTP_X_REAL_IP="192.0.2.1")
    blocked = client.post("/login/", {"username": "alice", "password": PASSWORD}, HTTP_X_REAL_IP="192.0.2.1")
    assert blocked.status_code == 200
    allowed = client.post("/login/", {"username": "alice", "password": PASSWORD}, HTTP_X_REAL_IP="192.0.2.2")
    assert allowed.status_code == 302


def test_a_few_failures_from_an_office_do_not_block_it(client, personas, settings):
    for n in range(settings.SHOUWANG_LOGIN_CLIENT_MAX_FAILURES - 1):
        login(client, f"typo{n}", "Wrong-pass-1")
    assert login(client, "alice").status_code == 302
    # The address's row holds a keyed hash, never the address.
    assert not LoginThrottle.objects.filter(username__contains="203.0.113.7").exists()


def test_the_absolute_lifetime_is_read_from_the_environment(tmp_path):
    from shouwang import config

    base = {"SHOUWANG_VAR_DIR": str(tmp_path)}
    assert config.load(base).session_absolute_seconds == 8 * 3600
    assert config.load(base | {"SHOUWANG_SESSION_ABSOLUTE_SECONDS": "14400"}).session_absolute_seconds == 14400
    with pytest.raises(config.ConfigError, match="SHOUWANG_SESSION_ABSOLUTE_SECONDS"):
        config.load(base | {"SHOUWANG_SESSION_ABSOLUTE_SECONDS": "60"})
