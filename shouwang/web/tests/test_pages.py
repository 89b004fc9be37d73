"""The site shell: login, the home page's scoped counts, navigation by role, language, error pages."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from conftest import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.registry.tests.factories import make_household

HOME = reverse("web:home")
LOGIN = reverse("login")
HTML_LANG = re.compile(rb'<html lang="([^"]+)"')


def html_lang(response) -> str:
    match = HTML_LANG.search(response.content)
    assert match, response.content[:200]
    return match.group(1).decode()


@pytest.fixture
def households(personas):
    return [make_household(VILLAGE_A1), make_household(VILLAGE_A1, household_type="ex_poor"),
            make_household(VILLAGE_A2), make_household(VILLAGE_B1)]


# --- login ---------------------------------------------------------------------------------------


def test_home_requires_login(client, db):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_login_page_has_a_usable_form(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="username"' in content and 'name="password"' in content
    assert 'autocomplete="current-password"' in content
    assert 'name="viewport"' in content


def test_persona_logs_in_and_lands_on_home(client, personas):
    response = client.post(LOGIN, {"username": "carol", "password": "Pass-word-123"}, follow=True)
    assert response.redirect_chain[-1][0] == HOME
    assert response.context["user"].username == "carol"
    assert b"carol" in response.content


def test_wrong_password_is_refused_with_a_message(client, personas):
    response = client.post(LOGIN, {"username": "carol", "password": "wrong-password"})
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated
    assert response.context["form"].non_field_errors()


def test_logout_is_a_post_and_ends_the_session(client, personas):
    client.force_login(personas["alice"])
    content = client.get(HOME).content.decode()
    logout = re.escape(reverse("logout"))
    assert re.search(rf'<form[^>]+action="{logout}"[^>]+method="post"', content)
    client.post(reverse("logout"))
    assert client.get(HOME).status_code == 302


# --- home ----------------------------------------------------------------------------------------


def test_home_shows_role_region_and_counts_in_scope(client, personas, households):
    client.force_login(personas["alice"])
    response = client.get(HOME)
    assert response.context["household_total"] == 2
    assert response.context["ex_poor_total"] == 1
    assert response.context["member_total"] == 6
    assert personas["alice"].region.name.encode() in response.content
    assert str(personas["alice"].get_role_display()).encode() in response.content

    client.force_login(personas["carol"])
    assert client.get(HOME).context["household_total"] == 3
    client.force_login(personas["dave"])
    assert client.get(HOME).context["household_total"] == 1
    client.force_login(personas["erin"])
    assert client.get(HOME).context["household_total"] == 4


def test_department_officer_home_counts_nothing(client, personas, households):
    client.force_login(personas["ivan"])
    response = client.get(HOME)
    assert response.status_code == 200
    assert response.context["household_total"] == 0
    assert response.context["member_total"] == 0


# --- navigation by role --------------------------------------------------------------------------


def _nav_hrefs(response) -> set[str]:
    nav = re.search(rb'<nav id="site-nav".*?</nav>', response.content, re.S)
    assert nav
    return {h.decode() for h in re.findall(rb'href="([^"]+)"', nav.group(0))}


def test_navigation_shows_import_and_audit_only_to_roles_that_may(client, personas):
    households_url = reverse("registry:household_list")
    import_url = reverse("registry:import")
    audit_url = reverse("core:changelog")

    client.force_login(personas["alice"])  # village cadre: no import, no audit
    hrefs = _nav_hrefs(client.get(HOME))
    assert households_url in hrefs and import_url not in hrefs and audit_url not in hrefs

    client.force_login(personas["carol"])  # township officer: import
    hrefs = _nav_hrefs(client.get(HOME))
    assert import_url in hrefs and audit_url not in hrefs

    client.force_login(personas["heidi"])  # auditor: audit log, no import
    hrefs = _nav_hrefs(client.get(HOME))
    assert audit_url in hrefs and import_url not in hrefs


def test_pages_load_nothing_from_the_internet(client, personas):
    client.force_login(personas["carol"])
    for url in (HOME, reverse("registry:household_list")):
        content = client.get(url).content.decode()
        assert not re.search(r'(?:src|href)="(?:https?:)?//', content), url
    assert finders.find("web/site.css") and finders.find("web/site.js")


# --- language ------------------------------------------------------------------------------------


def test_pages_are_chinese_by_default_and_english_after_the_switch(personas):
    client = Client()  # a browser that states no language preference
    client.force_login(personas["alice"])
    response = client.get(HOME)
    assert html_lang(response) == "zh-hans"
    assert "农户".encode() in response.content  # the catalogue is compiled and used
    assert b'name="language" value="en"' in response.content

    response = client.post(reverse("set_language"), {"language": "en", "next": HOME}, follow=True)
    assert response.redirect_chain[-1][0] == HOME
    assert html_lang(response) == "en"
    assert html_lang(client.get(reverse("registry:household_list"))) == "en"

    client.post(reverse("set_language"), {"language": "zh-hans", "next": HOME})
    assert html_lang(client.get(HOME)) == "zh-hans"


def test_login_page_offers_the_language_switch(client, db):
    response = client.get(LOGIN)
    assert b'action="%s"' % reverse("set_language").encode() in response.content
    client.post(reverse("set_language"), {"language": "en", "next": LOGIN})
    assert html_lang(client.get(LOGIN)) == "en"


# --- error pages ---------------------------------------------------------------------------------


def test_unknown_page_gets_the_generic_404(client, personas):
    client.force_login(personas["alice"])
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert b"Traceback" not in response.content


def test_forbidden_action_gets_the_generic_403(client, personas, households):
    client.force_login(personas["alice"])
    response = client.post(reverse("registry:household_unmask", args=[households[0].pk]), {"reason": "x"})
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]


def test_500_page_renders_without_a_request_and_shows_no_details():
    html = render_to_string("500.html")
    assert "<html" in html and "Traceback" not in html
    assert "/static/web/site.css" in html


def test_a_refused_page_says_the_declared_refusal(client, personas):
    client.force_login(personas["erin"])  # a county officer: only the administrator sets the line
    response = client.get(reverse("monitoring:line_create"))
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert b"Only the county administrator may change the monitoring line." in response.content


def test_navigation_links_the_lines_and_screening_pages_for_roles_that_may(client, personas):
    lines_url, screening_url = reverse("monitoring:line_list"), reverse("monitoring:screening")
    for name in ("erin", "frank"):  # county officer and administrator: both pages
        client.force_login(personas[name])
        hrefs = _nav_hrefs(client.get(HOME))
        assert lines_url in hrefs and screening_url in hrefs, name
    client.force_login(personas["alice"])  # village cadre: reads the lines, runs no screening
    hrefs = _nav_hrefs(client.get(HOME))
    assert lines_url in hrefs and screening_url not in hrefs
    client.force_login(personas["ivan"])  # department officer: neither
    hrefs = _nav_hrefs(client.get(HOME))
    assert lines_url not in hrefs and screening_url not in hrefs


def test_county_home_says_which_year_has_no_line(client, personas):
    from decimal import Decimal

    from django.utils import timezone

    from shouwang.monitoring.models import MonitoringLine

    this_year = timezone.localdate().year
    MonitoringLine.objects.filter(year__gt=2023).delete()
    make_household(VILLAGE_A1, year=2025)  # the latest data year, without a line
    client.force_login(personas["erin"])
    html = client.get(HOME).content.decode()
    assert 'data-missing-line="2025"' in html and f'data-missing-line="{this_year}"' in html
    assert "No monitoring line for 2025" in html and 'href="/monitoring/lines/#carry-forward"' in html
    client.force_login(personas["alice"])  # a village cadre's home carries no county notice
    assert "data-missing-line" not in client.get(HOME).content.decode()
    for year in {2025, this_year}:
        MonitoringLine.objects.create(year=year, region_code="433122", amount=Decimal("7500"))
    client.force_login(personas["erin"])
    assert "data-missing-line" not in client.get(HOME).content.decode()
