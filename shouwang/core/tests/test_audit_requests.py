"""What a request leaves in the audit (G15): the server's own request id, the client's address and
the result; and the nightly anchor and verification jobs with the home page's alert."""

from __future__ import annotations

import re

import pytest

from shouwang.core import scheduling
from shouwang.core.audit import Change, acting_as, record_access, record_changes
from shouwang.core.audit_tasks import ANCHOR_KIND, VERIFY_KIND, verification_alert
from shouwang.core.models import AccessLog, ChangeLog, Job


@pytest.fixture
def anchor_dir(settings, tmp_path):
    settings.SHOUWANG_AUDIT_ANCHOR_DIR = tmp_path / "anchors"
    return tmp_path / "anchors"


@pytest.fixture
def run_job(django_capture_on_commit_callbacks):
    """Start a periodic job now and run it (its task is queued after commit); returns the job read back."""

    def run(name: str) -> Job:
        with django_capture_on_commit_callbacks(execute=True):
            job = scheduling.run_now(name, user=None)
        job.refresh_from_db()
        return job

    return run


def test_the_request_id_is_the_servers_never_the_clients(client, personas):
    response = client.post("/login/", {"username": "carol", "password": "wrong-password"},
                           HTTP_X_REQUEST_ID="chosen-by-the-client", REMOTE_ADDR="10.9.8.7")
    entry = AccessLog.objects.get(action="login_failed")
    assert entry.request_id != "chosen-by-the-client" and re.fullmatch(r"[0-9a-f]{32}", entry.request_id)
    assert response["X-Request-ID"] == entry.request_id
    assert entry.client_ip == "10.9.8.7" and entry.result == "failed" and entry.username == ""
    again = client.get("/login/", HTTP_X_REQUEST_ID=entry.request_id)
    assert again["X-Request-ID"] != entry.request_id  # a client cannot file under another request's id


def test_the_client_address_comes_from_the_proxys_header_when_configured(client, personas, settings):
    from conftest import VILLAGE_A1
    from shouwang.registry.tests.factories import make_household

    settings.SHOUWANG_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    household = make_household(VILLAGE_A1, members=1)
    client.force_login(personas["erin"])
    response = client.post(f"/registry/households/{household.pk}/unmask/", {"reason": "家访核实"},
                           HTTP_X_REAL_IP="172.16.5.9", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    entry = AccessLog.objects.get(action="unmask")
    assert (entry.client_ip, entry.result, entry.user_id) == ("172.16.5.9", "ok", personas["erin"].pk)
    assert entry.request_id == response["X-Request-ID"]


def test_changes_record_ok_and_accesses_their_result(personas):
    with acting_as(personas["carol"]) as ctx:
        ctx.client_ip = "10.0.0.5"
        record_changes([Change("create", "registry.member", 1, "M1")])
        record_access("unmask", object_type="household", object_id=1, result="denied")
    change, access = ChangeLog.objects.get(), AccessLog.objects.get()
    assert (change.result, change.client_ip, change.user_id) == ("ok", "10.0.0.5", personas["carol"].pk)
    assert (access.result, access.client_ip) == ("denied", "10.0.0.5")


def test_the_nightly_jobs_are_registered():
    names = {periodic.name for periodic in scheduling.registered()}
    assert {ANCHOR_KIND, VERIFY_KIND} <= names


def test_nightly_anchor_then_verification_store_their_result(personas, anchor_dir, run_job):
    record_access("export", user=personas["erin"], object_type="household", object_id=1)
    anchor = run_job(ANCHOR_KIND)
    assert anchor.status == Job.Status.SUCCEEDED and len(list(anchor_dir.glob("anchor-*.json"))) == 1
    job = run_job(VERIFY_KIND)
    assert job.status == Job.Status.SUCCEEDED and job.result["ok"] and job.result["anchors"] == 1
    assert job.result["chains"]["accesslog"]["checked"] == 1
    assert verification_alert() is None


def test_a_failed_verification_alerts_administrators_and_auditors_on_their_home_page(
        client, personas, anchor_dir, run_job):
    record_access("export", user=personas["erin"], object_type="household", object_id=1)
    record_access("export", user=personas["erin"], object_type="household", object_id=2)
    run_job(ANCHOR_KIND)
    AccessLog.objects.filter(object_id="1").update(user=personas["alice"])
    job = run_job(VERIFY_KIND)
    assert job.status == Job.Status.FAILED and job.result["ok"] is False
    assert job.result["chains"]["accesslog"]["broken"] == [AccessLog.objects.get(object_id="1").pk]
    assert verification_alert() == job
    for name in ("heidi", "frank"):  # the auditor and the administrator
        client.force_login(personas[name])
        page = client.get("/").content.decode()
        assert f'data-audit-alert="{job.pk}"' in page and "failed its verification" in page, name
    for name in ("carol", "erin"):
        client.force_login(personas[name])
        assert "data-audit-alert" not in client.get("/").content.decode(), name
    # Once the log verifies again (here: the edit undone), the next verification clears the alert.
    AccessLog.objects.filter(object_id="1").update(user=personas["erin"])
    run_job(VERIFY_KIND)
    client.force_login(personas["heidi"])
    assert "data-audit-alert" not in client.get("/").content.decode()
