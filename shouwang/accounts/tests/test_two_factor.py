"""Two factors at login: who must, enrolment on first login, the pending session, codes and recovery codes."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from shouwang.accounts import two_factor
from shouwang.accounts.models import LoginThrottle, RecoveryCode, SecuritySettings, TotpDevice
from shouwang.accounts.permissions import must_use_two_factor
from shouwang.core.models import ChangeLog
from shouwang.testing.two_factor import code_for_secret, confirmed_app, current_code

PASSWORD = "Pass-word-123"  # the personas' password (conftest.py)
HOME = "/"
ENROL = "/account/two-factor/"
VERIFY = "/account/verify/"


def password_step(client, username):
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return response


def no_back_off(user):
    """Forget the exponential back-off after a wrong code (1 s, 2 s, …): tests type faster than people."""
    from shouwang.accounts.models import RecoveryCodeDevice

    for model in (TotpDevice, RecoveryCodeDevice):
        model.objects.filter(user=user).update(throttling_failure_count=0, throttling_failure_timestamp=None)


def secret_on(response) -> str:
    match = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', response.content.decode())
    assert match, "the enrolment page shows the secret as text"
    return match.group(1)


# --- who must ------------------------------------------------------------------------------------


def test_accounts_with_sensitive_rights_must_use_two_factors(personas):
    must = {name for name, user in personas.items() if must_use_two_factor(user)}
    # erin may unmask (and approves at county level), frank administers; the others may do neither.
    assert must == {"erin", "frank"}


def test_a_county_officer_without_the_unmask_grant_must_too_for_approving(personas):
    from conftest import COUNTY, _user

    assert must_use_two_factor(_user("oscar", "county", COUNTY))


def test_the_county_may_require_two_factors_for_all(personas):
    assert not must_use_two_factor(personas["alice"])
    SecuritySettings.objects.create(region_code="433122", require_two_factor_for_all=True)
    assert must_use_two_factor(personas["alice"]) and must_use_two_factor(personas["carol"])


# --- enrolment and the pending session -----------------------------------------------------------


def test_a_must_have_account_is_sent_to_enrolment_after_the_password(client, personas):
    response = password_step(client, "frank")
    assert client.get(response["Location"]).status_code == 302  # home → enrolment
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(ENROL)
    page = client.get(ENROL)
    assert page.status_code == 200 and "<svg" in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]


def test_a_plain_village_account_is_not_asked(client, personas):
    password_step(client, "alice")
    assert client.get(HOME).status_code == 200


def test_a_village_account_is_asked_when_the_county_requires_it_for_all(client, personas):
    SecuritySettings.objects.create(region_code="433122", require_two_factor_for_all=True)
    password_step(client, "alice")
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(ENROL)


@pytest.mark.parametrize("url", ["/", "/registry/households/", "/account/", "/account/password/",
                                 "/audit/changes/"])
def test_a_password_only_session_reaches_no_page(client, personas, url):
    password_step(client, "erin")
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(ENROL)


def test_a_password_only_session_gets_no_api_answer(client, personas):
    password_step(client, "erin")
    response = client.get("/api/households/")
    assert response.status_code == 403 and "second factor" in response.json()["detail"]


def test_enrolment_confirms_with_a_code_and_shows_recovery_codes_once(client, personas):
    password_step(client, "frank")
    secret = secret_on(client.get(ENROL))
    wrong = client.post(ENROL, {"code": "000000" if code_for_secret(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert client.get(HOME).status_code == 302
    no_back_off(personas["frank"])
    response = client.post(ENROL, {"code": code_for_secret(secret), "next": "/"})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(HOME).status_code == 200  # the session is now verified
    device = TotpDevice.objects.get(user=personas["frank"])
    assert device.confirmed
    # Only keyed hashes are stored: no code (nor the secret) appears in the database.
    stored = set(RecoveryCode.objects.values_list("digest", flat=True))
    assert len(stored) == 10 and not stored & {c.replace("-", "") for c in codes}
    assert secret.replace(" ", "") not in str(TotpDevice.objects.values_list("key", flat=True).get())
    assert ChangeLog.objects.filter(object_type="accounts.user", after__two_factor="enrolled").exists()
    # The account page no longer shows them.
    assert not any(code in client.get("/account/").content.decode() for code in codes)


def test_a_pending_session_of_an_enrolled_account_cannot_enrol_another_app(client, personas):
    confirmed_app(personas["erin"])
    password_step(client, "erin")
    response = client.get(ENROL)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:verify")
    assert client.get(HOME)["Location"].startswith(VERIFY)


# --- verification ---------------------------------------------------------------------------------


def test_a_right_code_verifies_and_a_wrong_one_is_refused(client, personas):
    erin = personas["erin"]
    confirmed_app(erin)
    password_step(client, "erin")
    right = current_code(erin)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200 and response.context["form"].errors
    assert client.get(HOME).status_code == 302
    no_back_off(erin)
    response = client.post(VERIFY, {"code": right, "next": "/registry/households/"})
    assert response.status_code == 302 and response["Location"] == "/registry/households/"
    assert client.get(HOME).status_code == 200


def test_a_code_is_accepted_once(client, personas):
    erin = personas["erin"]
    confirmed_app(erin)
    password_step(client, "erin")
    code = current_code(erin)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    other = client.__class__(HTTP_ACCEPT_LANGUAGE="en")
    password_step(other, "erin")
    assert other.post(VERIFY, {"code": code}).status_code == 200  # replayed: refused
    assert other.get(HOME).status_code == 302


def test_wrong_codes_count_toward_the_account_lock(client, personas):
    erin = personas["erin"]
    confirmed_app(erin)
    TotpDevice.objects.filter(user=erin).update(throttling_failure_count=0)
    password_step(client, "erin")
    for _ in range(5):
        TotpDevice.objects.filter(user=erin).update(throttling_failure_timestamp=None)  # skip the back-off
        client.post(VERIFY, {"code": "12345x"})
    assert LoginThrottle.objects.get(username="erin").locked_until is not None
    assert "_auth_user_id" not in client.session  # logged out when the account locked


def test_a_recovery_code_works_once(client, personas):
    frank = personas["frank"]
    confirmed_app(frank)
    codes = two_factor.new_recovery_codes(frank)
    password_step(client, "frank")
    response = client.post(VERIFY, {"code": codes[3].lower()})
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200
    assert two_factor.recovery_codes_left(frank) == 9
    again = client.__class__(HTTP_ACCEPT_LANGUAGE="en")
    password_step(again, "frank")
    assert again.post(VERIFY, {"code": codes[3]}).status_code == 200
    assert again.get(HOME).status_code == 302
    no_back_off(frank)
    assert again.post(VERIFY, {"code": codes[4]}).status_code == 302


def test_new_recovery_codes_replace_the_old(client, personas):
    frank = personas["frank"]
    old = two_factor.new_recovery_codes(frank)
    confirmed_app(frank)
    client.force_login(frank)
    response = client.post("/account/two-factor/recovery-codes/")
    assert response.status_code == 200
    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    device = frank.recoverycodedevice_set.get()
    assert not device.verify_token(old[0])
    no_back_off(frank)
    device.refresh_from_db()
    assert device.verify_token(new[0])


# --- the administrator's reset -------------------------------------------------------------------


def test_the_administrator_resets_a_users_second_factor_and_it_is_logged(client, personas):
    erin = personas["erin"]
    confirmed_app(erin)
    two_factor.new_recovery_codes(erin)
    client.force_login(personas["frank"])
    response = client.post("/account/two-factor/reset/", {"username": "erin"})
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=erin).exists() and not RecoveryCode.objects.exists()
    entry = ChangeLog.objects.filter(object_type="accounts.user", object_id=str(erin.pk),
                                     after__two_factor="reset").get()
    assert entry.username == "frank"
    # At the next login erin enrols again.
    other = client.__class__(HTTP_ACCEPT_LANGUAGE="en")
    password_step(other, "erin")
    assert other.get(HOME)["Location"].startswith(ENROL)


def test_only_the_administrator_resets_and_only_in_the_region(client, personas):
    from conftest import _user

    client.force_login(personas["erin"])
    assert client.post("/account/two-factor/reset/", {"username": "alice"}).status_code == 403
    from shouwang.regions.models import Region

    Region.objects.create(code="433199", name="Other county", level="county", parent_code="4331")
    outsider = _user("olga", "county", "433199")
    confirmed_app(outsider)
    client.force_login(personas["frank"])
    response = client.post("/account/two-factor/reset/", {"username": "olga"})
    assert response.status_code == 200 and response.context["form"].errors
    assert TotpDevice.objects.filter(user=outsider).exists()


def test_the_county_administrator_sets_the_login_rules(client, personas):
    client.force_login(personas["frank"])
    response = client.post("/account/login-rules/", {
        "require_two_factor_for_all": "on", "password_history": "8", "password_expiry_days": "60",
    })
    assert response.status_code == 302
    stored = SecuritySettings.objects.get(region_code="433122")
    assert stored.require_two_factor_for_all and stored.password_history == 8 and stored.password_expiry_days == 60
    assert must_use_two_factor(personas["alice"])
    client.force_login(personas["carol"])
    assert client.post("/account/login-rules/", {"password_history": "0"}).status_code == 403


def test_the_operator_resets_a_second_factor_from_the_command_line(personas):
    from io import StringIO

    from django.core.management import call_command

    frank = personas["frank"]
    confirmed_app(frank)
    out = StringIO()
    call_command("reset_two_factor", "frank", stdout=out)
    assert "reset" in out.getvalue() and not TotpDevice.objects.filter(user=frank).exists()
    entry = ChangeLog.objects.get(object_id=str(frank.pk), after__two_factor="reset")
    assert entry.source == "manage.py reset_two_factor"
