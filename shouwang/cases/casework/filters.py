"""The case list's one filter: the case list page, ``/api/cases/`` and the cases export.

Parameters (each accepted by the page, the API and the export alike):

* ``status``: a status, ``open`` (identifying, monitored or eliminating), ``overdue`` (an open
  procedure past its date, or an open step late) or ``all``. The page and its export assume
  ``open`` when the address names none (or leaves it empty); the API assumes nothing.
* ``q``: the household number or the head's name (contains; a whole ID number is refused: it never
  belongs in an address); ``category``; ``village``: a village
  code (exact); ``region``: a region code prefix; ``household``: a household number (exact);
  ``risk_type``: a risk type code; ``joint``: ``yes``/``no`` or a layer (joint identification as a
  social-assistance object).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from shouwang.cases.casefiles.forms import clean_text
from shouwang.cases.casefiles.models import Case, CaseStatus, Category
from shouwang.cases.procedure.deadlines import today_date
from shouwang.core.filters import ListFilter, OpenChoiceFilter, chosen_per_user, once
from shouwang.regions.filters import labelled_villages, regions_within
from shouwang.regions.models import Region
from shouwang.registry.households.forms import looks_like_full_id
from shouwang.registry.models import LayerKind, Member

from .queries import late_steps

STATUS_FILTERS: dict[str, Any] = {
    "open": _("Open (identifying, monitored or eliminating)"),
    "overdue": _("Overdue"),
    **dict(CaseStatus.choices),
    "all": _("All"),
}


JOINT_FILTERS = [
    ("yes", _("Jointly identified as a social-assistance object")),
    ("no", _("Not jointly identified")),
    *LayerKind.choices,
]


class CaseSearchForm(forms.Form):
    full_id_refusal = _("Search by the household number or the head's name, never a whole ID number.")

    def clean_q(self) -> str:
        q = clean_text(self.cleaned_data.get("q") or "")
        if looks_like_full_id(q):  # it must never be in an address (nor is it searched here)
            raise forms.ValidationError(self.full_id_refusal)
        return q


class CaseFilter(ListFilter):
    page_defaults = {"status": "open"}

    q = django_filters.CharFilter(
        method="filter_q", max_length=60, label=_("Household number or head's name"),
        help_text="household number or head's name (contains)",
    )
    status = django_filters.ChoiceFilter(
        choices=list(STATUS_FILTERS.items()), method="filter_status", label=_("Status"), empty_label=None,
        help_text="status, or open (identifying, monitored, eliminating), overdue, all",
    )
    category = django_filters.ChoiceFilter(
        choices=Category.choices, label=_("Category"), empty_label=_("All categories"),
    )
    village = OpenChoiceFilter(
        field_name="region_code", choices=chosen_per_user, label=_("Village"), empty_label=_("All villages"),
        help_text="village code (12 digits)",
    )
    region = django_filters.CharFilter(
        method="filter_region", help_text="region code prefix (township, village)",
    )
    household = django_filters.CharFilter(field_name="household__number", help_text="household number")
    risk_type = django_filters.CharFilter(
        field_name="risk_types__code", help_text="risk type code", distinct=True,
    )
    joint = django_filters.ChoiceFilter(
        choices=JOINT_FILTERS, method="filter_joint", label=_("Joint identification"),
        empty_label=_("With or without joint identification"),
        help_text="yes (jointly identified as a social-assistance object), no, or a layer: "
                  "dibao, tekun, dibao_edge, rigid_spending",
    )

    class Meta:
        model = Case
        form = CaseSearchForm
        fields = ["q", "status", "category", "village", "region", "household", "risk_type", "joint"]

    @classmethod
    def for_page(cls, params: Mapping[str, Any] | None, queryset: QuerySet, user: Any) -> ListFilter:
        # The page has always read an empty status as its default.
        if params is not None and "status" in params and not params.get("status"):
            params = {key: value for key, value in _lists(params).items() if key != "status"}
        return super().for_page(params, queryset, user)

    def offer_choices(self, user: Any) -> None:
        villages = once(lambda: regions_within(user, Region.Level.VILLAGE))
        self.set_choices("village", lambda: labelled_villages(villages()))
        self.form_flags["show_village"] = lambda: len(villages()) > 1

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "open":
            return queryset.filter(status__in=CaseStatus.open())
        if value == "overdue":
            # ``is_overdue`` is annotated by ``Case.objects.with_overdue`` (every case list has it).
            return queryset.filter(Q(is_overdue=True) | Exists(late_steps(today_date())))
        if value in CaseStatus.values:
            return queryset.filter(status=value)
        return queryset

    def filter_joint(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "yes":
            return queryset.exclude(assistance_layer="")
        if value == "no":
            return queryset.filter(assistance_layer="")
        return queryset.filter(assistance_layer=value) if value in LayerKind.values else queryset

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        heads = Member.objects.filter(household_id=OuterRef("household_id"), name__icontains=value)
        return queryset.filter(Q(household__number__icontains=value) | Q(Exists(heads)))

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(region_code__startswith=value) if value else queryset


def _lists(params: Mapping[str, Any]) -> dict[str, list[Any]]:
    getlist = getattr(params, "getlist", None)
    return {key: getlist(key) if getlist else params[key] for key in params}
