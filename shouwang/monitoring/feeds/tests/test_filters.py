"""The feed batch list's one filter: the batch list page and the API list the same batches."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import COUNTY
from shouwang.monitoring.feeds.models import FeedBatch, FeedType

LIST, API = reverse("monitoring:feed_batch_list"), "/api/feed-batches/"


@pytest.fixture
def batches(personas):
    made = []
    for n, (feed_type, channel) in enumerate([
        (FeedType.MEDICAL, FeedBatch.Channel.UPLOAD), (FeedType.MEDICAL, FeedBatch.Channel.API),
        (FeedType.HOUSING, FeedBatch.Channel.UPLOAD),
    ]):
        made.append(FeedBatch.objects.create(
            region_code=COUNTY, feed_type=feed_type, channel=channel, sha256=f"{n:064d}",
            file_name=f"batch-{n}", user=personas["erin"],
        ))
    return made


def test_page_and_api_list_the_same_batches(list_rows, personas, batches):
    erin = personas["erin"]
    for params in [{}, {"feed_type": "medical"}, {"feed_type": "housing", "channel": "upload"},
                   {"channel": "api"}, {"feed_type": "water"}]:
        page = list_rows.page(erin, LIST, params, key=lambda b: b.file_name)
        assert page == list_rows.api(erin, API, params, key="file_name"), params
    # The page has always named the feed ``type``: its addresses keep working, on the API too.
    medical = list_rows.page(erin, LIST, {"type": "medical"}, key=lambda b: b.file_name)
    assert medical == ["batch-0", "batch-1"]
    assert list_rows.api(erin, API, {"type": "housing"}, key="file_name") == ["batch-2"]
