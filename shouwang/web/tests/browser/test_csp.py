"""In a real browser, under the site's Content-Security-Policy: the main pages run with no CSP
violation and no console error (every script and style comes from a static file), and a full ID
number typed into a GET search box never travels in a web address."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import VILLAGE_A1
from shouwang.registry.demo.synthetic import make_id_number
from shouwang.registry.tests.factories import make_household
from shouwang.supervision.dashboards.services import refresh
from shouwang.testing.browser_support import log_in

pytestmark = pytest.mark.browser

# Recorded in the page itself: every violation the browser reports, before any page script runs.
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" +
                    e.lineNumber);
});
"""

STAFF_PAGES = [
    "/",
    "/registry/households/",
    "/registry/import/",
    "/monitoring/warnings/",
    "/monitoring/rules/",
    "/monitoring/campaigns/",
    "/cases/",
    "/supervision/dashboard/",
    "/supervision/spot-checks/",
    "/api/docs/",
]


def _watch(pg) -> list[str]:
    errors: list[str] = []
    pg.add_init_script(WATCH_CSP)
    pg.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    return errors


def _visit(pg, url: str, errors: list[str]) -> None:
    response = pg.goto(url)
    assert response is not None and response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"], url
    pg.wait_for_load_state("networkidle")
    violations = pg.evaluate("window.__csp")
    assert violations == [], (url, violations)
    assert errors == [], (url, errors)


def test_main_pages_run_under_the_csp_without_violations(page, live_server, personas):
    household = make_household(VILLAGE_A1, members=2)
    refresh()
    errors = _watch(page)
    _visit(page, f"{live_server.url}/login/", errors)
    _visit(page, f"{live_server.url}/report/", errors)
    log_in(page, live_server, "carol")
    for path in [*STAFF_PAGES, f"/registry/households/{household.pk}/"]:
        _visit(page, f"{live_server.url}{path}", errors)
    # The dashboard's charts draw and answer the pointer (their tooltips) under the policy too.
    page.goto(f"{live_server.url}/supervision/dashboard/")
    page.wait_for_load_state("networkidle")
    charts = page.locator("[data-chart] svg").all()
    assert charts, "no chart was drawn"
    for chart in charts[:4]:
        box = chart.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(200)
    assert page.evaluate("window.__csp") == [] and errors == []


def test_a_full_id_typed_into_a_get_search_never_travels_in_an_address(page, live_server, personas):
    household = make_household(VILLAGE_A1, members=1)
    number = household.members.get().id_number
    unknown = make_id_number("433122", date(1971, 3, 9), 17)
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url + " " + (request.post_data or "")))
    log_in(page, live_server, "carol")

    page.goto(f"{live_server.url}/registry/households/")
    page.fill("form[role=search] input[name=q]", number)
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    # It went by POST to the ID number search, which found the household.
    assert household.number in page.locator("main").inner_text()
    urls = [s.split(" ", 1)[0] for s in sent]
    assert not any(number in url for url in urls), urls
    assert any(number in s.split(" ", 1)[1] for s in sent)  # in a POST body, not an address

    sent.clear()
    page.goto(f"{live_server.url}/monitoring/warnings/")
    box = page.locator("main form[method=get] input[name=q]").first
    box.fill(unknown)
    box.press("Enter")
    page.wait_for_timeout(300)
    assert not any(unknown in s for s in sent), sent
    assert box.evaluate("el => el.validationMessage") != ""
