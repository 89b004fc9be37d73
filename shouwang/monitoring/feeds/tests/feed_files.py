"""Builders of department feed spreadsheets for tests (synthetic people only).

A cell is written as text unless it is a :class:`Number` (a number cell, as Excel stores a
typed-in number) or a ``date``/``datetime`` (an Excel date cell).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from shouwang.core.idnumbers import parse_id_number
from shouwang.registry.demo.synthetic import make_id_number
from shouwang.registry.models import Member


@dataclass(frozen=True)
class Number:
    value: float


def unknown_id(n: int = 1) -> str:
    """A valid ID number that no factory member has (born in 1931)."""
    return make_id_number("433122", date(1931, 1 + n % 12, 1 + n % 28), 500 + n)


def member_id(member: Member) -> str:
    return parse_id_number(member.id_number).number


def write_feed_xlsx(target: Path | None, headers: list[str], rows: list[list[Any]], *, title: str | None = None,
                    sheet: str = "Sheet1") -> bytes | Path:
    """An xlsx with an optional title row above the header; returns the path or the bytes."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(str(target) if target else buffer, {"strings_to_numbers": False})
    ws = workbook.add_worksheet(sheet)
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    r = 0
    if title:
        ws.write_string(0, 0, title)
        r = 1
    for c, header in enumerate(headers):
        ws.write_string(r, c, header)
    for i, row in enumerate(rows, start=r + 1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, Number):
                ws.write_number(i, c, value.value)
            elif isinstance(value, (date, datetime)):
                ws.write_datetime(i, c, value if isinstance(value, datetime) else datetime(value.year, value.month,
                                                                                              value.day), date_format)
            else:
                ws.write_string(i, c, str(value))
    workbook.close()
    return target if target else buffer.getvalue()
