"""Login hardening: 5 failures in 15 minutes lock the account for 15 minutes; all logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.utils import timezone

from shouwang.accounts.models import LoginThrottle
from shouwang.core.anchors import verify_chain
from shouwang.core.models import AccessLog

PASSWORD = "Pass-word-123"  # the personas' password (conftest.py)
BACKENDS = ["shouwang.accounts.backends.LockoutModelBackend"]


@pytest.fixture(autouse=True)
def lockout_backend(settings):
    settings.AUTHENTICATION_BACKENDS = BACKENDS


def post_login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def errors(response) -> list[str]:
    return [str(e) for e in response.context["form"].non_field_errors()]


def fail(client, username, times):
    for _ in range(times):
        response = post_login(client, username, "wrong-password")
        assert response.status_code == 200 and not logged_in(client)
    return response


def test_correct_password_logs_in_and_is_access_logged(client, personas):
    response = post_login(client, "alice", PASSWORD)
    assert response.status_code == 302 and logged_in(client)
    entry = AccessLog.objects.get(action="login")
    assert entry.username == "alice" and entry.user_id == personas["alice"].pk
    assert entry.region_code == personas["alice"].region_id


def test_five_failures_lock_the_account_even_for_the_right_password(client, personas):
    fail(client, "alice", 5)
    response = post_login(client, "alice", PASSWORD)
    assert not logged_in(client)
    assert response.status_code == 200
    assert errors(response)
    # Another account is not affected.
    assert post_login(client, "bob", PASSWORD).status_code == 302


def test_four_failures_do_not_lock(client, personas):
    fail(client, "alice", 4)
    assert post_login(client, "alice", PASSWORD).status_code == 302


def test_lock_expires_after_fifteen_minutes(client, personas):
    fail(client, "alice", 5)
    throttle = LoginThrottle.objects.get(username="alice")
    assert timedelta(minutes=14) < throttle.locked_until - timezone.now() <= timedelta(minutes=15)
    LoginThrottle.objects.filter(pk=throttle.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert post_login(client, "alice", PASSWORD).status_code == 302


def test_attempts_during_the_lock_do_not_extend_it(client, personas):
    fail(client, "alice", 5)
    until = LoginThrottle.objects.get(username="alice").locked_until
    fail(client, "alice", 3)
    assert LoginThrottle.objects.get(username="alice").locked_until == until


def test_failures_older_than_the_window_do_not_count(client, personas):
    fail(client, "alice", 4)
    LoginThrottle.objects.filter(username="alice").update(
        first_failure_at=timezone.now() - timedelta(minutes=16)
    )
    fail(client, "alice", 1)
    assert post_login(client, "alice", PASSWORD).status_code == 302


def test_success_resets_the_count(client, personas):
    fail(client, "alice", 4)
    assert post_login(client, "alice", PASSWORD).status_code == 302
    client.logout()
    fail(client, "alice", 4)
    assert post_login(client, "alice", PASSWORD).status_code == 302


def test_message_is_the_same_for_unknown_user_wrong_password_and_locked(client, personas):
    unknown = errors(post_login(client, "no-such-user", "whatever"))
    wrong = errors(post_login(client, "bob", "wrong-password"))
    fail(client, "alice", 5)
    locked = errors(post_login(client, "alice", PASSWORD))
    assert unknown == wrong == locked and len(locked) == 1


def test_unknown_usernames_lock_too_so_nothing_is_revealed(client, personas):
    fail(client, "ghost", 5)
    assert LoginThrottle.objects.get(username="ghost").locked_until > timezone.now()


def test_username_case_does_not_bypass_the_lock(client, personas):
    fail(client, "alice", 3)
    fail(client, "ALICE", 2)
    assert post_login(client, "alice", PASSWORD).status_code == 200
    assert not logged_in(client)


def test_every_failure_is_access_logged_and_chain_holds(client, personas):
    fail(client, "alice", 6)
    post_login(client, "ghost", "x")
    entries = AccessLog.objects.filter(action="login_failed").order_by("id")
    assert entries.count() == 7
    alice = [e for e in entries if e.object_repr == "alice"]
    assert all(e.region_code == personas["alice"].region_id and e.user_id is None for e in alice)
    assert [e.detail["locked"] for e in alice] == [False] * 4 + [True, True]
    assert "wrong-password" not in str([e.detail for e in entries])
    checked, broken = verify_chain(AccessLog)
    assert checked == 7 and broken == []


def test_backend_refuses_locked_account_outside_the_login_page(personas):
    for _ in range(5):
        assert authenticate(username="carol", password="nope") is None
    assert authenticate(username="carol", password=PASSWORD) is None
    assert authenticate(username="dave", password=PASSWORD) == personas["dave"]


def test_form_enforces_the_lock_with_the_default_backend_too(client, personas, settings):
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    fail(client, "alice", 5)
    assert post_login(client, "alice", PASSWORD).status_code == 200
    assert not logged_in(client)
