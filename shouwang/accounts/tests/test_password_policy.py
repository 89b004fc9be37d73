"""Password policy: ≥ 10 characters, three of four classes, no reuse of the last N, expiry, self-service change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from shouwang.accounts.models import PasswordHistory, SecuritySettings, User
from shouwang.accounts.passwords import character_classes, expired
from shouwang.core.models import ChangeLog

PASSWORD = "Pass-word-123"  # the personas' password (conftest.py)


def codes(password, user=None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {e.code for e in error.error_list}
    return set()


@pytest.mark.parametrize("password, classes", [
    ("abcdefghij", 1), ("abcdefghi1", 2), ("Abcdefghi1", 3), ("Abcdefgh1!", 4), ("abc def gh1", 3),
    ("密码密码密码密码密码", 1), ("密码密码Mima2026", 4),
])
def test_character_classes_are_counted(password, classes):
    assert character_classes(password) == classes


@pytest.mark.django_db
@pytest.mark.parametrize("password, refused", [
    ("Sh0rt-pw", "password_too_short"),  # 8 characters, four classes
    ("lowercase-only-words", "password_too_few_classes"),  # two classes
    ("ALLCAPS12345", "password_too_few_classes"),  # two classes
    ("correcthorsebattery", "password_too_few_classes"),
])
def test_weak_passwords_are_refused(password, refused):
    assert refused in codes(password)


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["Pass-word-123", "river9-stone-Lamp", "Qx7#kLm2pZ", "lamp-river-77"])
def test_strong_passwords_pass(password):
    assert codes(password) == set()


def test_the_last_passwords_may_not_be_used_again(personas):
    alice = personas["alice"]
    for password in ("Second-pass-1", "Third-pass-22", "Fourth-pass-333"):
        validate_password(password, alice)
        alice.set_password(password)
        alice.save()
    # Only hashes are kept, one per password set with set_password, at most N (the fixture's first
    # password was set by create_user, which bypasses it: it is still refused as the current one).
    stored = list(PasswordHistory.objects.filter(user=alice).values_list("password", flat=True))
    assert len(stored) == 3 and all(value.startswith("md5$") for value in stored)
    assert "password_reused" in codes("Second-pass-1", alice)
    assert "password_reused" in codes("Fourth-pass-333", alice)  # the current one
    assert codes("Fifth-pass-4444", alice) == set()


def test_the_current_password_is_refused_even_when_set_without_history(personas):
    assert "password_reused" in codes(PASSWORD, personas["bob"])


def test_the_county_sets_how_many_passwords_are_remembered(personas):
    SecuritySettings.objects.create(region_code="433122", password_history=2)
    alice = personas["alice"]
    for password in ("Second-pass-1", "Third-pass-22"):
        alice.set_password(password)
        alice.save()
    assert PasswordHistory.objects.filter(user=alice).count() == 2
    assert codes(PASSWORD, alice) == set()  # the third-last may come back
    assert "password_reused" in codes("Second-pass-1", alice)


def test_a_password_expires_after_the_countys_days(personas):
    alice = personas["alice"]
    assert alice.password_changed_at is not None and not expired(alice)
    User.objects.filter(pk=alice.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    alice.refresh_from_db()
    assert expired(alice)
    SecuritySettings.objects.create(region_code="433122", password_expiry_days=120)
    assert not expired(alice)
    SecuritySettings.objects.filter(region_code="433122").update(password_expiry_days=0)
    assert not expired(alice)  # 0: no expiry


def test_an_expired_password_forces_the_change_page_after_login(client, personas):
    User.objects.filter(username="alice").update(password_changed_at=timezone.now() - timedelta(days=100))
    assert client.post("/login/", {"username": "alice", "password": PASSWORD}).status_code == 302
    response = client.get("/registry/households/")
    assert response.status_code == 302 and response["Location"].startswith("/account/password/")
    page = client.get("/account/password/")
    assert page.status_code == 200 and page.context["expired"]
    response = client.post("/account/password/", {
        "old_password": PASSWORD, "new_password1": "New-pass-word-9", "new_password2": "New-pass-word-9",
        "next": "/registry/households/",
    })
    assert response.status_code == 302 and response["Location"] == "/registry/households/"
    assert client.get("/registry/households/").status_code == 200  # still logged in, free to go
    assert User.objects.get(username="alice").check_password("New-pass-word-9")


def test_anyone_changes_their_own_password_from_the_account_page(client, personas):
    client.force_login(personas["carol"])
    assert 'href="/account/"' in client.get("/").content.decode()  # the user menu leads there
    assert 'href="/account/password/"' in client.get("/account/").content.decode()
    weak = client.post("/account/password/", {
        "old_password": PASSWORD, "new_password1": "weakpassword", "new_password2": "weakpassword",
    })
    assert weak.status_code == 200 and weak.context["form"].errors
    reused = client.post("/account/password/", {
        "old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD,
    })
    assert reused.status_code == 200 and "new_password2" in reused.context["form"].errors
    wrong_old = client.post("/account/password/", {
        "old_password": "Not-the-pass-1", "new_password1": "Carols-new-pw-1", "new_password2": "Carols-new-pw-1",
    })
    assert wrong_old.status_code == 200 and "old_password" in wrong_old.context["form"].errors
    done = client.post("/account/password/", {
        "old_password": PASSWORD, "new_password1": "Carols-new-pw-1", "new_password2": "Carols-new-pw-1",
    })
    assert done.status_code == 302
    assert client.get("/").status_code == 200  # the session survives its own password change
    assert ChangeLog.objects.filter(object_type="accounts.user", after__password="(changed)").exists()
