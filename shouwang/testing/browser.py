"""Browser-test harness: Playwright's sync API driving Debian's Chromium against a live server.

Never ``playwright install``: it downloads a browser, and the machines this runs on have no
network. Debian's ``chromium`` package is used instead (CJK glyphs need ``fonts-noto-cjk``).
When Chromium or Playwright is missing the tests skip and say why.

Screenshots go to ``$SHOUWANG_SCREENSHOT_DIR`` when set, else to a pytest temporary folder
(printed at the end of each test that writes one); never into the repository.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM (fixtures, test code)
# would otherwise refuse to run here with SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("SHOUWANG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
]


def _why_unavailable() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return (f"Chromium not found at {CHROMIUM}: install the Debian packages "
                "(apt-get install chromium fonts-noto-cjk).")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed: pip install the 'test' extra."
    return None


def _skip(request: pytest.FixtureRequest, reason: str) -> None:
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"SKIPPED browser tests: {reason}", yellow=True)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser(request: pytest.FixtureRequest) -> Iterator:
    reason = _why_unavailable()
    if reason:
        _skip(request, reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        try:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        except Exception as exc:  # a broken install: say so rather than erroring every test
            _skip(request, f"Chromium at {CHROMIUM} did not start: {exc}")
        yield chromium
        chromium.close()


def _new_page(browser, viewport: dict[str, int], **options):
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    context.set_default_timeout(15_000)
    return context, context.new_page()


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """A desktop-sized page in a fresh browser context (no cookies from other tests)."""
    context, pg = _new_page(browser, {"width": 1280, "height": 900})
    yield pg
    context.close()


@pytest.fixture
def phone_page(browser, live_server) -> Iterator:
    """A 360 × 740 phone-sized page with touch, the smallest common Android viewport."""
    context, pg = _new_page(browser, {"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                            device_scale_factor=2)
    yield pg
    context.close()


@pytest.fixture
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("SHOUWANG_SCREENSHOT_DIR")
    path = Path(configured) if configured else tmp_path_factory.mktemp("screenshots", numbered=True)
    path.mkdir(parents=True, exist_ok=True)
    return path
