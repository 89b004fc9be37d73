#!/usr/bin/env python
"""Take the README's screenshots of the set-up demo county (``make screenshots``, after ``make setup``).

Serves the demo database on a free local port, logs in as the demo users (passwords from
``var/demo_users.json``, written by ``create_demo_users``) in headless Chromium and writes, in
Chinese, to ``docs/screenshots/`` (or ``--out``):

* county-dashboard.png: the county officer's dashboard;
* township-dashboard.png: a township officer's dashboard;
* village-queue-phone.png: a village cadre's warning queue on a 375-pixel-wide phone;
* case-elimination.png: a case whose risk elimination is under way (or done);
* scorecard.png: the county's scorecard of the last month.

Tests never write there: only this script does.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("SHOUWANG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=zh-CN"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.settings")
    import django

    django.setup()


def _passwords() -> dict[str, str]:
    from django.conf import settings

    path = Path(settings.VAR_DIR) / "demo_users.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        sys.exit(f"{path} is missing: run `make setup` first (create_demo_users writes it).")


def _targets() -> dict[str, tuple[str, str, dict]]:
    """Screenshot name → (user, path, viewport)."""
    from django.urls import reverse

    from shouwang.cases.models import Case, CaseStatus

    case = (Case.objects.filter(status=CaseStatus.ELIMINATING).order_by("id").first()
            or Case.objects.filter(status=CaseStatus.ELIMINATED).order_by("-eliminated_on", "id").first())
    if case is None:
        sys.exit("The demo has no case in elimination: run `make setup` (seed_demo plays the demo years).")
    return {
        "county-dashboard": ("demo_county", reverse("supervision:dashboard"), DESKTOP),
        "township-dashboard": ("demo_township1", reverse("supervision:dashboard"), DESKTOP),
        "village-queue-phone": ("demo_village1", reverse("monitoring:warning_list"), PHONE),
        "case-elimination": ("demo_county", reverse("cases:case_detail", args=[case.pk]), DESKTOP),
        "scorecard": ("demo_county", reverse("supervision:assessment"), DESKTOP),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _attempt in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
            return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    sys.exit("The demo server did not start.")


# Demo users this script set up an authenticator app for (the enrolment page after the password);
# ``forget_enrolments`` removes those apps again, so a person's first login still enrols.
ENROLLED: set[str] = set()


def _code(key: bytes, at: float) -> str:
    from django_otp.oath import TOTP

    generator = TOTP(key, step=30, t0=0, digits=6)
    generator.time = at
    return str(generator.token()).zfill(6)


def _second_factor(page, username: str) -> None:
    """Type the authenticator code: from the key the enrolment page shows, or the app's stored key."""
    from base64 import b32decode

    from shouwang.accounts.models import TotpDevice

    if "/account/two-factor/" in page.url:
        secret = page.inner_text("#totp-secret").replace(" ", "")
        page.fill("input[name=code]", _code(b32decode(secret + "=" * (-len(secret) % 8)), time.time()))
        page.press("input[name=code]", "Enter")
        page.wait_for_selector(".recovery-codes")
        page.click("main a.button.primary")
        ENROLLED.add(username)
    elif "/account/verify/" in page.url:
        device = TotpDevice.objects.get(user__username=username, confirmed=True)
        now = time.time()
        at = now if device.last_t < int(now // 30) else now + 30  # this step's code was used: the next one
        page.fill("input[name=code]", _code(device.bin_key, at))
        page.press("input[name=code]", "Enter")


def forget_enrolments() -> None:
    """Remove the apps this script set up (logged in the change log as this script's doing)."""
    from shouwang.accounts import two_factor
    from shouwang.accounts.models import User
    from shouwang.core.audit import acting_as

    with acting_as(source="scripts/screenshots.py"):
        for user in User.objects.filter(username__in=ENROLLED):
            two_factor.reset(user)
    ENROLLED.clear()


def _log_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    # Enter in the password field: the first submit button on the page is the language switch.
    page.press("input[name=password]", "Enter")
    page.wait_for_url(lambda url: "/login/" not in url)
    _second_factor(page, username)  # accounts that must use two factors
    page.wait_for_url(f"{base}/")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="folder to write to")
    args = parser.parse_args()
    _django()
    passwords = _passwords()
    targets = _targets()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    port = _free_port()
    server = _serve(port)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            for name, (username, path, viewport) in targets.items():
                phone = viewport is PHONE
                context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=phone, has_touch=phone,
                                              device_scale_factor=2 if phone else 1)
                page = context.new_page()
                _log_in(page, base, username, passwords.get(username, ""))
                page.goto(f"{base}{path}")
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(800)  # the charts' entry animation
                page.screenshot(path=str(out / f"{name}.png"), full_page=True)
                print(f"{out / name}.png")
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        forget_enrolments()


if __name__ == "__main__":
    main()
