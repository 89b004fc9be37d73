"""Register people, days and trainings for the tests (synthetic names and numbers only)."""

from __future__ import annotations

from datetime import date
from typing import Any

from conftest import VILLAGE_A1
from shouwang.core.idnumbers import parse_id_number
from shouwang.registry.demo.synthetic import make_id_number

from ..models import Attendance, Cadre, CadreKind


def make_cadre(kind: str = CadreKind.CONTACT, *, village: str = VILLAGE_A1, name: str = "周测试",
               phone: str = "13700001111", seq: int = 1, term_start: date | None = None,
               term_end: date | None = None, **fields: Any) -> Cadre:
    cadre = Cadre(kind=kind, name=name, region_code=village, term_start=term_start, term_end=term_end, **fields)
    cadre.set_id(parse_id_number(make_id_number(village[:6], date(1985, 3, 4), seq)))
    if phone:
        cadre.set_phone(phone)
    cadre.save()
    return cadre


def record_months(cadre: Cadre, year: int, days_by_month: dict[int, int]) -> None:
    for month, days in days_by_month.items():
        Attendance.objects.create(cadre=cadre, month=date(year, month, 1), days=days)
