"""Helpers shared by the browser tests (kept out of conftest.py so tests can import them)."""

from __future__ import annotations

import re

PASSWORD = "Pass-word-123"  # the personas' password (conftest.py at the repository root)
FULL_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
FULL_PHONE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def log_in(pg, live_server, username: str) -> None:
    """Log in through the real login form, as a user would."""
    pg.goto(f"{live_server.url}/login/")
    pg.fill("input[name=username]", username)
    pg.fill("input[name=password]", PASSWORD)
    pg.click("main form button[type=submit]")
    pg.wait_for_url(f"{live_server.url}/")


def assert_nothing_in_clear(html: str) -> None:
    assert not FULL_ID.search(html), FULL_ID.search(html)
    assert not FULL_PHONE.search(html), FULL_PHONE.search(html)


def body_overflow(pg) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when it fits)."""
    return pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
