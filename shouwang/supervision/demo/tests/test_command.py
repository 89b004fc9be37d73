"""``manage.py seed_demo``: its registry options (the play itself is tested in test_play)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from shouwang.registry.models import Household, HouseholdYear


@translation.override("en")
def test_command_refuses_to_duplicate_and_replaces_on_request(regions):
    call_command("seed_demo", registry_only=True, households=200, seed=9, years="2023-2025", stdout=(out := StringIO()))
    assert "Seeded 200 households" in out.getvalue()
    assert HouseholdYear.objects.filter(year=2021).count() == 0
    numbers = set(Household.objects.values_list("number", flat=True))
    call_command("seed_demo", registry_only=True, households=200, seed=9, years="2023-2025",
                 stdout=(again := StringIO()))
    assert "--replace" in again.getvalue()
    assert Household.objects.count() == 200
    call_command("seed_demo", registry_only=True, households=150, seed=9, years="2023-2025", replace=True,
                 stdout=StringIO())
    assert Household.objects.count() == 150
    assert set(Household.objects.values_list("number", flat=True)) != numbers
    assert HouseholdYear.objects.count() == 150 * 3


@translation.override("en")
def test_command_prints_progress_and_summary(regions):
    call_command("seed_demo", registry_only=True, households=100, seed=2, stdout=(out := StringIO()))
    assert "100 / 100 households (100%)" in out.getvalue()
    assert re.search(r"100 households, \d+ members, 500 household-years in [\d.]+ s", out.getvalue())


def test_command_needs_loaded_villages(db):
    with translation.override("en"), pytest.raises(CommandError, match="load_regions"):
        call_command("seed_demo", registry_only=True, households=10, stdout=StringIO())


def test_command_rejects_bad_years(regions):
    for years in ("2025-2021", "last", "1990-1995"):
        with pytest.raises(CommandError):
            call_command("seed_demo", registry_only=True, households=10, years=years, stdout=StringIO())
    assert not Household.objects.exists()


@translation.override("en")
def test_command_plays_the_years_and_replaces_a_played_county(regions):
    from django.utils import timezone

    from shouwang.cases.models import Case

    years = f"{timezone.localdate().year - 2}-{timezone.localdate().year - 1}"
    call_command("seed_demo", households=150, seed=4, years=years, stdout=(out := StringIO()))
    assert "Played the demo years" in out.getvalue()
    assert Case.objects.exists()
    # Cases hold their households: --replace removes the story before the registry.
    call_command("seed_demo", households=120, seed=4, years=years, replace=True, stdout=StringIO())
    assert Household.objects.count() == 120
    assert not Case.objects.exclude(household__in=Household.objects.all()).exists()
