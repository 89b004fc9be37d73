"""The feed API: token pushes with the file import's checks and idempotency; batches scoped."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from conftest import VILLAGE_A1
from shouwang.accounts.tokens import issue_token
from shouwang.monitoring.feeds.tests.feed_files import member_id, unknown_id
from shouwang.monitoring.models import FeedBatch, FeedLead, FeedSignal
from shouwang.monitoring.tests.factories import household
from shouwang.registry.models import Member

pytestmark = pytest.mark.django_db
URL = "/api/feeds/medical/rows/"


def token_client(user) -> Client:
    key = issue_token(user)
    return Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")


def post(client, rows, url=URL):
    return client.post(url, data=json.dumps(rows, ensure_ascii=False), content_type="application/json")


@pytest.fixture
def number(regions):
    h = household(VILLAGE_A1, year=2024)
    return member_id(Member.objects.filter(household=h).first())


def test_a_department_officer_pushes_rows_with_a_token(personas, number):
    client = token_client(personas["ivan"])
    rows = [
        {"id_number": number, "date": "2024-03-05", "amount": "1,200元"},  # canonical names
        {"公民身份号码": number, "结算日期": "2024年4月1日", "个人自付": 300},  # Chinese headers, a JSON number amount
        {"身份证号": unknown_id(5), "就诊日期": "20240402", "个人自付": "10"},
        {"身份证号": 433122199001011234, "就诊日期": "2024-04-03", "个人自付": "1"},  # a JSON number ID
    ]
    response = post(client, rows)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["total"], data["accepted"], data["rejected"], data["created"]) == (4, 3, 1, 3)
    assert data["errors"][0]["row"] == 4 and data["errors"][0]["code"] == "numeric_cell"
    assert [u["row"] for u in data["unmatched"]] == [3]
    assert FeedSignal.objects.count() == 2 and FeedLead.objects.count() == 1
    batch = FeedBatch.objects.get()
    assert (batch.channel, batch.user, batch.file_name) == ("api", personas["ivan"], "api")
    assert sorted(FeedSignal.objects.values_list("row_number", flat=True)) == [1, 2]

    again = post(client, rows)
    assert again.status_code == 200 and again.json()["created"] == 0 and again.json()["unchanged"] == 3
    assert FeedBatch.objects.count() == 1 and FeedSignal.objects.count() == 2


def test_dry_run_writes_nothing(personas, number):
    response = post(token_client(personas["ivan"]), [{"id_number": number, "date": "2024-03-05", "amount": "1"}],
                    URL + "?dry_run=1")
    assert response.status_code == 200 and response.json()["created"] == 1
    assert not FeedSignal.objects.exists()


@pytest.mark.parametrize("body", [{"not": "a list"}, [], ["a string"], [{"id_number": "x", "date": "2024-01-01"}]])
def test_an_unusable_body_is_a_400_with_the_reason(personas, regions, body):
    response = post(token_client(personas["ivan"]), body)
    assert response.status_code == 400
    assert response.json()["errors"]


def test_too_many_rows_are_refused(personas, number, settings):
    settings.SHOUWANG_FEED_API_MAX_ROWS = 2
    rows = [{"id_number": number, "date": "2024-03-05", "amount": "1"}] * 3
    response = post(token_client(personas["ivan"]), rows)
    assert response.status_code == 400 and "at most 2" in response.json()["errors"][0]["reason"]


def test_unknown_fields_are_named_and_ignored(personas, number):
    response = post(token_client(personas["ivan"]),
                    [{"id_number": number, "date": "2024-03-05", "amount": "1", "诊断": "secret"}])
    assert response.status_code == 201
    assert [w["column"] for w in response.json()["warning_details"]] == ["诊断"]


@pytest.mark.parametrize("name", ["alice", "carol", "grace", "heidi"])
def test_roles_without_the_feed_action_cannot_push_or_read(personas, regions, name):
    client = token_client(personas[name])
    assert post(client, [{"id_number": "x"}]).status_code == 403
    assert client.get("/api/feed-batches/").status_code == 403


def test_no_token_no_push(regions):
    assert post(Client(), []).status_code in (401, 403)


def test_unknown_feed_type_is_404(personas, regions):
    assert post(token_client(personas["ivan"]), [], "/api/feeds/nonsense/rows/").status_code == 404


def test_batches_are_scoped(personas, number):
    from shouwang.accounts.models import User

    post(token_client(personas["ivan"]), [{"id_number": number, "date": "2024-03-05", "amount": "1"},
                                          {"id_number": unknown_id(6), "date": "2024-03-05", "amount": "2"}])
    batch = FeedBatch.objects.get()
    victor = User.objects.create_user(username="victor", password="Pass-word-123", role="department",
                                      region_id="433122")
    for user, expected in ((personas["ivan"], [batch.pk]), (personas["erin"], [batch.pk]), (victor, [])):
        client = token_client(user)
        data = client.get("/api/feed-batches/").json()
        assert [b["id"] for b in data["results"]] == expected, user
    detail = token_client(personas["erin"]).get(f"/api/feed-batches/{batch.pk}/").json()
    assert detail["matched"] == 1 and len(detail["leads"]) == 1
    assert detail["leads"][0]["id_masked"].endswith(unknown_id(6)[-4:]) and unknown_id(6) not in json.dumps(detail)
    assert token_client(victor).get(f"/api/feed-batches/{batch.pk}/").status_code == 404


def test_the_schema_documents_the_feed_endpoints(personas, regions):
    client = token_client(personas["erin"])
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/feeds/{feed_type}/rows/" in text and "/api/feed-batches/" in text
