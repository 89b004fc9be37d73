"""Builders of small national-layout workbooks for takeover tests (synthetic people only)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import xlsxwriter

from shouwang.registry.demo.synthetic import make_id_number

COUNTY_NAME, TOWNSHIP_A_NAME = "泸溪县", "达岚镇"


def person_id(n: int, year: int = 1980, female: bool | None = None) -> str:
    return make_id_number("433122", date(year, 1 + n % 12, 1 + n % 28), n, female=female)


def person(number: str, n: int, *, relation: str = "户主", village: str = "", township: str = "",
           **overrides: Any) -> dict[str, Any]:
    """One person row of the custom export (监测对象信息) with national headers; ``village`` is a name."""
    row = {
        "市": "湘西土家族苗族自治州", "县": COUNTY_NAME, "乡": township, "村": village, "户编号": number,
        "人编号": f"{number}{n:02d}", "姓名": f"成员{n}", "证件类型": "居民身份证", "证件号码": person_id(n),
        "性别": "", "与户主关系": relation, "户类型": "脱贫户", "监测对象类别": "", "民族": "苗族",
        "户联系电话": "13800001111", "家庭成员联系电话": f"1390000{n:04d}", "文化程度": "初中",
        "在校生状况": "非在校生", "健康状况": "健康", "劳动技能": "普通劳动力", "务工所在地": "",
        "务工时间（月）": "0", "是否参加城乡居民基本医疗保险": "是", "是否参加城镇职工基本医疗保险": "否",
        "是否参加城乡居民基本养老保险": "是", "享受低保政策情况": "未享受", "享受特困供养政策情况": "不享受",
        "是否危房户": "否", "是否解决安全饮用水": "是", "整户无劳动能力兜底保障户": "否",
        "工资性收入": "20000", "生产经营性收入": "3000", "财产性收入": "0", "转移性收入": "1500",
        "生产经营性支出": "1000", "合规自付支出": "0", "理赔收入": "0", "耕地面积（亩）": "1.5",
    }
    row.update(overrides)
    return row


def monitored(category: str = "脱贫不稳定户", *, eliminated: bool = False, identified: str = "202304",
              eliminated_month: str = "202312", mode: str = "帮扶消除", risks: tuple[str, ...] = ("因病",),
              **overrides: Any) -> dict[str, Any]:
    """The monitoring columns of a monitored household (to merge into each of its person rows)."""
    values = {"监测对象类别": category, "识别监测时间": identified, "风险是否已消除": "是" if eliminated else "否",
              "信息采集人": "王干部", "信息采集人联系电话": "13912345678",
              "健康帮扶": "参加城乡居民基本医疗保险个人缴费补贴",
              "就业帮扶": "外出务工补贴,技能培训", "实施开发式帮扶措施情况": "已实施"}
    for i, risk in enumerate(risks, start=1):
        values[f"致贫/返贫风险{i}"] = risk
    if eliminated:
        values.update({"消除监测时间": eliminated_month, "风险消除方式": mode})
    values.update(overrides)
    return values


def workbook(rows: list[dict[str, Any]], *, work_rows: list[dict[str, Any]] | None = None,
             numeric_ids: tuple[int, ...] = (), title_rows: int = 2, headers: list[str] | None = None,
             sheet: str = "监测对象信息") -> bytes:
    """An xlsx with the person sheet (header on row ``title_rows + 1``) and optionally 已外出务工.
    ``numeric_ids``: indexes of rows whose 证件号码 is written as a number cell."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    _sheet(book, sheet, rows, headers, title_rows, numeric_ids)
    if work_rows is not None:
        _sheet(book, "已外出务工", work_rows, None, title_rows, ())
    book.close()
    return buffer.getvalue()


def _sheet(book, name, rows, headers, title_rows, numeric_ids) -> None:
    sheet = book.add_worksheet(name)
    headers = headers or list(dict.fromkeys(k for row in rows for k in row))
    for r in range(title_rows):
        sheet.write_string(r, 0, f"全国防止返贫监测信息系统 标题行 {r + 1}")
    for c, header in enumerate(headers):
        sheet.write_string(title_rows, c, header)
    for i, row in enumerate(rows):
        for c, header in enumerate(headers):
            value = row.get(header, "")
            if value in ("", None):
                continue
            if header == "证件号码" and i in numeric_ids:
                sheet.write_number(title_rows + 1 + i, c, float(value[:17]))
            else:
                sheet.write_string(title_rows + 1 + i, c, str(value))
