"""The export framework: every downloadable list goes through one registry and one code path.

A part registers a list once with :func:`register_export` (:mod:`.registry`): its Chinese column
headers, a function that gives the user's scoped and filtered rows for the list page's GET
parameters, and a function that turns one object into a row. Starting an export
(:func:`start_export`) records a ``core.Job``; small sets are written at once in the request,
large ones by a worker once the request has committed, but both run the same task
(:func:`.files.write_export` through :mod:`shouwang.core.jobs`), so scope, masking, formula
neutralisation and logging cannot differ between them. Files are written through
:mod:`shouwang.core.exports` (xlsx in constant-memory mode, CSV in UTF-8 with a BOM,
formula-looking cells neutralised). This module is the framework's face: callers import from here.

Personal data, and how a list registers: see :mod:`.registry`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from shouwang.core import jobs
from shouwang.core.models import Job
from shouwang.core.permissions import require

from .files import CONTENT_TYPES, _count, download_name, export_path, record_download, sweep_old_files, write_export
from .registry import (
    ExportError,
    ExportSpec,
    dict_to_querydict,
    exports_for,
    get_export,
    params_to_dict,
    register_export,
)

logger = logging.getLogger(__name__)

JOB_KIND = "export"
FORMATS = ("xlsx", "csv")
MAX_REASON = 500


def sync_rows() -> int:
    """Sets up to this many rows are written in the request; larger ones run as a background job."""
    return int(settings.SHOUWANG_EXPORT_SYNC_ROWS)


def clean_reason(reason: str | None) -> str:
    return " ".join((reason or "").split())[:MAX_REASON]


def start_export(user, name: str, params: Mapping[str, Any] | QueryDict | None = None, *, fmt: str = "xlsx",
                 reason: str = "", run_now: bool | None = None) -> Job:
    """Record an export job for ``user``; write it now when small (or ``run_now``), else queue it.

    A reason asks for clear ID and phone numbers: allowed only to a user who may unmask and
    only for a list with such columns. Without a reason the export is masked.
    """
    spec = get_export(name)
    require(user, spec.action, message=_("You may not export this list."))
    if fmt not in FORMATS:
        raise ExportError(_("Choose xlsx or CSV."))
    reason = clean_reason(reason)
    clear = bool(reason)
    if clear and not spec.has_personal_data:
        clear, reason = False, ""
    if clear:
        require(user, "supervision.export_unmasked")
    stored = params_to_dict(params)
    total, _items = _count(spec.queryset_for(user, dict_to_querydict(stored)))
    sweep_old_files()
    now = run_now if run_now is not None else total <= sync_rows()
    from .tasks import run_export_job

    return jobs.start(
        JOB_KIND, run_export_job, user=user, total=total, now=now,
        params={"export": name, "format": fmt, "filters": stored, "clear": clear, "reason": reason,
                "background": not now},
    )


def user_export_jobs(user) -> QuerySet[Job]:
    """The user's own export jobs: nobody downloads another person's export."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Job.objects.none()
    return Job.objects.filter(kind=JOB_KIND, user=user)


__all__ = [
    "CONTENT_TYPES", "ExportError", "ExportSpec", "register_export", "get_export", "exports_for", "start_export",
    "write_export", "export_path", "download_name", "user_export_jobs", "params_to_dict", "dict_to_querydict",
    "clean_reason", "sweep_old_files", "record_download",
]
