"""The second factor in a browser on a phone: enrolment on the first login, the code at the next."""

from __future__ import annotations

import pytest

from shouwang.accounts.models import TotpDevice
from shouwang.testing.browser_support import PASSWORD, body_overflow
from shouwang.testing.two_factor import code_for_secret, current_code

pytestmark = pytest.mark.browser


def password(pg, live_server, username):
    pg.goto(f"{live_server.url}/login/")
    pg.fill("input[name=username]", username)
    pg.fill("input[name=password]", PASSWORD)
    pg.click("main form button[type=submit]")
    pg.wait_for_url(lambda url: "/login/" not in url)


def test_enrolment_then_verification_on_a_phone(phone_page, live_server, personas, screenshot_dir):
    pg = phone_page
    password(pg, live_server, "frank")
    assert "/account/two-factor/" in pg.url  # sent to enrolment right after the password
    assert pg.locator(".qr svg").count() == 1
    assert body_overflow(pg) <= 0
    pg.screenshot(path=str(screenshot_dir / "two-factor-01-enrol.png"), full_page=True)
    # Nothing else opens before the code: the household list sends back to enrolment.
    pg.goto(f"{live_server.url}/registry/households/")
    assert "/account/two-factor/" in pg.url
    pg.fill("input[name=code]", code_for_secret(pg.inner_text("#totp-secret")))
    pg.click("main form button[type=submit]")
    codes = pg.locator(".recovery-codes li")
    codes.first.wait_for()
    assert codes.count() == 10
    assert body_overflow(pg) <= 0
    pg.screenshot(path=str(screenshot_dir / "two-factor-02-recovery-codes.png"), full_page=True)
    pg.click("main a.button.primary")
    pg.wait_for_url(f"{live_server.url}/registry/households/")
    assert TotpDevice.objects.get(user=personas["frank"]).confirmed

    pg.click(".nav-toggle")  # on a phone the menu (and logout) fold behind this button
    pg.click("form.logout button[type=submit]")
    password(pg, live_server, "frank")
    assert "/account/verify/" in pg.url
    assert body_overflow(pg) <= 0
    pg.screenshot(path=str(screenshot_dir / "two-factor-03-verify.png"), full_page=True)
    pg.fill("input[name=code]", current_code(personas["frank"]))
    pg.click("main form button[type=submit]")
    pg.wait_for_url(f"{live_server.url}/")
