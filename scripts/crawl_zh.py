#!/usr/bin/env python
"""Crawl the set-up demo county in Chinese as every demo user and list English words on its pages.

The same crawl as the browser test ``shouwang/web/tests/browser/test_zh_crawl.py``
(``shouwang.testing.zh_crawl``), on the lived-in demo instead of the test's small county: serves
the demo database on a free local port, logs in as each user of ``var/demo_users.json`` (written by
``create_demo_users``) in headless Chromium, and prints each English word once with the first page
it is on. Exit status 1 when a word or a server error is found. Run it after ``make setup``:

    .venv/bin/python scripts/crawl_zh.py [--max-pages 90] [--user demo_county]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshots import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    _django,
    _free_port,
    _log_in,
    _passwords,
    _serve,
    forget_enrolments,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-pages", type=int, default=90, help="pages per user (default 90)")
    parser.add_argument("--user", action="append", help="only this demo user (repeatable)")
    args = parser.parse_args()
    _django()
    from playwright.sync_api import sync_playwright

    from shouwang.testing.zh_crawl import crawl, report

    passwords = _passwords()
    users = args.user or sorted(passwords)
    port = _free_port()
    server = _serve(port)
    base = f"http://127.0.0.1:{port}"
    failed = False
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            for username in users:
                context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
                context.set_default_timeout(30_000)
                page = context.new_page()
                _log_in(page, base, username, passwords.get(username, ""))
                # User names (in the header, in the logs) are not English prose.
                allowed = {part.lower() for name in passwords for part in re.findall(r"[A-Za-z]+", name)}
                findings, errors, visited = crawl(page, base, ["/"], max_pages=args.max_pages, allowed=allowed)
                print(report(username, findings, errors) + f" ({len(visited)} pages)")
                failed |= bool(findings or errors)
                context.close()
            anonymous = browser.new_context(viewport=DESKTOP, locale="zh-CN")
            findings, errors, _visited = crawl(anonymous.new_page(), base, ["/login/", "/report/"])
            print(report("anonymous", findings, errors))
            failed |= bool(findings or errors)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        forget_enrolments()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
