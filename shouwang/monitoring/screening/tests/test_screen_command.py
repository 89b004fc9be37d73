"""Screening runs: no duplicates, the command's outputs, deadlines and who sees which warnings."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.core.calendar import add_working_days
from shouwang.monitoring.models import Signal, Warning, WarningStatus
from shouwang.monitoring.screening.services import screen
from shouwang.monitoring.tests.factories import household
from shouwang.monitoring.warnings.services import _case_lookups, register_case_lookup
from shouwang.registry.models import HouseholdYear

SUMMARY_KEYS = {"households", "signals_added", "signals_unchanged", "warnings_created", "per_rule", "seconds"}


def _registry():
    household(VILLAGE_A1, number="A1-poor", wage="7000")  # INCOME_BELOW_LINE, ADJUSTED_INCOME_BELOW_LINE
    household(VILLAGE_A2, number="A2-dropout", dropout=True)
    household(VILLAGE_B1, number="B1-house", housing_grade="D")
    household(VILLAGE_B1, number="B1-fine")


def _run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("screen", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_screening_twice_changes_nothing(regions):
    _registry()
    first = screen(year=2023)
    ids = set(Warning.objects.values_list("id", flat=True))
    second = screen(year=2023)
    # Four rules fired for three households: four signals, one warning per household.
    assert (first.signals_added, first.signals_unchanged, first.warnings_created) == (4, 0, 3)
    assert (second.signals_added, second.signals_unchanged, second.warnings_created) == (0, 4, 0)
    assert second.per_rule == first.per_rule
    assert set(Warning.objects.values_list("id", flat=True)) == ids
    assert Signal.objects.count() == 4


def test_verifying_is_still_open_but_a_dismissed_warning_fires_again_only_on_new_facts(regions):
    _registry()
    screen(year=2023)
    Warning.objects.filter(rule__code="DROPOUT").update(status=WarningStatus.VERIFYING)
    Warning.objects.filter(rule__code="HOUSING_UNSAFE").update(status=WarningStatus.DISMISSED)
    Signal.objects.filter(rule__code="HOUSING_UNSAFE").update(open=False)  # dismissing closes its signals
    again = screen(year=2023)
    assert (again.signals_added, again.signals_unchanged, again.warnings_created) == (0, 4, 0)
    # The housing grade recorded anew (C instead of D): new evidence, a new warning.
    HouseholdYear.objects.filter(household__number="B1-house").update(housing_grade="C")
    changed = screen(year=2023)
    assert (changed.signals_added, changed.warnings_created) == (1, 1)
    assert Warning.objects.filter(rule__code="HOUSING_UNSAFE", status=WarningStatus.NEW).count() == 1


def test_a_household_under_monitoring_gets_its_signal_on_its_case(regions):
    """The cases app reports households with an open case: their signals go on it, no warning."""
    _registry()
    dropout = Warning._meta.get_field("household").related_model.objects.get(number="A2-dropout")

    def open_cases(household_ids):
        return {dropout.pk: 999} if dropout.pk in set(household_ids) else {}

    register_case_lookup(open_cases)
    try:
        result = screen(year=2023)
    finally:
        _case_lookups.remove(open_cases)
    assert (result.signals_added, result.warnings_created) == (4, 2)
    assert not Warning.objects.filter(household=dropout).exists()
    signal = Signal.objects.get(household=dropout)
    assert signal.case_id == 999 and signal.warning_id is None and signal.open
    assert screen(year=2023).signals_added == 0


def test_region_option_screens_only_that_region(regions):
    _registry()
    result = screen(year=2023, region="433122104")
    assert result.households == 2 and result.warnings_created == 1
    assert set(Warning.objects.values_list("region_code", flat=True)) == {VILLAGE_B1}


def test_default_year_is_the_latest_recorded(regions):
    household(VILLAGE_A1, number="old", year=2022, dropout=True)
    household(VILLAGE_A1, number="new", year=2023, housing_grade="C")
    result = screen()
    assert result.year == 2023
    assert list(Warning.objects.values_list("household__number", flat=True)) == ["new"]


def test_json_output_has_exactly_the_documented_shape(regions):
    _registry()
    out, _ = _run("--year", "2023", "--json")
    summary = json.loads(out)
    assert set(summary) == SUMMARY_KEYS
    assert summary["households"] == 4 and summary["warnings_created"] == 3 and summary["signals_added"] == 4
    assert summary["per_rule"]["INCOME_BELOW_LINE"] == 1 and summary["per_rule"]["DROPOUT"] == 1
    assert summary["per_rule"]["WATER_UNSAFE"] == 0
    assert isinstance(summary["seconds"], float)
    again = json.loads(_run("--year", "2023", "--json")[0])
    assert (again["warnings_created"], again["signals_added"], again["signals_unchanged"]) == (0, 0, 4)


def test_list_prints_one_json_line_per_household_with_an_open_warning(regions):
    _registry()
    household(VILLAGE_A1, number="A1-older-warning", year=2022, water_secured=False)
    screen(year=2022)
    out, _ = _run("--year", "2023", "--list")
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines == [
        {"household": "A1-older-warning", "rules": ["WATER_UNSAFE"]},
        {"household": "A1-poor", "rules": ["ADJUSTED_INCOME_BELOW_LINE", "INCOME_BELOW_LINE"]},
        {"household": "A2-dropout", "rules": ["DROPOUT"]},
        {"household": "B1-house", "rules": ["HOUSING_UNSAFE"]},
    ]


def test_json_and_list_together_print_the_summary_first(regions):
    _registry()
    out, _ = _run("--year", "2023", "--json", "--list", "--region", "433122104")
    first, *rest = out.splitlines()
    assert set(json.loads(first)) == SUMMARY_KEYS
    assert [json.loads(line) for line in rest] == [{"household": "B1-house", "rules": ["HOUSING_UNSAFE"]}]


def test_the_run_says_when_no_line_is_set(regions):
    household(VILLAGE_A1, number="poor_2024", year=2024, wage="100")
    out, _ = _run("--year", "2024")
    assert "No monitoring line is set for 2024" in out
    out, err = _run("--year", "2024", "--json")
    assert set(json.loads(out)) == SUMMARY_KEYS and "No monitoring line is set for 2024" in err


def test_plain_output_summarises_the_run(regions):
    _registry()
    out, _ = _run("--year", "2023")
    assert "Screened 4 households for 2023" in out and "3 households newly warned" in out
    assert "  DROPOUT: 1" in out


def test_region_must_be_a_code(regions):
    with pytest.raises(CommandError):
        _run("--region", "达岚镇")


@pytest.mark.parametrize(
    "start, days, due",
    [
        (date(2026, 11, 23), 5, date(2026, 11, 30)),  # Monday → next Monday
        (date(2026, 11, 27), 5, date(2026, 12, 4)),  # Friday → next Friday
        (date(2026, 11, 28), 5, date(2026, 12, 4)),  # Saturday → Friday
        (date(2026, 11, 29), 1, date(2026, 11, 30)),  # Sunday → Monday
    ],
)
@pytest.mark.django_db  # the county's overrides are read from the database
def test_due_date_counts_working_days(start, days, due):
    assert add_working_days(start, days) == due


def test_due_date_follows_the_setting(regions, settings):
    from django.utils import timezone

    household(VILLAGE_A1, dropout=True)
    settings.SHOUWANG_WARNING_VERIFY_DAYS = 10
    screen(year=2023)
    assert Warning.objects.get().due_date == add_working_days(timezone.localdate(), 10)


def test_default_deadline_is_five_working_days(regions):
    from django.utils import timezone

    household(VILLAGE_A1, dropout=True)
    screen(year=2023)
    assert Warning.objects.get().due_date == add_working_days(timezone.localdate(), 5)


def test_each_persona_sees_only_the_warnings_of_their_region(personas):
    _registry()
    screen(year=2023)

    def seen(name):
        return sorted(set(Warning.objects.restrict(personas[name]).values_list("household__number", flat=True)))

    assert seen("alice") == ["A1-poor"]
    assert seen("bob") == ["A2-dropout"]
    assert seen("judy") == ["B1-house"]
    assert seen("carol") == ["A1-poor", "A2-dropout"]
    assert seen("dave") == ["B1-house"]
    for county_wide in ("erin", "frank", "grace", "heidi"):
        assert seen(county_wide) == ["A1-poor", "A2-dropout", "B1-house"]
    assert seen("ivan") == []
    assert Warning.objects.restrict(personas["grace"], "change").count() == 0
    assert Warning.objects.restrict(personas["alice"], "change").count() == 1  # two rules, one household
