"""Builders of registry spreadsheets for import tests (synthetic people only)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter

from shouwang.registry.demo.synthetic import make_id_number
from shouwang.registry.imports.template import INCOME_HEADERS, MEMBER_HEADERS

VILLAGE_A1, VILLAGE_A2, VILLAGE_B1 = "433122102201", "433122102202", "433122104201"


def person_id(n: int, year: int = 1980, female: bool | None = None) -> str:
    return make_id_number("433122", date(year, 1 + n % 12, 1 + n % 28), n, female=female)


def member(
    number: str, n: int, *, relation: str = "户主", village: str = VILLAGE_A1, **overrides: Any
) -> dict:
    row = {
        "户编号": number,
        "村代码": village,
        "户类型": "一般农户",
        "姓名": f"成员{n}",
        "证件号码": person_id(n),
        "与户主关系": relation,
        "性别": "",
        "民族": "苗族",
        "文化程度": "初中",
        "在校生情况": "非在校生",
        "健康状况": "健康",
        "劳动技能": "普通劳动力",
        "务工所在地": "",
        "务工时长(月)": "0",
        "联系电话": f"1380000{n:04d}",
        "参加基本医疗保险": "是",
        "享受低保": "否",
        "特困供养": "否",
    }
    row.update(overrides)
    return row


def year(number: str, y: int = 2024, **overrides: Any) -> dict:
    row = {
        "户编号": number,
        "年度": str(y),
        "工资性收入": "20000",
        "生产经营性收入": "3000",
        "财产性收入": "0",
        "转移性收入": "1500",
        "生产经营性支出": "1000",
        "合规自付支出": "0",
        "住房安全等级": "A",
        "饮水安全": "是",
        "义务教育辍学": "否",
    }
    row.update(overrides)
    return row


def household(number: str, first: int, size: int = 3, **member_overrides: Any) -> list[dict]:
    relations = ["户主", "配偶", "之子", "之女", "之孙子女"]
    return [member(number, first + i, relation=relations[i], **member_overrides) for i in range(size)]


def write_xlsx(
    path: Path,
    members: list[dict],
    years: list[dict] | None = None,
    *,
    title: str | None = None,
    member_headers: list[str] | None = None,
) -> Path:
    """Text cells except values given as int/float (how a number-typed ID cell is made)."""
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheets = [("家庭成员", member_headers or MEMBER_HEADERS, members)]
    if years is not None:
        sheets.append(("收支情况", INCOME_HEADERS, years))
    for name, headers, rows in sheets:
        sheet = workbook.add_worksheet(name)
        offset = 0
        if title:
            sheet.write_string(0, 0, title)
            offset = 1
        for col, header in enumerate(headers):
            sheet.write_string(offset, col, header)
        for r, row in enumerate(rows, start=offset + 1):
            for col, header in enumerate(headers):
                value = row.get(header, "")
                if isinstance(value, (int, float)):
                    sheet.write_number(r, col, value)
                elif value != "":
                    sheet.write_string(r, col, str(value))
    workbook.close()
    return path


def csv_bytes(
    headers: list[str], rows: list[dict], encoding: str = "utf-8-sig", title: str | None = None
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if title:
        writer.writerow([title])
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return buffer.getvalue().encode(encoding)
