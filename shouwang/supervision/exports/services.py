"""The export framework: every downloadable list goes through one registry and one code path.

A part registers a list once with :func:`register_export` (:mod:`.registry`): its Chinese column
headers, a function that gives the user's scoped and filtered rows for the list page's GET
parameters, and a function that turns one object into a row. Starting an export
(:func:`start_export`) records a ``core.Job``; small sets are written at once in the request,
large ones by a background task, but both run :func:`execute_export` (:mod:`.files`), so scope,
masking, formula neutralisation and logging cannot differ between them. Files are written through
:mod:`shouwang.core.exports` (xlsx in constant-memory mode, CSV in UTF-8 with a BOM,
formula-looking cells neutralised). This module is the framework's face: callers import from here.

Personal data, and how a list registers: see :mod:`.registry`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from shouwang.core.models import Job

from .files import CONTENT_TYPES, _count, download_name, execute_export, export_path, sweep_old_files
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
# Sets up to this many rows are written in the request; larger ones run as a background job.
DEFAULT_SYNC_ROWS = 2000
MAX_REASON = 500


def sync_rows() -> int:
    return int(getattr(settings, "SHOUWANG_EXPORT_SYNC_ROWS", DEFAULT_SYNC_ROWS))


def clean_reason(reason: str | None) -> str:
    return " ".join((reason or "").split())[:MAX_REASON]


def start_export(user, name: str, params: Mapping[str, Any] | QueryDict | None = None, *, fmt: str = "xlsx",
                 reason: str = "", run_now: bool | None = None) -> Job:
    """Record an export job for ``user``; write it now when small (or ``run_now``), else queue it.

    A reason asks for clear ID and phone numbers: allowed only to a user who may unmask and
    only for a list with such columns. Without a reason the export is masked.
    """
    spec = get_export(name)
    if not spec.allowed(user):
        raise PermissionDenied(_("You may not export this list."))
    if fmt not in FORMATS:
        raise ExportError(_("Choose xlsx or CSV."))
    reason = clean_reason(reason)
    clear = bool(reason)
    if clear and not spec.has_personal_data:
        clear, reason = False, ""
    if clear and not user.can_unmask:
        raise PermissionDenied(_("You may not export unmasked personal data."))
    stored = params_to_dict(params)
    total, _items = _count(spec.queryset_for(user, dict_to_querydict(stored)))
    sweep_old_files()
    now = run_now if run_now is not None else total <= sync_rows()
    job = Job.objects.create(
        kind=JOB_KIND, user=user, total=total, message=str(spec.title),
        params={"export": name, "format": fmt, "filters": stored, "clear": clear, "reason": reason,
                "background": not now},
    )
    if now:
        execute_export(job)
    else:
        from .tasks import run_export_job

        run_export_job.enqueue(str(job.pk))
    job.refresh_from_db()
    return job


def user_export_jobs(user) -> QuerySet[Job]:
    """The user's own export jobs: nobody downloads another person's export."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Job.objects.none()
    return Job.objects.filter(kind=JOB_KIND, user=user)


__all__ = [
    "CONTENT_TYPES", "ExportError", "ExportSpec", "register_export", "get_export", "exports_for", "start_export",
    "execute_export", "export_path", "download_name", "user_export_jobs", "params_to_dict", "dict_to_querydict",
    "clean_reason", "sweep_old_files",
]
