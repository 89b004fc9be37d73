"""The national checker's rules and the 应纳未纳 rule: each flags its positive case and leaves its negative
one alone, and every finding carries the national code."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from conftest import COUNTY, VILLAGE_A1
from shouwang.cases.consistency.rules import CHECKS
from shouwang.cases.models import CaseStatus, EliminationMode
from shouwang.cases.tests.factories import make_case, make_measure
from shouwang.monitoring.models import MonitoringLine, Warning
from shouwang.registry.models import (
    Education,
    Health,
    HouseholdYear,
    HousingGrade,
    Labour,
    Member,
    Relation,
    Schooling,
    Sex,
)
from shouwang.registry.tests.factories import make_household
from shouwang.supervision.models import DataQualityFinding
from shouwang.supervision.quality import casechecks, people
from shouwang.supervision.quality import services as quality

YEAR = 2023
LINE = Decimal("7500")
ELIMINATED = CaseStatus.ELIMINATED
ASSISTANCE = EliminationMode.ASSISTANCE


def members(household) -> list[Member]:
    return list(household.members.order_by("pk"))


def update_members(household, index: int | None = None, **fields) -> None:
    qs = Member.objects.filter(household=household)
    if index is not None:
        qs = qs.filter(pk=members(household)[index].pk)
    qs.update(**fields)


def update_year(household, **fields) -> None:
    HouseholdYear.objects.filter(household=household).update(**fields)


def open_warning(household) -> Warning:
    return Warning.objects.create(household=household, year=YEAR, status="new", channel="visit")


def eliminated(household, **fields):
    fields.setdefault("identified_on", date(2022, 1, 10))
    fields.setdefault("eliminated_on", date(2023, 6, 1))
    return make_case(household, status=ELIMINATED, **fields)


# Each scenario: (rule code, builder of the positive household, builder of the negative one). The
# builders take a fresh household (3 members born 1950, 1959, 1968; wage 30,000 in 2023).
Builder = Callable[..., None]


def _allowance(h, transfer):
    update_members(h, 0, dibao=True)
    update_year(h, transfer_income=transfer)


def _relation(h, ok):
    update_members(h, 1, relation=Relation.SON, sex=Sex.MALE)
    update_members(h, 2, relation=Relation.DAUGHTER, sex=Sex.FEMALE if ok else Sex.MALE)


def _spouse(h, same):
    update_members(h, 0, sex=Sex.MALE)
    update_members(h, 1, relation=Relation.SPOUSE, sex=Sex.MALE if same else Sex.FEMALE)


def _old(h, labour):
    make_case(h, status=CaseStatus.MONITORED)
    update_members(h, labour=Labour.WEAK)
    update_members(h, 0, labour=labour)


def _no_labour(h, dibao):
    update_members(h, labour=Labour.NONE)
    update_members(h, 0, dibao=dibao)


def _phone(h, phone):
    m = members(h)[0]
    m.set_phone(phone)
    m.save()


def _too_soon(h, eliminated_on):
    eliminated(h, identified_on=date(2023, 3, 10), eliminated_on=eliminated_on, elimination_mode=ASSISTANCE)


def _job_wage(h, wage):
    update_year(h, wage_income=wage)
    make_measure(eliminated(h), "employment")


def _industry(h, business):
    update_year(h, business_income=business)
    make_measure(eliminated(h), "industry")


def _assistance_measure(h, measure):
    case = eliminated(h, elimination_mode=ASSISTANCE)
    if measure:
        make_measure(case, "industry")


def _no_measure_yet(h, measure):
    case = make_case(h, status=CaseStatus.MONITORED, identified_on=timezone.localdate() - timedelta(days=60))
    if measure:
        make_measure(case, "industry")


def _unstable(h, work_months):
    update_year(h, wage_income=0)
    update_members(h, 1, work_months=work_months)
    make_case(h, status=CaseStatus.MONITORED, risk_codes=("YWGJYBW",))


def _disabled(h, disabled):
    if disabled:
        update_members(h, 1, health=Health.DISABLED, disability_grade=2)
    make_case(h, status=CaseStatus.MONITORED, risk_codes=("YC",))


def _illness_spending(h, spending):
    update_members(h, 0, health=Health.SERIOUS)
    update_year(h, compliant_out_of_pocket=spending)
    make_case(h, status=CaseStatus.MONITORED, risk_codes=("YB",))


def _uninsured_risk(h, risk):
    update_members(h, 1, medical_insured=False)
    make_case(h, status=CaseStatus.MONITORED, risk_codes=(risk,))


def _water_measure(h, measure):
    update_year(h, water_secured=False)
    case = make_case(h, status=CaseStatus.MONITORED)
    if measure:
        make_measure(case, "water")


def _job_no_work(h, wage):
    update_year(h, wage_income=wage)
    make_measure(make_case(h, status=CaseStatus.MONITORED), "employment")


def _dibao_measure(h, measure):
    update_members(h, 0, dibao=True)
    case = make_case(h, status=CaseStatus.MONITORED)
    if measure:
        make_measure(case, "social_protection")


def _small_wage(h, wage):
    update_year(h, wage_income=wage)
    make_case(h, status=CaseStatus.MONITORED)


def _public_job(h, born):
    update_members(h, 2, birth_year=born, labour=Labour.ORDINARY)
    make_measure(make_case(h, status=CaseStatus.MONITORED), "public_welfare_job", member=members(h)[2])


SCENARIOS: list[tuple[str, Builder, Builder]] = [
    ("ALLOWANCE_NO_TRANSFER", lambda h: _allowance(h, 0), lambda h: _allowance(h, 500)),
    ("BELOW_LINE_UNCOVERED", lambda h: update_year(h, wage_income=3000),
     lambda h: (update_year(h, wage_income=3000), open_warning(h))),
    ("GAP_UNCOVERED", lambda h: update_year(h, water_secured=False),
     lambda h: (update_year(h, water_secured=False), make_case(h))),
    ("MEMBER_NO_ETHNICITY", lambda h: None, lambda h: update_members(h, ethnicity="苗族")),
    ("RELATION_SEX", lambda h: _relation(h, False), lambda h: _relation(h, True)),
    ("HEAD_SPOUSE_SAME_SEX", lambda h: _spouse(h, True), lambda h: _spouse(h, False)),
    ("CHILD_WITH_LABOUR", lambda h: update_members(h, 2, birth_year=2015, labour=Labour.ORDINARY),
     lambda h: update_members(h, 2, birth_year=2015, labour=Labour.NONE)),
    ("OLD_FULL_LABOUR", lambda h: _old(h, Labour.ORDINARY), lambda h: _old(h, Labour.WEAK)),
    ("ABLE_BODIED_NO_LABOUR", lambda h: update_members(h, 2, birth_year=1990, labour=Labour.WEAK),
     lambda h: update_members(h, 2, birth_year=1990, labour=Labour.WEAK, health=Health.CHRONIC)),
    ("STUDENT_WITH_LABOUR", lambda h: update_members(h, 2, schooling=Schooling.JUNIOR),
     lambda h: update_members(h, 2, schooling=Schooling.JUNIOR, labour=Labour.NONE)),
    ("SEVERE_DISABILITY_FULL_LABOUR", lambda h: update_members(h, 2, health=Health.DISABLED, disability_grade=1),
     lambda h: update_members(h, 2, health=Health.DISABLED, disability_grade=1, labour=Labour.LOST)),
    ("DISABLED_NO_CERTIFICATE", lambda h: update_members(h, 2, health=Health.DISABLED),
     lambda h: update_members(h, 2, health=Health.DISABLED, disability_grade=3)),
    ("SCHOOLING_AGE", lambda h: update_members(h, 2, birth_year=2000, schooling=Schooling.PRIMARY),
     lambda h: update_members(h, 2, birth_year=2014, schooling=Schooling.PRIMARY)),
    ("YOUNG_LITTLE_EDUCATION", lambda h: update_members(h, 2, birth_year=2004, education=Education.PRIMARY),
     lambda h: update_members(h, 2, birth_year=2004, education=Education.JUNIOR)),
    ("TEKUN_ABLE_BODIED", lambda h: update_members(h, 2, tekun=True, birth_year=1990),
     lambda h: update_members(h, 0, tekun=True)),
    ("WORKER_UNFIT", lambda h: update_members(h, 2, work_months=6, labour=Labour.NONE),
     lambda h: update_members(h, 2, work_months=6)),
    ("SKILLED_NO_WORK", lambda h: update_members(h, 2, labour=Labour.SKILLED),
     lambda h: update_members(h, 2, labour=Labour.SKILLED, work_location="长沙")),
    ("NO_LABOUR_NO_ALLOWANCE", lambda h: _no_labour(h, False), lambda h: _no_labour(h, True)),
    ("PHONE_NOT_MOBILE", lambda h: _phone(h, "07431234567"), lambda h: _phone(h, "13812345678")),
    ("MEMBER_UNINSURED", lambda h: update_members(h, 1, medical_insured=False), lambda h: None),
    ("ELIMINATED_NO_CONTACT", lambda h: eliminated(h, contact=False), lambda h: eliminated(h)),
    ("ASSISTANCE_ELIMINATED_TOO_SOON", lambda h: _too_soon(h, date(2023, 4, 28)),
     lambda h: _too_soon(h, date(2023, 5, 2))),
    ("ELIMINATED_BEFORE_STABLE", lambda h: eliminated(h, identified_on=date(2023, 3, 10)), lambda h: eliminated(h)),
    ("ELIMINATED_NO_RECORD", lambda h: eliminated(h, eliminated_on=date(2025, 5, 1)),
     lambda h: eliminated(h, eliminated_on=date(2024, 5, 1))),
    ("ELIMINATED_UNSAFE_HOUSING", lambda h: (update_year(h, housing_grade=HousingGrade.D), eliminated(h)),
     lambda h: (update_year(h, housing_grade=HousingGrade.A), eliminated(h))),
    ("ELIMINATED_UNSAFE_WATER", lambda h: (update_year(h, water_secured=False), eliminated(h)),
     lambda h: eliminated(h)),
    ("ELIMINATED_UNINSURED", lambda h: (update_members(h, 2, medical_insured=False), eliminated(h)),
     lambda h: eliminated(h)),
    ("ELIMINATED_NO_LABOUR", lambda h: (update_members(h, labour=Labour.LOST), eliminated(h)),
     lambda h: eliminated(h)),
    ("ELIMINATED_JOB_NO_WAGE", lambda h: _job_wage(h, 0), lambda h: _job_wage(h, 30000)),
    ("ELIMINATED_INDUSTRY_NO_BUSINESS", lambda h: _industry(h, 0), lambda h: _industry(h, 5000)),
    ("ASSISTANCE_ELIMINATED_NO_MEASURE", lambda h: _assistance_measure(h, False),
     lambda h: _assistance_measure(h, True)),
    ("IDENTIFIED_NO_RISK", lambda h: make_case(h, status=CaseStatus.MONITORED, risk_codes=()),
     lambda h: make_case(h, status=CaseStatus.MONITORED)),
    ("IDENTIFIED_INCOMPLETE", lambda h: (HouseholdYear.objects.filter(household=h).delete(),
                                         make_case(h, status=CaseStatus.MONITORED)),
     lambda h: make_case(h, status=CaseStatus.MONITORED)),
    ("IDENTIFIED_NO_MEASURE", lambda h: _no_measure_yet(h, False), lambda h: _no_measure_yet(h, True)),
    ("UNSTABLE_EMPLOYMENT_NO_WORK", lambda h: _unstable(h, None), lambda h: _unstable(h, 8)),
    ("DISABILITY_RISK_NO_DISABLED", lambda h: _disabled(h, False), lambda h: _disabled(h, True)),
    ("DISASTER_NO_KIND", lambda h: make_case(h, risk_codes=("YZRZH",)),
     lambda h: make_case(h, risk_codes=("YZRZH", "YZRZH_HL"))),
    ("ILLNESS_RISK_NO_ILLNESS", lambda h: make_case(h, risk_codes=("YB",)),
     lambda h: (update_members(h, 0, health=Health.CHRONIC), make_case(h, risk_codes=("YB",)))),
    ("ILLNESS_NO_SPENDING", lambda h: _illness_spending(h, 0), lambda h: _illness_spending(h, 8000)),
    ("UNINSURED_NO_ILLNESS_RISK", lambda h: _uninsured_risk(h, "YX"), lambda h: _uninsured_risk(h, "YB")),
    ("LACK_LABOUR_WITH_LABOUR", lambda h: make_case(h, risk_codes=("QLDL",)),
     lambda h: (update_members(h, labour=Labour.NONE), make_case(h, risk_codes=("QLDL",)))),
    ("RISK_WITHOUT_MEASURE", lambda h: _water_measure(h, False), lambda h: _water_measure(h, True)),
    ("JOB_MEASURE_NO_WORK", lambda h: _job_no_work(h, 0), lambda h: _job_no_work(h, 30000)),
    ("ALLOWANCE_NO_MEASURE", lambda h: _dibao_measure(h, False), lambda h: _dibao_measure(h, True)),
    ("SMALL_WAGE", lambda h: _small_wage(h, 50), lambda h: _small_wage(h, 30000)),
    ("JOB_FOR_UNFIT_MEMBER", lambda h: _public_job(h, 2012), lambda h: _public_job(h, 1990)),
]


@pytest.fixture
def scenarios(regions):
    MonitoringLine.objects.update_or_create(year=YEAR, region_code=COUNTY[:2], defaults={"amount": LINE})
    built = {}
    for code, positive, negative in SCENARIOS:
        for sign, builder in (("P", positive), ("N", negative)):
            household = make_household(VILLAGE_A1, f"{sign}-{code}")
            builder(household)
            built[f"{sign}-{code}"] = household
    return built


def flagged(rule: str) -> set[str]:
    return set(DataQualityFinding.objects.filter(rule=rule).values_list("household__number", flat=True))


def test_every_new_rule_flags_its_positive_case_and_not_its_negative(scenarios):
    run = quality.run_checks(COUNTY, YEAR)
    new_rules = {rule.code for rule in (*people.RULES, *casechecks.RULES)}
    assert {code for code, _p, _n in SCENARIOS} == new_rules
    wrong = []
    for code, _positive, _negative in SCENARIOS:
        numbers = flagged(code)
        if f"P-{code}" not in numbers:
            wrong.append(f"{code}: positive not flagged")
        if f"N-{code}" in numbers:
            wrong.append(f"{code}: negative flagged")
        assert run.counts[code] == len(DataQualityFinding.objects.filter(rule=code))
    assert wrong == []
    assert run.notes == []


def test_findings_carry_the_national_code(scenarios):
    quality.run_checks(COUNTY, YEAR)
    for rule in (*people.RULES, *casechecks.RULES):
        codes = set(DataQualityFinding.objects.filter(rule=rule.code).values_list("national_code", flat=True))
        assert codes and "" not in codes, rule.code
    assert set(DataQualityFinding.objects.filter(rule="ELIMINATED_NO_CONTACT").values_list(
        "national_code", flat=True)) == {"1_11_011"}
    assert set(DataQualityFinding.objects.filter(rule="BELOW_LINE_UNCOVERED").values_list(
        "national_code", flat=True)) == {"1_02_006"}
    # A row names the code of its own variant: an open case's missing water measure is 5_18_006.
    water = DataQualityFinding.objects.get(rule="RISK_WITHOUT_MEASURE", household__number="P-RISK_WITHOUT_MEASURE")
    assert water.national_code == "5_18_006"
    # Rules without a national counterpart carry none; mapped old rules carry theirs.
    assert quality.national_code("DUPLICATE_ID") == "1_01_001/1_12_001"
    assert quality.national_code("IMPOSSIBLE_AGE") == ""
    assert quality.national_code("CASE_eliminated_with_dropout") == "1_11_005"


def test_an_eliminated_case_gets_the_elimination_variant_of_the_code(regions):
    household = make_household(VILLAGE_A1, "ELIM-WATER")
    update_year(household, water_secured=False)
    eliminated(household, risk_codes=("YCYXMSB",))  # a risk that needs no particular measure
    quality.run_checks(COUNTY, YEAR)
    finding = DataQualityFinding.objects.get(rule="RISK_WITHOUT_MEASURE")
    assert finding.national_code == "3_11_008" and finding.case_id is not None


def test_below_the_line_ignores_households_with_an_open_warning_or_case(regions):
    MonitoringLine.objects.update_or_create(year=YEAR, region_code=COUNTY, defaults={"amount": LINE})
    poor = {name: make_household(VILLAGE_A1, name, wage="3000") for name in
            ("bare", "warned", "verifying", "dismissed", "in-case", "eliminated", "rejected")}
    make_household(VILLAGE_A1, "above", wage="30000")
    open_warning(poor["warned"])
    Warning.objects.create(household=poor["verifying"], year=YEAR, status="verifying", channel="visit")
    Warning.objects.create(household=poor["dismissed"], year=YEAR, status="dismissed", channel="visit")
    make_case(poor["in-case"], status=CaseStatus.MONITORED)
    eliminated(poor["eliminated"])
    make_case(poor["rejected"], status=CaseStatus.REJECTED)
    quality.run_checks(COUNTY, YEAR)
    assert flagged("BELOW_LINE_UNCOVERED") == {"bare", "dismissed", "eliminated", "rejected"}
    finding = DataQualityFinding.objects.get(rule="BELOW_LINE_UNCOVERED", household__number="bare")
    assert "7500" in finding.detail and finding.severity == "error"


def test_below_the_line_uses_the_most_specific_line(regions):
    MonitoringLine.objects.update_or_create(year=YEAR, region_code="", defaults={"amount": Decimal("500")})
    MonitoringLine.objects.update_or_create(year=YEAR, region_code=COUNTY[:2], defaults={"amount": LINE})
    MonitoringLine.objects.update_or_create(year=YEAR, region_code=COUNTY, defaults={"amount": Decimal("2000")})
    make_household(VILLAGE_A1, "poor", wage="3000")  # 1,000 per person: below the county's 2,000
    make_household(VILLAGE_A1, "modest", wage="7500")  # 2,500: below the province's line, not the county's
    quality.run_checks(COUNTY, YEAR)
    assert flagged("BELOW_LINE_UNCOVERED") == {"poor"}


def test_a_year_without_a_line_reports_nothing_and_says_so(regions):
    later = 2030
    MonitoringLine.objects.filter(year=later).delete()
    make_household(VILLAGE_A1, "poor", wage="3000", year=later)
    run = quality.run_checks(COUNTY, later)
    assert flagged("BELOW_LINE_UNCOVERED") == set() and run.counts["BELOW_LINE_UNCOVERED"] == 0
    assert len(run.notes) == 1 and str(later) in run.notes[0] and COUNTY in run.notes[0]


def test_unstable_employment_counts_wage_income_and_employment_measures_as_work(regions):
    """The work record of 5_15_014: wage income in the latest record or an employment measure will do."""
    with_wage = make_household(VILLAGE_A1, "wage")
    make_case(with_wage, status=CaseStatus.MONITORED, risk_codes=("YWGJYBW",))
    with_measure = make_household(VILLAGE_A1, "measure", wage="0")
    make_measure(make_case(with_measure, status=CaseStatus.MONITORED, risk_codes=("YWGJYBW",)), "employment")
    stopped = make_household(VILLAGE_A1, "stopped", wage="0")
    make_measure(make_case(stopped, status=CaseStatus.MONITORED, risk_codes=("YWGJYBW",)), "employment",
                 status="stopped")
    quality.run_checks(COUNTY, YEAR)
    assert flagged("UNSTABLE_EMPLOYMENT_NO_WORK") == {"stopped"}


def test_assistance_elimination_in_the_next_month_is_flagged_two_months_later_is_not(regions):
    for name, eliminated_on in (("same", date(2023, 3, 25)), ("next", date(2023, 4, 30)),
                                ("later", date(2023, 5, 1))):
        _too_soon(make_household(VILLAGE_A1, name), eliminated_on)
    natural = make_household(VILLAGE_A1, "natural")
    eliminated(natural, identified_on=date(2023, 3, 10), eliminated_on=date(2023, 3, 25))
    quality.run_checks(COUNTY, YEAR)
    assert flagged("ASSISTANCE_ELIMINATED_TOO_SOON") == {"same", "next"}


def test_the_page_shows_the_national_code(client, personas, scenarios):
    quality.run_checks(COUNTY, YEAR)
    client.force_login(personas["carol"])
    page = client.get(reverse("supervision:quality_index")).content.decode()
    assert "1_11_011" in page and "1_02_006" in page
    listed = client.get(reverse("supervision:quality_index"), {"rule": "ELIMINATED_NO_CONTACT"}).content.decode()
    assert "1_11_011" in listed
    described = client.get(reverse("supervision:quality_index"), {"rule": "UNSTABLE_EMPLOYMENT_NO_WORK"})
    assert "wage income above 0" in described.content.decode()


def test_work_on_extreme_poverty_support_has_its_own_code(regions):
    household = make_household(VILLAGE_A1, "tekun-worker")
    update_members(household, 2, tekun=True, work_months=5)
    quality.run_checks(COUNTY, YEAR)
    finding = DataQualityFinding.objects.get(rule="WORKER_UNFIT", household=household)
    assert finding.national_code == "5_12_003" and finding.member_id == members(household)[2].pk


def test_a_planned_job_measure_does_not_yet_need_work(regions):
    household = make_household(VILLAGE_A1, "planned", wage="0")
    make_measure(make_case(household, status=CaseStatus.MONITORED), "employment", status="planned")
    quality.run_checks(COUNTY, YEAR)
    assert "planned" not in flagged("JOB_MEASURE_NO_WORK")


def test_one_month_before():
    assert casechecks.one_month_before(date(2024, 3, 31)) == date(2024, 2, 29)
    assert casechecks.one_month_before(date(2024, 1, 15)) == date(2023, 12, 15)


def _expand(codes: str) -> list[str]:
    """"5_18_003–007/1_11_011" → every code it names."""
    out = []
    for part in filter(None, codes.split("/")):
        match = re.fullmatch(r"(\d+_\d+_)(\d{3})–(\d{3})", part)
        if match:
            out += [f"{match[1]}{i:03d}" for i in range(int(match[2]), int(match[3]) + 1)]
        else:
            out.append(part)
    return out


def test_the_data_quality_page_of_the_docs_lists_every_rule_and_the_codes_it_covers():
    text = (Path(settings.BASE_DIR) / "docs" / "data-quality.md").read_text(encoding="utf-8")
    national = dict(re.findall(r"^\| (\d[\d_]*(?:-16)?) \| `?([A-Za-z_]+)", text, flags=re.M))
    listed = set(re.findall(r"^\| `([A-Za-z_]+)` \|", text, flags=re.M))
    declared = {rule.code: rule.national for rule in quality.RULES}
    declared |= {quality.CASE_PREFIX + check.code: check.national for check in CHECKS if check.national}
    assert {rule.code for rule in quality.RULES} <= listed
    for code, codes in declared.items():
        for one in _expand(codes):
            assert national.get(one) == code, (one, code)
    covered = {one for codes in declared.values() for one in _expand(codes)}
    assert {one for one, by in national.items() if by != "n"} == covered  # "n/a: …" rows start with n


def test_ages_are_counted_in_the_latest_income_year_when_an_earlier_year_is_checked(regions):
    """Labour and schooling are the registry's current state: checking 2022 must not age a pupil back."""
    household = make_household(VILLAGE_A1, "pupil")  # record of 2023
    HouseholdYear.objects.create(household=household, year=YEAR - 1, member_count=3, wage_income=30000)
    update_members(household, 2, birth_year=YEAR - 6, schooling=Schooling.PRIMARY, labour=Labour.NONE)
    quality.run_checks(COUNTY, YEAR - 1)
    assert flagged("SCHOOLING_AGE") == set()
