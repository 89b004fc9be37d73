"""Writing an export's file: the scoped rows, masked unless cleared, logged; naming and sweeping files.

Small sets are written in the request and large ones by a worker, but both run the export task
(:mod:`.tasks`, whose work is :func:`write_export`) through :func:`shouwang.core.jobs.run`, so scope,
masking, formula neutralisation and logging cannot differ between them. Files are written through
:mod:`shouwang.core.exports` (xlsx in constant-memory mode, CSV in UTF-8 with a BOM, formula-looking
cells neutralised).
"""

from __future__ import annotations

import contextlib
import datetime
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from shouwang.core import jobs
from shouwang.core.audit import record_access
from shouwang.core.exports import write_csv, write_xlsx
from shouwang.core.files import open_private, private_dir, sweep
from shouwang.core.models import Job
from shouwang.core.permissions import can, home_region

from .registry import _REGISTRY, dict_to_querydict, get_export

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
PROGRESS_EVERY = 1000
CHUNK_SIZE = 2000


def export_root() -> Path:
    return Path(settings.SHOUWANG_EXPORT_ROOT)


def unmasked(job: Job) -> bool:
    """Whether the job's file holds clear personal data (asked for with a reason; kept 24 hours)."""
    return bool(job.params.get("clear"))


def watermark(job: Job) -> str:
    """Who exported the clear data, when and why: the line every unmasked file carries."""
    user = job.user
    who = (user.get_full_name() or user.get_username()) if user is not None else "-"
    login = user.get_username() if user is not None else "-"
    return gettext("Unmasked personal data exported by %(who)s (%(login)s) at %(time)s for: %(reason)s. "
                   "Do not pass on; delete after use.") % {
        "who": who, "login": login, "time": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "reason": job.params.get("reason", "")}


def _count(items: Iterable[Any]) -> tuple[int, Iterable[Any]]:
    if isinstance(items, QuerySet):
        return items.count(), items
    if not hasattr(items, "__len__"):
        items = list(items)
    return len(items), items  # type: ignore[arg-type]


def _iterate(items: Iterable[Any]) -> Iterator[Any]:
    if isinstance(items, QuerySet):
        return items.iterator(chunk_size=CHUNK_SIZE)
    return iter(items)


def export_path(job: Job) -> Path:
    return export_root() / f"{job.pk}.{job.params.get('format', 'xlsx')}"


def download_name(job: Job) -> str:
    spec = _REGISTRY.get(job.params.get("export", ""))
    stem = spec.filename if spec else "export"
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M")
    return f"{stem}-{stamp}.{job.params.get('format', 'xlsx')}"


def write_export(job: Job) -> jobs.Outcome:
    """The export job's work: write its file from the scoped rows again (as the job's user, which
    :func:`shouwang.core.jobs.run` sets), masked unless cleared, and log the export."""
    path = export_path(job)
    spec = get_export(job.params["export"])
    user = job.user
    if user is None or not spec.allowed(user):
        raise jobs.JobFailed(gettext_noop("You may not export this list."))
    clear = (bool(job.params.get("clear")) and can(user, "supervision.export_unmasked")
             and spec.has_personal_data)
    filters = dict_to_querydict(job.params.get("filters"))
    total, items = _count(spec.queryset_for(user, filters))
    job.set_progress(0, total)
    counter = {"n": 0}

    def rows() -> Iterator[Sequence[Any]]:
        for obj in _iterate(items):
            yield spec.row(obj, clear)
            counter["n"] += 1
            if counter["n"] % PROGRESS_EVERY == 0:
                job.set_progress(counter["n"])

    private_dir(path.parent)  # 0700; the files 0600 (core.files)
    partial = path.with_suffix(path.suffix + ".part")
    mark = watermark(job) if clear else ""
    if job.params.get("format") == "csv":  # a CSV keeps its header on the first line, as CSV tools expect
        with open_private(partial) as handle:
            write_csv(handle, spec.columns, rows(), watermark=mark)
    else:
        write_xlsx(partial, spec.columns, rows(), sheet_name=spec.sheet_name,
                   title_rows=spec.titles(user, filters, clear), watermark=mark)
    partial.replace(path)
    detail = {
        "export": spec.name, "format": job.params.get("format"), "rows": counter["n"],
        "filters": job.params.get("filters") or {}, "job": str(job.pk),
    }
    record_access(
        "export_unmasked" if clear else "export",
        object_type=spec.object_type, object_id=job.pk, object_repr=str(spec.title),
        region_code=home_region(user) or "",
        fields=",".join(sorted(spec.masked_columns)) if clear else "",
        reason=job.params.get("reason", "") if clear else "", detail=detail,
    )
    job.set_progress(counter["n"], counter["n"])  # the rows written are the job's total
    return jobs.Outcome(gettext_noop("%(n)d rows exported"), {"n": counter["n"]},
                        {"rows": counter["n"], "file": path.name, "bytes": path.stat().st_size})


def record_download(job: Job) -> None:
    """Log a download (the first and every later one) of the job's file in the access log."""
    spec = _REGISTRY.get(job.params.get("export", ""))
    clear = unmasked(job)
    record_access(
        "download", object_type=spec.object_type if spec else "export", object_id=job.pk,
        object_repr=str(spec.title) if spec else "", region_code=home_region(job.user) or "",
        reason=job.params.get("reason", "") if clear else "",
        detail={"export": job.params.get("export"), "format": job.params.get("format"), "job": str(job.pk),
                "unmasked": clear, "file": download_name(job)},
    )


def discard_export(job: Job) -> None:
    """Delete the job's file and its half-written part (an export whose worker died)."""
    path = export_path(job)
    for leftover in (path, path.with_suffix(path.suffix + ".part")):
        leftover.unlink(missing_ok=True)


def sweep_old_files(now: datetime.datetime | None = None) -> int:
    """Delete export files past their keep period: unmasked ones after
    ``SHOUWANG_UNMASKED_EXPORT_KEEP_HOURS``, masked ones after ``SHOUWANG_EXPORT_KEEP_DAYS`` (and a
    file whose job is gone, or half-written, as an unmasked one). Personal data does not linger."""
    root = export_root()
    if not root.is_dir():
        return 0
    masked_keep = datetime.timedelta(days=int(settings.SHOUWANG_EXPORT_KEEP_DAYS))
    clear_keep = datetime.timedelta(hours=int(settings.SHOUWANG_UNMASKED_EXPORT_KEEP_HOURS))
    stems = {path.name.split(".", 1)[0] for path in root.iterdir()}
    ids = []
    for stem in stems:
        with contextlib.suppress(ValueError):
            ids.append(uuid.UUID(stem))
    masked = {str(job.pk) for job in Job.objects.filter(pk__in=ids).only("pk", "params") if not unmasked(job)}

    def keep(path: Path) -> datetime.timedelta:
        whole = not path.name.endswith(".part")
        return masked_keep if whole and path.name.split(".", 1)[0] in masked else clear_keep

    return sweep(root, keep, now)
