"""The dispatch lists' filter: the answers to a task, on the task's page and in their export.

:class:`RecipientFilter`: ``task``, a task id (the page takes it from its address, the export
from the query string). A value that is not a number is ignored, as the export always has.

The tasks sent and the inbox are listed unfiltered (page, API and export alike): they have no
filter.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from shouwang.core.filters import ListFilter

from .models import DispatchRecipient


class RecipientFilter(ListFilter):
    task = django_filters.CharFilter(method="filter_task", help_text="task id")

    class Meta:
        model = DispatchRecipient
        fields = ["task"]

    def filter_task(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        try:
            return queryset.filter(task_id=int(value))
        except ValueError:
            return queryset
