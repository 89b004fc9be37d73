"""The list filter base: aliases, the page's defaults, open choices, invalid filters, lazy choices."""

from __future__ import annotations

import django_filters
import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from conftest import TOWNSHIP_A, TOWNSHIP_B
from shouwang.core.filters import ListFilter, OpenChoiceFilter, chosen_per_user, once
from shouwang.regions.models import Region


class RegionListFilter(ListFilter):
    aliases = {"kind": "level"}
    page_defaults = {"level": "township"}

    level = django_filters.ChoiceFilter(choices=Region.Level.choices)
    parent = OpenChoiceFilter(field_name="parent_code", choices=chosen_per_user, empty_label="all")

    class Meta:
        model = Region
        fields = ["level", "parent"]

    def offer_choices(self, user):
        townships = once(lambda: list(Region.objects.filter(code__in=[TOWNSHIP_A, TOWNSHIP_B])))
        self.set_choices("parent", lambda: [(r.code, r.name) for r in townships()])
        self.form_flags["show_parent"] = lambda: len(townships()) > 1


def codes(filterset: ListFilter) -> set[str]:
    return set(filterset.rows().values_list("code", flat=True))


def test_an_alias_is_another_name_for_a_filter_and_the_filters_own_name_wins(regions):
    assert codes(RegionListFilter(QueryDict("kind=county"), Region.objects.all())) == {"433122"}
    both = RegionListFilter(QueryDict("kind=county&level=village"), Region.objects.all())
    assert codes(both) and all(len(code) == 12 for code in codes(both))


def test_the_page_assumes_its_defaults_the_api_does_not(regions):
    page = RegionListFilter.for_page(QueryDict(f"parent={TOWNSHIP_A}"), Region.objects.all(), None)
    assert codes(page) == set()  # townships under a township: none
    api = RegionListFilter(QueryDict(f"parent={TOWNSHIP_A}"), Region.objects.all())
    assert codes(api) and all(code.startswith(TOWNSHIP_A) for code in codes(api))
    aliased = RegionListFilter.for_page(QueryDict("kind=county"), Region.objects.all(), None)
    assert codes(aliased) == {"433122"}  # the alias counts as naming the parameter


def test_an_open_choice_takes_any_value_and_an_invalid_filter_lists_nothing(regions):
    other = RegionListFilter(QueryDict("parent=999999999&level=village"), Region.objects.all())
    assert other.is_valid() and codes(other) == set()
    invalid = RegionListFilter(QueryDict("level=planet"), Region.objects.all())
    assert not invalid.is_valid() and codes(invalid) == set() and "level" in invalid.errors


def test_choices_are_read_only_when_the_form_is_drawn(regions):
    with CaptureQueriesContext(connection) as queries:
        filterset = RegionListFilter(QueryDict(f"parent={TOWNSHIP_A}"), Region.objects.all())
        assert filterset.is_valid()
    assert len(queries) == 0
    form = filterset.form
    assert form.show_parent() is True
    assert [code for code, _name in form.fields["parent"].choices] == ["", TOWNSHIP_A, TOWNSHIP_B]
    assert f'value="{TOWNSHIP_A}" selected' in str(form["parent"])


@pytest.mark.parametrize("data", [None, QueryDict()])
def test_no_parameters_filter_nothing(regions, data):
    everything = set(Region.objects.values_list("code", flat=True))
    assert codes(RegionListFilter(data, Region.objects.all())) == everything
