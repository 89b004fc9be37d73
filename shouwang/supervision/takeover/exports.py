"""The national layout registered with the export framework: the exports page offers it with the
same scope, masking, unmask-with-reason and logging as every list (parameters ``year`` and ``region``).

The framework writes one sheet (监测对象信息, the national system's export is one workbook per
sheet); ``manage.py export_national`` writes the 已外出务工 sheet beside it.
"""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from shouwang.supervision.exports.services import register_export

from .exporter import (
    EXPORT_ACTION,
    HEADERS,
    OBJECT_TYPE,
    PEOPLE_SHEET,
    SENSITIVE_HEADERS,
    NationalRows,
    PersonRow,
    default_year,
    title_rows,
)


def _year(user, params: QueryDict) -> int:
    text = (params.get("year") or "").strip()
    return int(text) if text.isdigit() else default_year(user, _region(params))


def _region(params: QueryDict) -> str:
    text = (params.get("region") or "").strip()
    return text if text.isdigit() else ""


def national_rows(user, params: QueryDict) -> NationalRows:
    return NationalRows(user, _year(user, params), _region(params))


def national_titles(user, params: QueryDict, clear: bool) -> list[list[str]]:
    return title_rows(user, _year(user, params), _region(params), clear=clear)


def national_row(person: PersonRow, clear: bool) -> list[str]:
    return person.values(clear)


register_export(
    "national", title=_("Export in the national system's layout"), columns=HEADERS, queryset_for=national_rows,
    row=national_row, masked_columns=SENSITIVE_HEADERS, object_type=OBJECT_TYPE, filename="national-layout",
    action=EXPORT_ACTION, sheet_name=PEOPLE_SHEET, title_rows=national_titles,
    form_params=(("year", _("Income year")), ("region", _("Region code"))),
)
