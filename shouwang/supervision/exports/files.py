"""Writing an export's file: the scoped rows, masked unless cleared, logged; naming and sweeping files.

Small sets are written in the request and large ones by the background task (:mod:`.tasks`), but
both run :func:`execute_export`, so scope, masking, formula neutralisation and logging cannot differ
between them. Files are written through :mod:`shouwang.core.exports` (xlsx in constant-memory mode,
CSV in UTF-8 with a BOM, formula-looking cells neutralised).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.audit import acting_as, record_access
from shouwang.core.exports import write_csv, write_xlsx
from shouwang.core.models import Job

from .registry import _REGISTRY, dict_to_querydict, get_export

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# Files of finished exports are removed after this many days (each new export sweeps).
DEFAULT_KEEP_DAYS = 7
PROGRESS_EVERY = 1000
CHUNK_SIZE = 2000


def export_root() -> Path:
    root = getattr(settings, "SHOUWANG_EXPORT_ROOT", None) or Path(settings.VAR_DIR) / "exports"
    return Path(root)


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


def execute_export(job: Job) -> Path:
    """Write the job's file: the scoped rows again (as the job's user), masked unless cleared."""
    job.start()
    path = export_path(job)
    try:
        with acting_as(job.user, source=f"export {job.pk}"):
            spec = get_export(job.params["export"])
            user = job.user
            if user is None or not spec.allowed(user):
                raise PermissionDenied(_("You may not export this list."))
            clear = bool(job.params.get("clear")) and user.can_unmask and spec.has_personal_data
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

            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(path.suffix + ".part")
            if job.params.get("format") == "csv":
                with partial.open("wb") as handle:
                    write_csv(handle, spec.columns, rows())
            else:
                write_xlsx(partial, spec.columns, rows(), sheet_name=spec.sheet_name)
            partial.replace(path)
            detail = {
                "export": spec.name, "format": job.params.get("format"), "rows": counter["n"],
                "filters": job.params.get("filters") or {}, "job": str(job.pk),
            }
            record_access(
                "export_unmasked" if clear else "export",
                object_type=spec.object_type, object_id=job.pk, object_repr=str(spec.title),
                region_code=user.scope_prefix or "",
                fields=",".join(sorted(spec.masked_columns)) if clear else "",
                reason=job.params.get("reason", "") if clear else "", detail=detail,
            )
    except Exception as exc:
        job.fail(str(exc))
        raise
    job.succeed(
        _("%(n)d rows exported") % {"n": counter["n"]}, progress=counter["n"], total=counter["n"],
        result={"rows": counter["n"], "file": path.name, "bytes": path.stat().st_size},
    )
    return path


def sweep_old_files(now: datetime.datetime | None = None) -> int:
    """Delete export files older than the keep period (personal data does not linger on disk)."""
    root = export_root()
    if not root.is_dir():
        return 0
    keep = int(getattr(settings, "SHOUWANG_EXPORT_KEEP_DAYS", DEFAULT_KEEP_DAYS))
    limit = (now or timezone.now()).timestamp() - keep * 86400
    removed = 0
    for path in root.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed
