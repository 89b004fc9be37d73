"""``add_user`` and ``create_demo_users``: roles on fitting regions, passwords, tokens, unmasking."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from knox.models import AuthToken

from conftest import COUNTY, TOWNSHIP_A, VILLAGE_A1
from shouwang.accounts.models import User
from shouwang.core.models import ChangeLog


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_add_user_creates_user_with_generated_password(regions):
    output = run("add_user", "xiaoli", "--role", "village", "--region", VILLAGE_A1)
    user = User.objects.get(username="xiaoli")
    assert (user.role, user.region_id) == ("village", VILLAGE_A1)
    password = re.search(r"Password: (\S+)", output).group(1)
    assert len(password) >= 16
    assert user.check_password(password)
    assert not user.can_unmask
    assert not AuthToken.objects.filter(user=user).exists()


def test_add_user_with_password_token_and_unmask(regions):
    output = run(
        "add_user",
        "laozhang",
        "--role",
        "county",
        "--region",
        COUNTY,
        "--password",
        "Long-enough-9x",
        "--token",
        "--unmask",
    )
    user = User.objects.get(username="laozhang")
    assert user.check_password("Long-enough-9x")
    assert "Long-enough-9x" not in output
    assert user.can_unmask
    key = re.search(r"Authorization: Token (\w+)", output).group(1)
    stored = AuthToken.objects.get(user=user)
    # Only a digest and a short lookup prefix are stored, never the token itself.
    assert key not in stored.digest and len(stored.token_key) < len(key)
    assert stored.expiry is not None
    # A second --token issues a new token and revokes the first.
    again = run("add_user", "laozhang", "--role", "county", "--region", COUNTY, "--token")
    assert key not in again
    assert AuthToken.objects.filter(user=user).count() == 1


def test_token_from_add_user_authenticates_the_api(regions, client):
    output = run("add_user", "feed", "--role", "leader", "--region", COUNTY, "--token")
    key = re.search(r"Authorization: Token (\w+)", output).group(1)
    response = client.get("/api/regions/", headers={"Authorization": f"Token {key}"})
    assert response.status_code == 200
    assert response.json()["count"] == 161


def test_rerun_updates_role_region_and_says_so(regions):
    run("add_user", "wang", "--role", "village", "--region", VILLAGE_A1, "--password", "First-pass-123")
    output = run("add_user", "wang", "--role", "township", "--region", TOWNSHIP_A)
    user = User.objects.get(username="wang")
    assert "Updated user wang" in output
    assert (user.role, user.region_id) == ("township", TOWNSHIP_A)
    assert user.check_password("First-pass-123"), "password kept when none is given"
    run("add_user", "wang", "--role", "township", "--region", TOWNSHIP_A, "--password", "Second-pass-456")
    user.refresh_from_db()
    assert user.check_password("Second-pass-456")


def test_unmask_can_be_revoked(regions):
    run("add_user", "zhao", "--role", "county", "--region", COUNTY, "--unmask")
    assert User.objects.get(username="zhao").can_unmask
    run("add_user", "zhao", "--role", "county", "--region", COUNTY, "--no-unmask")
    assert not User.objects.get(username="zhao").can_unmask


@pytest.mark.parametrize(
    "role,region,message",
    [
        ("village", TOWNSHIP_A, "Village level"),
        ("township", VILLAGE_A1, "Township level"),
        ("county", TOWNSHIP_A, "County"),
        ("auditor", VILLAGE_A1, "County"),
        ("village", "433122999999", "does not exist"),
    ],
)
def test_add_user_refuses_region_that_does_not_fit(regions, role, region, message):
    with pytest.raises(CommandError, match=message):
        run("add_user", "bad", "--role", role, "--region", region)
    assert not User.objects.filter(username="bad").exists()


def test_add_user_refuses_weak_password(regions):
    with pytest.raises(CommandError):
        run("add_user", "weak", "--role", "leader", "--region", COUNTY, "--password", "123456")
    assert not User.objects.filter(username="weak").exists()


def test_add_user_is_in_the_change_log_without_password(regions):
    run("add_user", "logged", "--role", "leader", "--region", COUNTY, "--password", "Long-enough-9x")
    entry = ChangeLog.objects.get(object_type="accounts.user")
    assert entry.action == "create" and entry.after["role"] == "leader"
    assert "Long-enough-9x" not in str(entry.after) and "pbkdf" not in str(entry.after).lower()
    assert entry.source == "manage.py add_user"


@pytest.fixture(autouse=True)
def _private_var_dir(settings, tmp_path):
    """create_demo_users remembers demo passwords under VAR_DIR; keep tests out of the real one."""
    settings.VAR_DIR = tmp_path


def _printed_password(output: str, username: str) -> str:
    line = next(line for line in output.splitlines() if line.startswith(username + " "))
    return line.split()[-1] if username != "demo_department" else line.split()[-2]


def test_create_demo_users_one_per_role_across_two_townships(regions):
    output = run("create_demo_users")
    users = {u.username: u for u in User.objects.all()}
    roles = {u.role for u in users.values()}
    assert roles == {"village", "township", "county", "admin", "department", "leader", "auditor"}
    villages = [u.region_id for u in users.values() if u.role == "village"]
    townships = [u.region_id for u in users.values() if u.role == "township"]
    assert len(set(villages)) == 2 and len({v[:9] for v in villages}) == 2
    assert len(set(townships)) == 2 and {v[:9] for v in villages} == set(townships)
    assert users["demo_county"].can_unmask
    assert AuthToken.objects.filter(user=users["demo_department"]).exists()
    for user in users.values():
        assert user.check_password(_printed_password(output, user.username)), user.username


def test_create_demo_users_again_keeps_passwords_unless_reset(regions, settings):
    run("create_demo_users")
    before = dict(User.objects.values_list("username", "password"))
    output = run("create_demo_users")
    assert dict(User.objects.values_list("username", "password")) == before
    # The second run prints the same, still valid passwords (remembered outside git, owner-only).
    for user in User.objects.all():
        assert user.check_password(_printed_password(output, user.username)), user.username
    assert (settings.VAR_DIR / "demo_users.json").stat().st_mode & 0o077 == 0
    output = run("create_demo_users", "--reset")
    assert "(unchanged)" not in output
    after = dict(User.objects.values_list("username", "password"))
    assert all(after[name] != before[name] for name in before)


def test_create_demo_users_needs_regions(db):
    with pytest.raises(CommandError, match="load_regions"):
        run("create_demo_users")
