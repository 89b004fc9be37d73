"""Data quality: every rule finds exactly its records (and nothing in clean households), scoped pages."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import COUNTY, TOWNSHIP_A, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.core.idnumbers import parse_id_number
from shouwang.core.models import Job
from shouwang.registry.demo.synthetic import make_id_number
from shouwang.registry.models import HouseholdYear, Member, Relation
from shouwang.registry.tests.factories import make_household
from shouwang.supervision.exports import services as exports
from shouwang.supervision.models import DataQualityFinding, DataQualityRun
from shouwang.supervision.quality import services as quality

YEAR = 2023


def _member(household, index: int) -> Member:
    return household.members.order_by("pk")[index]


@pytest.fixture
def registry(personas):
    """Clean households in three villages, and one household per fault (numbers say which)."""
    made = {f"clean-{v}": make_household(v, f"OK-{v[-6:]}") for v in (VILLAGE_A1, VILLAGE_A2, VILLAGE_B1)}

    h = made["no_id"] = make_household(VILLAGE_A1, "F-NOID")
    m = _member(h, 1)
    m.set_id(None)
    m.save()

    first, second = make_household(VILLAGE_A1, "F-DUP1"), make_household(VILLAGE_B1, "F-DUP2")
    made["dup1"], made["dup2"] = first, second
    copy = _member(second, 2)
    copy.set_id(parse_id_number(_member(first, 2).id_number))
    copy.save()

    this_year = timezone.localdate().year
    h = made["future"] = make_household(VILLAGE_A2, "F-FUTURE")
    Member.objects.filter(pk=_member(h, 2).pk).update(birth_year=this_year + 1)
    h = made["old"] = make_household(VILLAGE_A2, "F-OLD")
    Member.objects.filter(pk=_member(h, 1).pk).update(birth_year=this_year - 121)

    h = made["no_head"] = make_household(VILLAGE_B1, "F-NOHEAD")
    Member.objects.filter(household=h, relation=Relation.HEAD).update(relation=Relation.SPOUSE)
    h = made["two_heads"] = make_household(VILLAGE_A1, "F-2HEADS")
    Member.objects.filter(pk=_member(h, 1).pk).update(relation=Relation.HEAD)

    made["no_year"] = make_household(VILLAGE_A1, "F-NOYEAR", year=YEAR - 1)
    h = made["negative"] = make_household(VILLAGE_A2, "F-NEG", wage="100")
    HouseholdYear.objects.filter(household=h).update(business_costs=1000)

    h = made["dropout_adults"] = make_household(VILLAGE_A1, "F-DROPOUT")
    HouseholdYear.objects.filter(household=h).update(dropout=True)
    h = made["dropout_child"] = make_household(VILLAGE_A1, "OK-DROPOUT-CHILD")
    child = Member(household=h, name="学生", relation=Relation.SON)
    child.set_id(parse_id_number(make_id_number("433122", date(YEAR - 11, 3, 4), 991)))
    child.save()
    HouseholdYear.objects.filter(household=h).update(dropout=True, member_count=4)

    made["ex_poor_bare"] = make_household(VILLAGE_B1, "F-EXPOOR", household_type="ex_poor", year=None)
    made["ex_poor_ok"] = make_household(VILLAGE_B1, "OK-EXPOOR", household_type="ex_poor")

    h = made["count"] = make_household(VILLAGE_A2, "F-COUNT")
    HouseholdYear.objects.filter(household=h).update(member_count=5)
    return made


EXPECTED = {
    "MEMBER_NO_ID": {("F-NOID", 1)},
    "DUPLICATE_ID": {("F-DUP1", 2), ("F-DUP2", 2)},
    "IMPOSSIBLE_AGE": {("F-FUTURE", 2), ("F-OLD", 1)},
    "NO_HEAD": {("F-NOHEAD", None)},
    "SEVERAL_HEADS": {("F-2HEADS", None)},
    "NO_INCOME_YEAR": {("F-NOYEAR", None), ("F-EXPOOR", None)},
    "NEGATIVE_INCOME": {("F-NEG", None)},
    "DROPOUT_ADULT": {("F-DROPOUT", None)},
    "EX_POOR_NO_HISTORY": {("F-EXPOOR", None)},
    "MEMBER_COUNT": {("F-COUNT", None)},
}


def found(rule: str) -> set[tuple[str, int | None]]:
    result = set()
    for f in DataQualityFinding.objects.filter(rule=rule).select_related("household", "member"):
        index = None
        if f.member_id:
            index = list(f.household.members.order_by("pk").values_list("pk", flat=True)).index(f.member_id)
        result.add((f.household.number, index))
    return result


def test_every_registry_rule_finds_its_records_and_nothing_else(registry):
    run = quality.run_checks(COUNTY, YEAR)
    assert {rule.code for rule in quality.RULES} >= set(EXPECTED)  # the national rules are tested on their own
    for code, expected in EXPECTED.items():
        assert found(code) == expected, code
        assert run.counts[code] == len(expected)
    clean = DataQualityFinding.objects.filter(household__number__startswith="OK-", rule__in=list(EXPECTED))
    assert not clean.exists()


def test_findings_carry_the_village_that_must_fix_them(registry):
    quality.run_checks(COUNTY, YEAR)
    for f in DataQualityFinding.objects.select_related("household"):
        assert f.region_code == f.household.region_code


def test_a_new_run_replaces_the_findings_of_its_region_only(registry):
    quality.run_checks(COUNTY, YEAR)
    HouseholdYear.objects.filter(household=registry["negative"]).update(business_costs=0)
    quality.run_checks(TOWNSHIP_A, YEAR)
    assert found("NEGATIVE_INCOME") == set()
    assert ("F-DUP2", 2) in found("DUPLICATE_ID")  # township B's findings were left alone
    assert DataQualityRun.objects.count() == 2


def test_case_consistency_findings_link_the_case(registry):
    from shouwang.cases.models import CaseStatus
    from shouwang.cases.tests.factories import make_case

    lacking = make_case(village=VILLAGE_A1, status=CaseStatus.MONITORED, contact=False)
    fine = make_case(village=VILLAGE_A2, status=CaseStatus.MONITORED)
    run = quality.run_checks(COUNTY, YEAR)
    findings = DataQualityFinding.objects.filter(rule="CASE_without_current_contact")
    assert [(f.case_id, f.household_id, f.region_code) for f in findings] == [
        (lacking.pk, lacking.household_id, VILLAGE_A1)
    ]
    assert not DataQualityFinding.objects.filter(case=fine, rule="CASE_without_current_contact").exists()
    assert run.notes == []
    assert quality.rule_label("CASE_without_current_contact") != "CASE_without_current_contact"


def test_error_counts_per_village_for_the_scorecard(registry):
    quality.run_checks(COUNTY, YEAR)
    counts = quality.error_counts(None)
    errors = DataQualityFinding.objects.filter(severity="error")
    assert counts[VILLAGE_A1] == errors.filter(region_code=VILLAGE_A1).count() > 0
    assert sum(counts.values()) == errors.count()
    # MEMBER_COUNT and NEGATIVE_INCOME are checks, not errors: the village A2 counts leave them out.
    assert counts[VILLAGE_A2] == errors.filter(region_code=VILLAGE_A2).count()
    assert errors.filter(region_code=VILLAGE_A2, rule__in=list(EXPECTED)).count() == 2  # the two impossible ages
    assert quality.error_counts(None, region=TOWNSHIP_A).keys() <= {VILLAGE_A1, VILLAGE_A2}


def test_the_page_lists_only_the_users_region_grouped_by_rule_and_village(client, personas, registry):
    quality.run_checks(COUNTY, YEAR)
    client.force_login(personas["carol"])
    page = client.get(reverse("supervision:quality_index")).content.decode()
    assert "DUPLICATE_ID" in page and "EX_POOR_NO_HISTORY" not in page  # the ex-poor fault is in township B
    listed = client.get(reverse("supervision:quality_index"), {"rule": "DUPLICATE_ID"}).content.decode()
    assert "F-DUP1" in listed and "F-DUP2" not in listed
    assert reverse("registry:household_detail", args=[registry["dup1"].pk]) in listed


def test_the_run_button_is_for_county_and_township_officers(client, personas, registry,
                                                            django_capture_on_commit_callbacks):
    client.force_login(personas["alice"])
    assert client.post(reverse("supervision:quality_run")).status_code == 403
    client.force_login(personas["erin"])
    with django_capture_on_commit_callbacks(execute=True):  # the job is queued once the request commits
        response = client.post(reverse("supervision:quality_run"))
    job = Job.objects.get(kind=quality.JOB_KIND)
    assert response.url == reverse("supervision:quality_job", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED and job.result["findings"] > 0
    assert "Done:" in client.get(response.url).content.decode()


def test_findings_export_is_scoped(settings, tmp_path, personas, registry):
    settings.SHOUWANG_EXPORT_ROOT = tmp_path
    quality.run_checks(COUNTY, YEAR)
    job = exports.start_export(personas["carol"], "quality_findings", {}, fmt="csv")
    text = exports.export_path(job).read_text(encoding="utf-8-sig")
    assert text.startswith("所属村,规则代码") and "F-DUP1" in text and "F-DUP2" not in text and "F-EXPOOR" not in text


def test_the_command_runs_the_checks(registry):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("check_data_quality", "--region", TOWNSHIP_A, "--year", str(YEAR), stdout=out)
    assert "DUPLICATE_ID" in out.getvalue()
    assert found("DUPLICATE_ID") == {("F-DUP1", 2)}  # township B's copy is outside the region run
