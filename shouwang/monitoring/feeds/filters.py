"""The feed batch list's one filter: the batch list page and ``/api/feed-batches/``.

``feed_type`` (also accepted as ``type``, the page's name for it since the page's first
version: bookmarked addresses keep working) and ``channel`` (upload or API).
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from shouwang.core.filters import ListFilter

from .models import FeedBatch, FeedType


class FeedBatchFilter(ListFilter):
    # Two names for one filter: the page has always sent ``type``, the API ``feed_type``.
    aliases = {"type": "feed_type"}

    feed_type = django_filters.ChoiceFilter(
        choices=FeedType.choices, label=_("Feed"), empty_label=_("All feeds"),
    )
    channel = django_filters.ChoiceFilter(choices=FeedBatch.Channel.choices)

    class Meta:
        model = FeedBatch
        fields = ["feed_type", "channel"]
