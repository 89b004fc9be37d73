"""The lists registered for export: each list's name, columns and how to get its rows.

A part registers a list once with :func:`register_export`: its Chinese column headers, a
function that gives the user's scoped and filtered rows for the list page's GET parameters,
and a function that turns one object into a row (the export framework, :mod:`.services`,
starts and writes the exports).

Personal data: a column named in ``masked_columns`` holds an ID or phone number. ``row``
receives ``clear``; it is True only when the user may unmask *and* typed a reason, and such
an export is logged as ``export_unmasked`` with the reason. Every other export is logged as
``export``.

How a list registers (in a feature's ``exports.py``, e.g. ``shouwang/supervision/assessment/exports.py``,
imported by ``SupervisionConfig.ready`` so that every list is known before the first request)::

    from shouwang.supervision.exports.services import register_export

    register_export(
        "scorecard",
        title=_("Township scorecard"),
        columns=["乡镇", "得分"],
        queryset_for=lambda user, params: scorecard_rows(user, params.get("period")),
        row=lambda item: [item.name, item.score],      # or row(obj, clear) with masked columns
    )

``queryset_for(user, params)`` must return only what ``user`` may see (start from
``Model.objects.restrict(user, "view")``); ``params`` is an immutable ``QueryDict`` of the list
page's GET parameters, applied with the list's one filter (``TheFilter.for_page(params, rows, user)
.rows()``, from the feature's ``filters.py``, never from its views). It may return a QuerySet
(iterated in chunks) or any sized iterable.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from shouwang.core.permissions import can


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
    action: str = "supervision.export"  # who may export it (a declared action)
    sheet_name: str = "Sheet1"
    # Rows above the header of the xlsx sheet (a layout whose header is not the first row): fixed
    # rows, or ``title_rows(user, params, clear)`` giving them for one export. A CSV has none.
    title_rows: Sequence[Sequence[Any]] | Callable[[Any, QueryDict, bool], Sequence[Sequence[Any]]] = ()
    # Parameters the export form asks for (name, label), for a list started from the exports page.
    form_params: tuple[tuple[str, Any], ...] = ()

    @property
    def has_personal_data(self) -> bool:
        return bool(self.masked_columns)

    def titles(self, user, params: QueryDict, clear: bool) -> list[list[Any]]:
        rows = self.title_rows(user, params, clear) if callable(self.title_rows) else self.title_rows
        return [list(row) for row in rows]

    def allowed(self, user) -> bool:
        return can(user, self.action)


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
    action: str = "supervision.export",
    sheet_name: str = "",
    title_rows: Sequence[Sequence[Any]] | Callable[[Any, QueryDict, bool], Sequence[Sequence[Any]]] = (),
    form_params: Sequence[tuple[str, Any]] = (),
) -> ExportSpec:
    """Register (or re-register, e.g. on reload) an exportable list under ``name``.

    ``masked_columns`` are headers (from ``columns``) that hold ID or phone numbers; a list
    with such columns must take ``row(obj, clear)`` and give masked values unless ``clear``.
    ``action`` names the declared action a user needs to export it (default ``supervision.export``:
    any user who may view); a list for fewer users declares a narrower one in its ``permissions.py``.
    ``title_rows`` stand above the header of the xlsx sheet (default none; a CSV keeps its header on
    the first line): fixed rows, or ``title_rows(user, params, clear)``. ``form_params`` ((name, label)
    pairs) are asked for on the export form, and such a list is offered on the exports page itself (it
    has no list page of its own).
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
        action=action, sheet_name=(sheet_name or name)[:31], title_rows=title_rows, form_params=tuple(form_params),
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
