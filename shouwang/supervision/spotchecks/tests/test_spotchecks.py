"""Spot checks: the same seed draws the same households; rates per township and class; results."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.core.models import ChangeLog
from shouwang.registry.tests.factories import make_household
from shouwang.supervision.exports import services as exports
from shouwang.supervision.models import HouseholdClass, SampleResult, SpotCheckSample
from shouwang.supervision.spotchecks import services as spotchecks

ZERO = dict.fromkeys(HouseholdClass.values, 0)


@pytest.fixture
def county(personas):
    """Township A: 20 ex-poor with labour, 10 without, 30 ordinary; township B: 20 ex-poor with labour."""
    made = []
    for i in range(20):
        made.append(make_household(VILLAGE_A1 if i % 2 else VILLAGE_A2, f"A-EL{i:02d}", household_type="ex_poor",
                                   members=1, year=None))
        made.append(make_household(VILLAGE_B1, f"B-EL{i:02d}", household_type="ex_poor", members=1, year=None))
    for i in range(10):
        made.append(make_household(VILLAGE_A1, f"A-EN{i:02d}", household_type="ex_poor", no_labour=True,
                                   members=1, year=None))
    for i in range(30):
        made.append(make_household(VILLAGE_A2, f"A-OR{i:02d}", members=1, year=None))
    return made


def numbers(check) -> list[str]:
    return sorted(check.samples.values_list("household__number", flat=True))


def test_the_same_seed_draws_the_same_households(county):
    rates = ZERO | {HouseholdClass.EX_POOR_LABOUR: Decimal("0.25"), HouseholdClass.ORDINARY: Decimal("0.1")}
    first, _ = spotchecks.draw(COUNTY, 12345, rates)
    again, _ = spotchecks.draw(COUNTY, 12345, rates)
    other, _ = spotchecks.draw(COUNTY, 54321, rates)
    assert first == again
    assert sorted(first) != sorted(other)


def test_stored_checks_with_one_seed_are_identical(personas, county):
    rates = ZERO | {HouseholdClass.EX_POOR_LABOUR: Decimal("0.25")}
    a = spotchecks.draw_spot_check(personas["erin"], name="第一次", rates=rates, seed=777)
    b = spotchecks.draw_spot_check(personas["erin"], name="复核", rates=rates, seed=a.seed)
    assert numbers(a) == numbers(b) and len(numbers(a)) == 10


def test_each_township_and_class_is_sampled_at_its_rate_rounded_up(personas, county):
    rates = {HouseholdClass.EX_POOR_LABOUR: Decimal("0.01"), HouseholdClass.EX_POOR_NO_LABOUR: Decimal("0.001"),
             HouseholdClass.MONITORED: 0, HouseholdClass.ORDINARY: Decimal("0.1")}
    check = spotchecks.draw_spot_check(personas["erin"], name="后评估", rates=rates, seed=1)
    samples = list(check.samples.select_related("household"))
    by = {}
    for s in samples:
        by.setdefault((s.region_code[:9], s.household_class), []).append(s.household.number)
    # ceil(20 × 1 %) = 1 per township; ceil(10 × 1 ‰) = 1; ceil(30 × 10 %) = 3; none of a class at 0 %.
    assert {k: len(v) for k, v in by.items()} == {
        (TOWNSHIP_A, HouseholdClass.EX_POOR_LABOUR): 1, (TOWNSHIP_B, HouseholdClass.EX_POOR_LABOUR): 1,
        (TOWNSHIP_A, HouseholdClass.EX_POOR_NO_LABOUR): 1, (TOWNSHIP_A, HouseholdClass.ORDINARY): 3,
    }
    assert all(n.startswith("A-OR") for n in by[(TOWNSHIP_A, HouseholdClass.ORDINARY)])
    assert check.population[TOWNSHIP_A][HouseholdClass.EX_POOR_NO_LABOUR] == 10
    assert check.sample_count == 6
    entry = ChangeLog.objects.get(object_type="supervision.spotcheck", object_id=str(check.pk))
    assert entry.after["seed"] == 1 and entry.username == "erin"


def test_a_household_with_an_open_case_counts_as_monitored(personas, county):
    from shouwang.cases.models import CaseStatus
    from shouwang.cases.tests.factories import make_case

    case = make_case(county[0], status=CaseStatus.MONITORED)
    rates = ZERO | {HouseholdClass.MONITORED: 1}
    sample, population = spotchecks.draw(COUNTY, 3, rates)
    assert [(pk, cls) for pk, _village, cls in sample] == [(case.household_id, HouseholdClass.MONITORED)]
    assert population[TOWNSHIP_A][HouseholdClass.EX_POOR_LABOUR] == 19


def test_adding_households_elsewhere_does_not_change_a_townships_draw(personas, county):
    rates = ZERO | {HouseholdClass.EX_POOR_LABOUR: Decimal("0.2")}
    before = [s for s in spotchecks.draw(COUNTY, 99, rates)[0] if s[1].startswith(TOWNSHIP_A)]
    make_household(VILLAGE_B1, "B-NEW", household_type="ex_poor", members=1, year=None)
    after = [s for s in spotchecks.draw(COUNTY, 99, rates)[0] if s[1].startswith(TOWNSHIP_A)]
    assert before == after


@pytest.mark.parametrize("name", ["carol", "alice", "grace"])
def test_only_the_county_draws(personas, county, name):
    with pytest.raises(PermissionDenied):
        spotchecks.draw_spot_check(personas[name], name="x", rates=ZERO, seed=1)


def test_bad_rates_are_refused(personas, county):
    with pytest.raises(spotchecks.SpotCheckInvalid):
        spotchecks.draw_spot_check(personas["erin"], name="x", rates={HouseholdClass.ORDINARY: 2}, seed=1)


def _sampled(personas) -> tuple:
    rates = ZERO | {HouseholdClass.EX_POOR_LABOUR: 1}
    check = spotchecks.draw_spot_check(personas["erin"], name="全查", rates=rates, seed=5)
    a = check.samples.filter(region_code__startswith=TOWNSHIP_A).first()
    b = check.samples.filter(region_code__startswith=TOWNSHIP_B).first()
    return check, a, b


def test_results_are_recorded_by_the_county_or_the_households_township(personas, county):
    check, a, b = _sampled(personas)
    spotchecks.record_result(a, personas["carol"], result=SampleResult.DISCREPANCY, fields=["income", "labour"],
                             note="实际务工收入高于登记")
    with pytest.raises(PermissionDenied):
        spotchecks.record_result(b, personas["carol"], result=SampleResult.AS_REGISTERED)
    with pytest.raises(PermissionDenied):
        spotchecks.record_result(a, personas["alice"], result=SampleResult.AS_REGISTERED)
    spotchecks.record_result(b, personas["erin"], result=SampleResult.AS_REGISTERED)
    a.refresh_from_db()
    assert a.result == SampleResult.DISCREPANCY and a.fields == ["income", "labour"]
    entry = ChangeLog.objects.get(object_type="supervision.spotchecksample", object_id=str(a.pk))
    assert entry.username == "carol" and entry.after["fields"] == ["income", "labour"]


def test_a_discrepancy_says_what_differs(personas, county):
    _check, a, _b = _sampled(personas)
    with pytest.raises(spotchecks.SpotCheckInvalid):
        spotchecks.record_result(a, personas["erin"], result=SampleResult.DISCREPANCY)
    with pytest.raises(spotchecks.SpotCheckInvalid):
        spotchecks.record_result(a, personas["erin"], result=SampleResult.DISCREPANCY, fields=["bogus"])


def test_discrepancies_are_listed_and_exported_within_scope(client, settings, tmp_path, personas, county):
    settings.SHOUWANG_EXPORT_ROOT = tmp_path
    check, a, b = _sampled(personas)
    spotchecks.record_result(a, personas["erin"], result=SampleResult.DISCREPANCY, fields=["housing"], note="危房")
    spotchecks.record_result(b, personas["erin"], result=SampleResult.DISCREPANCY, fields=["members"])
    client.force_login(personas["carol"])
    page = client.get(reverse("supervision:spotcheck_detail", args=[check.pk]), {"result": "discrepancy"})
    text = page.content.decode()
    assert a.household.number in text and b.household.number not in text
    job = exports.start_export(personas["carol"], "spotcheck_samples",
                               {"spot_check": str(check.pk), "result": "discrepancy"}, fmt="csv")
    rows = exports.export_path(job).read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("抽查名称,随机种子,户编号") and len(rows) == 2
    assert a.household.number in rows[1] and "危房" in rows[1]


def test_the_draw_form_and_the_result_form(client, personas, county):
    client.force_login(personas["erin"])
    response = client.post(reverse("supervision:spotcheck_list"), {
        "name": "2024年后评估抽查", "seed": "42", "rate_ex_poor_labour": "10", "rate_ex_poor_no_labour": "0.1",
        "rate_monitored": "5", "rate_ordinary": "0",
    })
    sample = SpotCheckSample.objects.first()
    assert response.status_code == 302 and sample.spot_check.seed == 42
    assert sample.spot_check.rates[HouseholdClass.EX_POOR_LABOUR] == "0.1"
    url = reverse("supervision:spotcheck_sample", args=[sample.pk])
    assert client.post(url, {"result": "discrepancy"}).status_code == 400
    assert client.post(url, {"result": "discrepancy", "fields": ["water"]}).status_code == 302
    sample.refresh_from_db()
    assert sample.fields == ["water"]
    client.force_login(personas["carol"])
    assert client.post(reverse("supervision:spotcheck_list"), {"name": "x"}).status_code == 403


def test_a_village_sees_only_its_own_count_of_a_county_spot_check(client, personas, county):
    rates = dict.fromkeys(HouseholdClass.values, Decimal("1"))
    check = spotchecks.draw_spot_check(personas["erin"], name="全查", rates=rates, seed=5)
    assert check.sample_count == 80
    # A1: the 10 odd ex-poor with labour and the 10 without; A2: 10 + 30; B1: 20.
    for name, seen in (("erin", 80), ("alice", 20), ("bob", 40), ("judy", 20), ("carol", 60)):
        client.force_login(personas[name])
        listed = client.get(reverse("supervision:spotcheck_list"))
        assert [c.samples_seen for c in listed.context["checks"]] == [seen], name
        detail = client.get(reverse("supervision:spotcheck_detail", args=[check.pk]))
        assert detail.context["check"].samples_seen == seen, name
        assert detail.context["page"].paginator.count == seen, name
