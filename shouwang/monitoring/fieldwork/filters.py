"""The field-work lists' filters, each shared by its page, its API and (visits) its export.

* :class:`VisitFilter`, the visit list page, ``/api/visits/`` and the visits export:
  ``household``, a household number (exact; spaces around it are ignored).
* :class:`CampaignTaskFilter`, the "households to visit" page and ``/api/campaign-tasks/``:
  ``campaign``, a campaign id, and ``status``, a task status. A value that is not one (a
  campaign that is not a number, an unknown status) is ignored, as it always has been.

Campaigns themselves are listed unfiltered (page and API), so they have no filter.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shouwang.core.filters import ListFilter, OpenChoiceFilter

from .models import CampaignTask, TaskStatus, Visit


class VisitFilter(ListFilter):
    household = django_filters.CharFilter(
        method="filter_household", label=_("Household number"), help_text="household number (户编号)",
    )

    class Meta:
        model = Visit
        fields = ["household"]

    def filter_household(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(household__number=value) if value else queryset


class CampaignTaskFilter(ListFilter):
    campaign = django_filters.CharFilter(method="filter_campaign", help_text="campaign id")
    status = OpenChoiceFilter(
        choices=TaskStatus.choices, method="filter_status",
        help_text="task status; any other value: every status",
    )

    class Meta:
        model = CampaignTask
        fields = ["campaign", "status"]

    def filter_campaign(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(campaign_id=int(value)) if value.isdigit() else queryset

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(status=value) if value in TaskStatus.values else queryset
