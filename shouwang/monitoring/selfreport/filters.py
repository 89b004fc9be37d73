"""The self-report queue's one filter: the queue page, ``/api/self-reports/`` and its export.

``status``: a report status. The page and its export assume ``new`` when the address names
none; the API assumes nothing. Any other value (the page's ``all``, an empty one) lists every
status, as it always has on the page and in the API.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shouwang.core.filters import ListFilter, OpenChoiceFilter

from .models import SelfReport, SelfReportStatus


class SelfReportFilter(ListFilter):
    page_defaults = {"status": SelfReportStatus.NEW}

    status = OpenChoiceFilter(
        choices=SelfReportStatus.choices, method="filter_status", label=_("Status"), empty_label=_("All"),
        help_text="report status; any other value: every status",
    )

    class Meta:
        model = SelfReport
        fields = ["status"]

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(status=value) if value in SelfReportStatus.values else queryset

    @property
    def listed_status(self) -> str:
        """The status listed, or "" for every status (what the page's select shows)."""
        value = self.form.cleaned_data.get("status", "") if self.is_valid() else ""
        return value if value in SelfReportStatus.values else ""
