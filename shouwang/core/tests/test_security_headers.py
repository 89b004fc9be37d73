"""Every response carries the site's CSP; every response the application writes is ``no-store``."""

from __future__ import annotations

import pytest

from shouwang.accounts.tokens import issue_token

CSP_PARTS = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'self'",
    "object-src 'none'",
]


def assert_strict_csp(response) -> None:
    policy = response["Content-Security-Policy"]
    for part in CSP_PARTS:
        assert part in policy, (part, policy)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def assert_no_store(response) -> None:
    assert "no-store" in response["Cache-Control"], response.get("Cache-Control")


@pytest.mark.parametrize("url", ["/", "/registry/households/", "/monitoring/warnings/", "/api/docs/"])
def test_signed_in_pages_have_csp_and_no_store(client, personas, url):
    client.force_login(personas["erin"])
    response = client.get(url)
    assert response.status_code == 200, url
    assert_strict_csp(response)
    assert_no_store(response)


def test_api_answers_by_token_are_no_store(client, personas):
    response = client.get("/api/households/", headers={"Authorization": f"Token {issue_token(personas['erin'])}"})
    assert response.status_code == 200
    assert_no_store(response)
    assert_strict_csp(response)


def test_public_pages_and_errors_are_no_store_too(client, db):
    for url, status in [("/login/", 200), ("/report/", 200), ("/no-such-page/", 404)]:
        response = client.get(url)
        assert response.status_code == status, url
        assert_no_store(response)
        assert_strict_csp(response)


def test_api_docs_script_is_served_from_its_own_url(client, personas):
    client.force_login(personas["erin"])
    page = client.get("/api/docs/").content.decode()
    assert "<style" not in page
    assert "<script>" not in page
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_static_files_keep_their_own_caching(client, db):
    response = client.get("/static/web/site.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_view_that_says_public_is_left_alone(rf):
    from django.http import HttpResponse

    from shouwang.core.nostore import NoStoreMiddleware

    def public_view(request):
        response = HttpResponse("x")
        response["Cache-Control"] = "public, max-age=60"
        return response

    assert NoStoreMiddleware(public_view)(rf.get("/"))["Cache-Control"] == "public, max-age=60"
    assert "no-store" in NoStoreMiddleware(lambda r: HttpResponse("x"))(rf.get("/"))["Cache-Control"]


def test_downloads_are_no_store(client, personas):
    client.force_login(personas["carol"])
    response = client.get("/registry/import/template.xlsx")
    assert response.status_code == 200
    assert_no_store(response)
