"""API tokens: stored as digests only, expiring, revocable, and the API throttled per user and address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from shouwang.accounts.tokens import _FailedTokenThrottle, issue_token, revoke_tokens
from shouwang.core.throttling import AnonymousThrottle, UserThrottle


def token_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_token_is_never_stored_in_plaintext(personas):
    token = issue_token(personas["ivan"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest, token_key FROM knox_authtoken")
        rows = cursor.fetchall()
    assert len(rows) == 1
    assert all(token not in str(value) for value in rows[0])
    assert token_client(token).get("/api/regions/").status_code == 200


def test_token_expires_after_the_configured_days(personas, settings):
    settings.SHOUWANG_API_TOKEN_DAYS = 3
    token = issue_token(personas["ivan"])
    stored = AuthToken.objects.get(user=personas["ivan"])
    assert abs(stored.expiry - (timezone.now() + timedelta(days=3))) < timedelta(minutes=1)
    AuthToken.objects.filter(pk=stored.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert token_client(token).get("/api/regions/").status_code in (401, 403)
    assert not AuthToken.objects.filter(user=personas["ivan"]).exists()  # an expired token is deleted


def test_new_token_revokes_the_old_and_revoke_removes_all(personas):
    first = issue_token(personas["ivan"])
    second = issue_token(personas["ivan"])
    assert token_client(first).get("/api/regions/").status_code in (401, 403)
    assert token_client(second).get("/api/regions/").status_code == 200
    assert revoke_tokens(personas["ivan"]) == 1
    assert token_client(second).get("/api/regions/").status_code in (401, 403)


@pytest.fixture
def rates(monkeypatch):
    cache.clear()
    monkeypatch.setattr(UserThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "2/min"})
    for throttle in (AnonymousThrottle, _FailedTokenThrottle):
        monkeypatch.setattr(throttle, "THROTTLE_RATES", {"user": "3/min", "anon": "2/min"})
    yield
    cache.clear()


def test_api_is_throttled_per_user_whichever_token(personas, rates):
    ivan = issue_token(personas["ivan"])
    statuses = [token_client(ivan).get("/api/regions/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Another user has a budget of their own.
    assert token_client(issue_token(personas["erin"])).get("/api/regions/").status_code == 200


def test_wrong_tokens_are_throttled_per_client_address(personas, rates, settings):
    settings.SHOUWANG_CLIENT_IP_HEADER = ""
    statuses = [
        APIClient().get("/api/regions/", HTTP_AUTHORIZATION=f"Token guess{i}", REMOTE_ADDR="10.0.0.7",
                        HTTP_X_FORWARDED_FOR=f"192.0.2.{i}").status_code
        for i in range(3)
    ]
    # A forged X-Forwarded-For does not give a fresh budget.
    assert statuses == [403, 403, 429]
    # Another address may still try; a right token from it works.
    assert APIClient().get("/api/regions/", REMOTE_ADDR="10.0.0.8").status_code in (401, 403)
    token = issue_token(personas["ivan"])
    assert token_client(token).get("/api/regions/", REMOTE_ADDR="10.0.0.8").status_code == 200
