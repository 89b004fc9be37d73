"""Assessment pages, exports and API: who sees which rows (personas of two townships), and the forms."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_A2
from shouwang.core.models import Job
from shouwang.supervision.assessment import services as assessment
from shouwang.supervision.assessment.indicators import INDICATORS
from shouwang.supervision.exports.services import export_path, start_export
from shouwang.supervision.models import ScorecardSnapshot, ScorecardWeights

from .assessment_registry import PERIOD, build

pytestmark = pytest.mark.django_db

A, B = "达岚镇", "兴隆场镇"
A1, A2, B1 = "六里村", "覃木阳村", "都里坪村"
QUERY = {"start": PERIOD[0].isoformat(), "end": PERIOD[1].isoformat()}


@pytest.fixture
def scored(personas):
    build()
    return assessment.compute_snapshot(COUNTY, *PERIOD, user=personas["erin"])


def page(client, user, name="supervision:assessment", **params) -> str:
    client.force_login(user)
    response = client.get(reverse(name), {**QUERY, **params})
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- the county page ---------------------------------------------------------------------------


def test_the_county_sees_every_township_ranked_with_each_indicator(client, personas, scored):
    html = page(client, personas["grace"])
    assert A in html and B in html
    assert html.index(B) < html.index(A)  # B ranks first
    assert "75.9" in html and "54.4" in html and "+22.1" in html and "-20.6" in html
    assert "▲1" in html and "▼1" in html
    for spec in INDICATORS.values():
        assert spec.name in html
    assert "Data-quality errors per 100 households" in html and "not available yet" in html
    assert 'action="/supervision/exports/start/scorecard_townships/' in html
    assert "Compute again" not in html  # a leader reads, the county's officers compute


def test_a_township_officer_sees_only_their_own_row_and_rank(client, personas, scored):
    html = page(client, personas["carol"])
    assert A in html and B not in html and TOWNSHIP_B not in html and "75.9" not in html
    assert "ranks 2 of 2 townships" in html
    html = page(client, personas["dave"])
    assert B in html and A not in html and "ranks 1 of 2 townships" in html


def test_a_village_cadre_sees_their_village_only(client, personas, scored):
    html = page(client, personas["alice"])
    assert A1 in html and "ranks 2 of 2 villages" in html
    assert A2 not in html and B not in html and "54.4" not in html


def test_a_period_not_computed_says_so_and_offers_the_computation_to_the_county(client, personas, scored):
    html = page(client, personas["erin"], start="2023-01-01", end="2023-03-31")
    assert "has not been computed yet" in html and "Compute this scorecard" in html
    html = page(client, personas["carol"], start="2023-01-01", end="2023-03-31")
    assert "has not been computed yet" in html and "Compute this scorecard" not in html


def test_without_a_period_the_page_shows_the_latest_computed_one(client, personas, scored):
    client.force_login(personas["grace"])
    html = client.get(reverse("supervision:assessment")).content.decode()
    assert 'value="2024-04-01"' in html and "75.9" in html


def test_department_officers_do_not_see_assessment(client, personas, scored):
    client.force_login(personas["ivan"])
    assert client.get(reverse("supervision:assessment"), QUERY).status_code == 403


# --- the township page ---------------------------------------------------------------------------


def test_a_township_page_ranks_its_villages(client, personas, scored):
    html = page(client, personas["carol"], "supervision:assessment_township", township=TOWNSHIP_A)
    assert A1 in html and A2 in html and B1 not in html
    assert html.index(A2) < html.index(A1)  # A2 55.6 before A1 52.8
    assert "55.6" in html and "52.8" in html and "54.4" in html  # the villages and the township's own score
    assert "Rank among the county&#x27;s townships" in html or "Rank among the county's townships" in html
    assert 'action="/supervision/exports/start/scorecard_villages/' in html


def test_a_township_officer_cannot_open_another_township(client, personas, scored):
    client.force_login(personas["carol"])
    response = client.get(reverse("supervision:assessment_township"), {**QUERY, "township": TOWNSHIP_B})
    assert response.status_code == 404
    response = client.get(reverse("supervision:assessment_township"), {**QUERY, "township": "43312210"})
    assert response.status_code == 404


def test_the_county_opens_any_township_page(client, personas, scored):
    html = page(client, personas["erin"], "supervision:assessment_township", township=TOWNSHIP_B)
    assert B1 in html and "87.0" in html and A1 not in html


# --- exports and the API ---------------------------------------------------------------------------


def export_rows(user, name, **params) -> list[list[str]]:
    job = start_export(user, name, {**QUERY, **params}, fmt="csv", run_now=True)
    assert job.status == Job.Status.SUCCEEDED, job.message
    text = export_path(job).read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_a_township_officers_exports_hold_nothing_of_another_township(personas, scored, settings, tmp_path):
    settings.SHOUWANG_EXPORT_ROOT = tmp_path
    header, *rows = export_rows(personas["carol"], "scorecard_townships")
    assert header[:6] == ["考核期间", "排名", "参评数", "乡镇", "区划代码", "得分"]
    assert "识别纳入及时率（%）" in header
    assert [(r[3], r[4], r[5], r[1]) for r in rows] == [(A, TOWNSHIP_A, "54.4", "2")]
    header, *rows = export_rows(personas["carol"], "scorecard_villages", township=TOWNSHIP_A)
    assert {r[4] for r in rows} >= {VILLAGE_A1, VILLAGE_A2}  # every village of A, those without data too
    assert all(r[4].startswith(TOWNSHIP_A) for r in rows)
    header, *rows = export_rows(personas["carol"], "scorecard_villages", township=TOWNSHIP_B)
    assert rows == []


def test_the_county_export_is_the_page_table(personas, scored, settings, tmp_path):
    settings.SHOUWANG_EXPORT_ROOT = tmp_path
    header, *rows = export_rows(personas["grace"], "scorecard_townships")
    ranked = [(r[1], r[3]) for r in rows if r[1]]
    assert ranked == [("1", B), ("2", A)]
    quality = header.index("数据质量问题率（个/百户）")
    assert rows[0][quality] == "不可用"


def test_the_api_lists_scorecard_rows_in_the_users_scope(client, personas, scored):
    client.force_login(personas["carol"])
    data = client.get("/api/scorecards/", {**QUERY, "level": "village"}).json()
    codes = {row["region_code"] for row in data["results"]}
    assert {VILLAGE_A1, VILLAGE_A2} <= codes and all(c.startswith(TOWNSHIP_A) for c in codes)
    data = client.get("/api/scorecards/", QUERY).json()
    assert [(r["region_code"], r["score"], r["rank"], r["rank_change"]) for r in data["results"]] == [
        (TOWNSHIP_A, 54.4, 2, -1),
    ]
    client.force_login(personas["erin"])
    data = client.get("/api/scorecards/").json()  # no period: the latest one
    assert [r["region_code"] for r in data["results"] if r["rank"]] == [TOWNSHIP_B, TOWNSHIP_A]
    assert client.get("/api/scorecards/", {"start": "2024-04-01"}).status_code == 400


def test_the_api_describes_the_indicators_with_the_county_weights(client, personas, regions):
    assessment.save_weights(personas["frank"], COUNTY, assessment.default_weights() | {"returns": 12})
    client.force_login(personas["carol"])
    data = client.get("/api/indicators/").json()
    by_code = {item["code"]: item for item in data}
    assert by_code["returns"]["weight"] == 12.0 and by_code["returns"]["direction"] == "lower"
    assert by_code["identification_on_time"]["name_zh"] == "识别纳入及时率"
    assert "due date" in by_code["identification_on_time"]["formula"]


# --- computing, weights, indicators ------------------------------------------------------------------


def test_the_county_starts_the_computation_and_watches_it(client, personas, regions,
                                                          django_capture_on_commit_callbacks):
    build()
    client.force_login(personas["erin"])
    with django_capture_on_commit_callbacks(execute=True):  # the job is queued once the request commits
        response = client.post(reverse("supervision:assessment_compute"), {"county": COUNTY, **QUERY})
    job = Job.objects.get(kind="scorecard")
    assert response.status_code == 302 and response["Location"] == reverse("supervision:assessment_job",
                                                                           args=[job.pk])
    html = client.get(response["Location"]).content.decode()
    assert "Open the scorecard" in html
    assert ScorecardSnapshot.objects.filter(region_code=COUNTY, period_start=PERIOD[0]).exists()


def test_others_cannot_start_a_computation_or_see_its_job(client, personas, regions):
    for name in ("carol", "grace", "alice"):
        client.force_login(personas[name])
        assert client.post(reverse("supervision:assessment_compute"), QUERY).status_code == 403
    job = Job.objects.create(kind="scorecard", params={"county": COUNTY, **QUERY})
    client.force_login(personas["carol"])
    assert client.get(reverse("supervision:assessment_job", args=[job.pk])).status_code == 404


def test_the_administrator_changes_the_weights_on_a_page(client, personas, regions):
    client.force_login(personas["frank"])
    form = {f"w_{code}": str(spec.weight) for code, spec in INDICATORS.items()} | {
        "w_returns": "20", "note": "Returns weigh more",
    }
    response = client.post(reverse("supervision:assessment_weights"), form)
    assert response.status_code == 302
    saved = ScorecardWeights.objects.get(region_code=COUNTY)
    assert saved.weights["returns"] == 20.0 and saved.note == "Returns weigh more"
    assert saved.created_by.username == "frank"
    html = client.get(reverse("supervision:assessment_indicators")).content.decode()
    assert "Weights version 1" in html and "Returns weigh more" in html and "returns=20" in html
    response = client.post(reverse("supervision:assessment_weights"), form | {"w_returns": "-3"})
    assert response.status_code == 200 and ScorecardWeights.objects.count() == 1


def test_township_officers_and_leaders_may_not_change_weights(client, personas, regions):
    for name in ("carol", "grace"):
        client.force_login(personas[name])
        assert client.get(reverse("supervision:assessment_weights")).status_code == 403
        assert client.post(reverse("supervision:assessment_weights"), {"w_returns": "1"}).status_code == 403
    assert not ScorecardWeights.objects.exists()


def test_the_indicator_page_shows_each_formula_direction_and_weight(client, personas, regions):
    html = page(client, personas["carol"], "supervision:assessment_indicators")
    for spec in INDICATORS.values():
        assert spec.name in html and spec.code in html
    assert "Value = on time ÷ judged × 100." in html
    assert "Lower is better" in html and "The default weights apply" in html
    assert "Change the weights" not in html
