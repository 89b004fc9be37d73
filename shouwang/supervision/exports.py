"""The export framework: every downloadable list goes through one registry and one code path.

A part registers a list once with :func:`register_export`: its Chinese column headers, a
function that gives the user's scoped and filtered rows for the list page's GET parameters,
and a function that turns one object into a row. Starting an export records a ``core.Job``;
small sets are written at once in the request, large ones by a background task, but both
run :func:`execute_export`, so scope, masking, formula neutralisation and logging cannot
differ between them. Files are written through :mod:`shouwang.core.exports` (xlsx in
constant-memory mode, CSV in UTF-8 with a BOM, formula-looking cells neutralised).

Personal data: a column named in ``masked_columns`` holds an ID or phone number. ``row``
receives ``clear``; it is True only when the user may unmask *and* typed a reason, and such
an export is logged as ``export_unmasked`` with the reason. Every other export is logged as
``export``.

How a list registers (in a module ``shouwang/supervision/exports_<something>.py``, imported by
``SupervisionConfig.ready`` so that every list is known before the first request)::

    from shouwang.supervision.exports import register_export

    register_export(
        "scorecard",
        title=_("Township scorecard"),
        columns=["乡镇", "得分"],
        queryset_for=lambda user, params: scorecard_rows(user, params.get("period")),
        row=lambda item: [item.name, item.score],      # or row(obj, clear) with masked columns
    )

``queryset_for(user, params)`` must return only what ``user`` may see (start from
``Model.objects.restrict(user, "view")``); ``params`` is an immutable ``QueryDict`` of the list
page's GET parameters. It may return a QuerySet (iterated in chunks) or any sized iterable.
"""

from __future__ import annotations

import datetime
import inspect
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.audit import acting_as, record_access
from shouwang.core.exports import write_csv, write_xlsx
from shouwang.core.models import Job

logger = logging.getLogger(__name__)

JOB_KIND = "export"
FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# Sets up to this many rows are written in the request; larger ones run as a background job.
DEFAULT_SYNC_ROWS = 2000
# Files of finished exports are removed after this many days (each new export sweeps).
DEFAULT_KEEP_DAYS = 7
PROGRESS_EVERY = 1000
CHUNK_SIZE = 2000
MAX_REASON = 500


class ExportError(Exception):
    """An export that cannot start (unknown list, bad format, missing reason); message translated."""


@dataclass(frozen=True)
class ExportSpec:
    """One registered list: what it is called, its columns and how to get its rows."""

    name: str
    title: Any
    columns: tuple[str, ...]
    queryset_for: Callable[[Any, QueryDict], Iterable[Any]]
    row: Callable[[Any, bool], Sequence[Any]]
    masked_columns: frozenset[str] = frozenset()
    object_type: str = ""
    filename: str = ""
    may_export: Callable[[Any], bool] | None = None
    sheet_name: str = "Sheet1"

    @property
    def has_personal_data(self) -> bool:
        return bool(self.masked_columns)

    def allowed(self, user) -> bool:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        if self.may_export is not None:
            return bool(self.may_export(user))
        return user.can("view")


_REGISTRY: dict[str, ExportSpec] = {}


def _two_argument_row(row: Callable) -> Callable[[Any, bool], Sequence[Any]]:
    """Accept ``row(obj)`` as well as ``row(obj, clear)``: lists without personal data need no flag."""
    try:
        params = [
            p for p in inspect.signature(row).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
        ]
    except (TypeError, ValueError):
        return row
    if len(params) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params):
        return row
    return lambda obj, clear: row(obj)


def register_export(
    name: str,
    *,
    title: Any,
    columns: Sequence[str],
    queryset_for: Callable[[Any, QueryDict], Iterable[Any]],
    row: Callable[..., Sequence[Any]],
    masked_columns: Iterable[str] = (),
    object_type: str = "",
    filename: str = "",
    may_export: Callable[[Any], bool] | None = None,
    sheet_name: str = "",
) -> ExportSpec:
    """Register (or re-register, e.g. on reload) an exportable list under ``name``.

    ``masked_columns`` are headers (from ``columns``) that hold ID or phone numbers; a list
    with such columns must take ``row(obj, clear)`` and give masked values unless ``clear``.
    ``may_export(user)`` narrows who may export (default: any user who may view).
    """
    masked = frozenset(masked_columns)
    unknown = masked - set(columns)
    if unknown:
        raise ValueError(f"masked_columns not among the columns of {name!r}: {sorted(unknown)}")
    wrapped = _two_argument_row(row)
    if masked and wrapped is not row:
        raise ValueError(f"export {name!r} has masked columns, so row must take (obj, clear)")
    spec = ExportSpec(
        name=name, title=title, columns=tuple(columns), queryset_for=queryset_for, row=wrapped,
        masked_columns=masked, object_type=object_type or name, filename=filename or name,
        may_export=may_export, sheet_name=(sheet_name or name)[:31],
    )
    _REGISTRY[name] = spec
    return spec


def get_export(name: str) -> ExportSpec:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ExportError(_("There is no export called “%(name)s”.") % {"name": name}) from None


def exports_for(user) -> list[ExportSpec]:
    """The registered lists this user may export, by name."""
    return [spec for _name, spec in sorted(_REGISTRY.items()) if spec.allowed(user)]


# --- parameters ---------------------------------------------------------------------------------

# GET parameters of a list page that never travel into an export (paging, the export form itself).
_DROPPED_PARAMS = {"page", "format", "reason", "csrfmiddlewaretoken", "export"}


def params_to_dict(params: Mapping[str, Any] | QueryDict | None) -> dict[str, list[str]]:
    """The list page's GET parameters as JSON-able lists (to be stored on the job)."""
    if not params:
        return {}
    if isinstance(params, QueryDict):
        items = params.lists()
    else:
        items = ((k, v if isinstance(v, (list, tuple)) else [v]) for k, v in params.items())
    return {
        key: [str(v) for v in values]
        for key, values in items
        if key not in _DROPPED_PARAMS and any(str(v) for v in values)
    }


def dict_to_querydict(data: Mapping[str, list[str]] | None) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, values in (data or {}).items():
        query.setlist(key, list(values))
    query._mutable = False
    return query


# --- running ------------------------------------------------------------------------------------


def export_root() -> Path:
    root = getattr(settings, "SHOUWANG_EXPORT_ROOT", None) or Path(settings.VAR_DIR) / "exports"
    return Path(root)


def sync_rows() -> int:
    return int(getattr(settings, "SHOUWANG_EXPORT_SYNC_ROWS", DEFAULT_SYNC_ROWS))


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


def user_export_jobs(user) -> QuerySet[Job]:
    """The user's own export jobs: nobody downloads another person's export."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Job.objects.none()
    return Job.objects.filter(kind=JOB_KIND, user=user)


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


__all__ = [
    "ExportError", "ExportSpec", "register_export", "get_export", "exports_for", "start_export",
    "execute_export", "export_path", "download_name", "user_export_jobs", "params_to_dict", "dict_to_querydict",
]

