"""Every job page shows the job's state with the one partial (``core/_job_progress.html``)."""

from __future__ import annotations

import pytest
from django.template.loader import get_template

JOB_PAGES = [
    "registry/import_status.html",
    "monitoring/feed_status.html",
    "monitoring/screening_job.html",
    "supervision/dashboard_job.html",
    "supervision/assessment_job.html",
    "supervision/quality_job.html",
    "supervision/export_status.html",
]


@pytest.mark.parametrize("name", JOB_PAGES)
def test_the_job_page_uses_the_one_partial(name):
    source = get_template(name).template.source
    assert '{% include "core/_job_progress.html"' in source
    assert "<progress" not in source  # the progress bar is the partial's
    assert "job.message" not in source  # messages are read through job.display_message, in the partial
