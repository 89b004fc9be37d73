"""The base of every list's one filter: a django-filter ``FilterSet`` its page, API and export share.

Each feature that has a list (a page, an API endpoint, an export) declares one filter class in
its ``filters.py``, derived from :class:`ListFilter`, and all three use it:

* the page: ``ListFilter.for_page(request.GET, restricted_queryset, user)``, ``.rows()`` for the
  rows and ``.form`` for the filter form (labels translated, choices from the user's region);
* the API: ``filterset_class = TheFilter`` on the viewset (``DjangoFilterBackend``, the default);
* the export: ``queryset_for(user, params)`` calls ``for_page`` with the stored GET parameters, so
  the file holds exactly the rows the page lists.

A filter never widens what the user sees: it filters a queryset that ``restrict`` already
narrowed to the user's region. Region filters accept any code (API clients send prefixes),
and a code outside the user's region simply matches nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import django_filters
import django_filters.rest_framework
from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ChoiceField


def once[T](compute: Callable[[], T]) -> Callable[[], T]:
    """``compute`` run at most once, when first asked (the regions a select offers)."""
    return functools.cache(compute)


def chosen_per_user() -> list[tuple[str, str]]:
    """The class-level choices of a filter whose choices depend on the user (set per instance).

    A callable, so that the API schema lists no enum for it.
    """
    return []


class OfferedChoiceField(ChoiceField):
    """A select of the choices offered that accepts other values too (an API client's code)."""

    def validate(self, value: Any) -> None:
        forms.Field.validate(self, value)


class OpenChoiceFilter(django_filters.ChoiceFilter):
    """A choice filter rendered as a select, whose value need not be one of the choices offered."""

    field_class = OfferedChoiceField


class ListFilter(django_filters.rest_framework.FilterSet):
    """One list's filter; subclasses declare the filters, ``aliases``, ``page_defaults`` and
    :meth:`offer_choices`. (The REST framework flavour: filters made from ``Meta.fields`` read
    booleans and date-times as the API always has, ``true``/``false`` and ISO 8601.)"""

    # Other names a parameter is accepted under, alias → filter name: a page and the API that
    # named a parameter differently both keep working (bookmarked addresses, API clients).
    aliases: ClassVar[dict[str, str]] = {}
    # What the list page (and so its export) assumes for a parameter the address leaves out,
    # e.g. the warning queue's ``status=open``; the API assumes nothing.
    page_defaults: ClassVar[dict[str, str]] = {}

    def __init__(self, data: Mapping[str, Any] | None = None, queryset: QuerySet | None = None, *,
                 request: Any = None, prefix: str | None = None, user: Any = None) -> None:
        self.user = user if user is not None else getattr(request, "user", None)
        self.form_flags: dict[str, Any] = {}
        super().__init__(self.with_aliases(data), queryset, request=request, prefix=prefix)
        self.offer_choices(self.user)

    @classmethod
    def with_aliases(cls, data: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        """``data`` with each alias copied to its filter's name (the filter's own name wins)."""
        if data is None or not any(alias in data for alias in cls.aliases):
            return data
        merged: Any = data.copy() if isinstance(data, QueryDict) else dict(data)
        for alias, name in cls.aliases.items():
            if alias in merged and name not in merged:
                if isinstance(merged, QueryDict):
                    merged.setlist(name, merged.getlist(alias))
                else:
                    merged[name] = merged[alias]
        return merged

    @classmethod
    def for_page(cls, params: Mapping[str, Any] | None, queryset: QuerySet, user: Any) -> ListFilter:
        """The filter as the list page (and its export) applies it: with the page's defaults."""
        data = QueryDict(mutable=True)
        if isinstance(params, QueryDict):
            data = params.copy()
        elif params:
            for key, value in params.items():
                data.setlist(key, list(value) if isinstance(value, (list, tuple)) else [value])
        for name, value in cls.page_defaults.items():
            named = [name, *(alias for alias, target in cls.aliases.items() if target == name)]
            if not any(key in data for key in named):
                data[name] = value
        return cls(data, queryset, user=user)

    def offer_choices(self, user: Any) -> None:
        """Set the choices that depend on who asks (the villages of the user's region)."""

    def set_choices(self, name: str, choices: Callable[[], list[Any]]) -> None:
        """Offer ``choices()`` in ``name``'s select: asked only when the form is drawn (or a value
        is checked against them), so the API and the export run no query for them."""
        self.filters[name].field.choices = lambda: list(choices())

    def rows(self) -> QuerySet:
        """The filtered rows; none while a parameter is not valid (the form shows why)."""
        return self.queryset.none() if self.is_bound and not self.is_valid() else self.qs

    @property
    def form(self) -> forms.Form:
        """The filter form, with the ``form_flags`` set on it (callables: a template calls them)."""
        if not hasattr(self, "_form"):
            form = super().form
            for name, value in self.form_flags.items():
                setattr(form, name, value)
        return self._form


# --- the audit logs ------------------------------------------------------------------------------


class LogFilter(ListFilter):
    """The change log's and the access log's filter (their pages; they have no API or export).

    ``user`` and ``object_type`` (contains), ``action`` (one of the log's actions),
    ``date_from``/``date_to`` (inclusive days).
    """

    user = django_filters.CharFilter(method="filter_contains", field_name="username", label=_("User"))
    object_type = django_filters.CharFilter(method="filter_contains", label=_("Object type"))
    action = django_filters.ChoiceFilter(choices=chosen_per_user, label=_("Action"), empty_label=_("All"))
    date_from = django_filters.DateFilter(
        field_name="time", lookup_expr="date__gte", label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="time", lookup_expr="date__lte", label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def offer_choices(self, user: Any) -> None:
        actions = list(self.queryset.model.Action.choices)
        self.set_choices("action", lambda: actions)

    def filter_contains(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(**{f"{name}__icontains": value}) if value else queryset
