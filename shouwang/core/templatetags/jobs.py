"""Template tags of the job pages (``{% load jobs %}``), used by ``core/_job_progress.html``."""

from __future__ import annotations

from typing import Any

from django import template

from shouwang.core.jobs import error_visible_to
from shouwang.core.models import Job

register = template.Library()


@register.simple_tag(takes_context=True)
def job_error(context: template.Context, job: Job) -> str:
    """A failed job's traceback for an administrator reading the page; empty for everybody else."""
    request: Any = context.get("request")
    user = getattr(request, "user", None)
    return job.error if job.error and error_visible_to(user) else ""
