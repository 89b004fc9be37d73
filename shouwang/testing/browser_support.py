"""Helpers shared by the browser tests (kept out of conftest.py so tests can import them)."""

from __future__ import annotations

import re

PASSWORD = "Pass-word-123"  # the personas' password (conftest.py at the repository root)
FULL_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
FULL_PHONE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def log_in(pg, live_server, username: str) -> None:
    """Log in through the real login form, as a user would: the password, then (for an account
    that must use two factors) the code of its authenticator app, set up on the spot the first time
    from the key the enrolment page shows, as a person would type it into the app."""
    pg.goto(f"{live_server.url}/login/")
    pg.fill("input[name=username]", username)
    pg.fill("input[name=password]", PASSWORD)
    pg.click("main form button[type=submit]")
    pg.wait_for_url(lambda url: "/login/" not in url)
    second_factor(pg, username)
    pg.wait_for_url(f"{live_server.url}/")


def second_factor(pg, username: str) -> None:
    """On the enrolment or verify page after the password: type the app's code (else nothing)."""
    from shouwang.accounts.models import User
    from shouwang.testing.two_factor import code_for_secret, current_code

    if "/account/two-factor/" in pg.url:
        pg.fill("input[name=code]", code_for_secret(pg.inner_text("#totp-secret")))
        pg.click("main form button[type=submit]")
        pg.wait_for_selector(".recovery-codes")
        pg.click("main a.button.primary")  # "I have kept the codes; continue"
    elif "/account/verify/" in pg.url:
        pg.fill("input[name=code]", current_code(User.objects.get(username=username)))
        pg.click("main form button[type=submit]")


def assert_nothing_in_clear(html: str) -> None:
    assert not FULL_ID.search(html), FULL_ID.search(html)
    assert not FULL_PHONE.search(html), FULL_PHONE.search(html)


def body_overflow(pg) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when it fits)."""
    return pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
