"""In a real browser: the register's pages fit a 360 px phone; a month's days are recorded on one."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from shouwang.testing.browser_support import body_overflow, log_in

from ..models import Attendance, CadreKind, Training
from .factories import make_cadre

pytestmark = pytest.mark.browser


def test_register_pages_fit_a_phone_and_record_days(phone_page, live_server, personas, screenshot_dir):
    secretary = make_cadre(CadreKind.FIRST_SECRETARY, name="驻村书记", seq=1, term_start=date(2024, 6, 1),
                           unit="县农业农村局", position="第一书记")
    make_cadre(CadreKind.TALENT, name="返乡青年", seq=2, talent_type="returnee")
    training = Training.objects.create(title="电商培训", region_code=secretary.region_code, starts_on=date(2025, 5, 1))
    log_in(phone_page, live_server, "carol")
    for url in (reverse("revitalization:cadre_list"), reverse("revitalization:cadre_checks"),
                reverse("revitalization:training_list"), reverse("revitalization:cadre_new"),
                reverse("revitalization:training_detail", args=[training.pk]),
                reverse("revitalization:cadre_import"),
                reverse("revitalization:cadre_detail", args=[secretary.pk])):
        phone_page.goto(live_server.url + url)
        assert body_overflow(phone_page) <= 0, url
    phone_page.fill("input[name=month]", "2025-03")
    phone_page.fill("input[name=days]", "21")
    phone_page.click("form[action$='/days/'] button[type=submit]")
    phone_page.wait_for_selector("text=2025-03")
    assert Attendance.objects.get(cadre=secretary).days == 21
    phone_page.screenshot(path=str(screenshot_dir / "phone-cadre-detail.png"), full_page=True)
