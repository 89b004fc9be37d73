"""The village profiles import: check every row, then (on request, and only when nothing is wrong) commit.

Two phases as every import (``shouwang.core.imports``): the file is opened safely, its sheet and
header row located through synonyms, each row checked into a report of (row, column, value,
reason); a commit writes all rows in one transaction or none, each profile through
:func:`.services.save_profile` so that the change log records it. The columns are those of the
village profiles export (``village_profiles``), so an exported file reads back.

A row names its village by 村代码, or by 村名 (with 所在乡镇 where two villages share a name),
within the importing user's region, and a year. A blank cell leaves what the profile already
says (a new profile: 否 and no income), except 集体经济薄弱村, whose blank means "derived from the
county's threshold" (是/否 set it by hand). A row that would change nothing is counted as
unchanged and not written.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import xlsxwriter
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_noop

from shouwang.core.audit import acting_unless_known
from shouwang.core.imports import (
    REQUIRED,
    Column,
    Problem,
    Report,
    SheetSpec,
    Table,
    fold,
    parse_amount,
    parse_bool,
    parse_text,
    parse_year,
    problem,
    read_sheet,
)
from shouwang.core.imports import problem_with as _problem
from shouwang.core.permissions import require, restrict
from shouwang.regions.models import Region

from . import permissions as perms
from . import services as service
from .models import INDICATORS, VillageProfile, WeakSetting

SHEET = "村情档案"
# The indicator columns (field name → header), in the order of models.INDICATORS.
INDICATOR_LABELS = {"hardened_road": "通硬化路", "tap_water": "通自来水", "broadband": "通宽带",
                    "clinic": "标准化卫生室", "school": "小学或教学点"}
assert tuple(INDICATOR_LABELS) == tuple(name for name, _label in INDICATORS)
BOOLEAN_FIELDS = ("ex_poor", "slack", *INDICATOR_LABELS)

SPEC = SheetSpec(
    name=SHEET, sheet_names=("村情", "村档案", "村情况"),
    columns=(
        Column("township", "所在乡镇", ("乡镇", "乡镇名称")),
        Column("village_name", "村名称", ("村名", "行政村", "村")),
        Column("village_code", "村代码", ("村编码", "区划代码", "村区划代码")),
        Column("year", "年度", ("年份",), required=True),
        Column("ex_poor", "脱贫村", ("是否脱贫村",)),
        Column("slack", "软弱涣散村", ("是否软弱涣散村",)),
        Column("weak", "集体经济薄弱村", ("是否集体经济薄弱村", "薄弱村")),
        Column("collective_income", "村集体经济收入（元）", ("村集体经济收入", "集体经济收入（元）", "集体经济收入")),
        *(Column(name, label, (f"是否{label}",)) for name, label in INDICATOR_LABELS.items()),
        Column("note", "备注", ()),
    ),
    one_of=(("village_code", "village_name"),),
)

UNKNOWN_CODE = gettext_noop("No village has the code {value}.")
OUTSIDE_REGION = gettext_noop("The village {value} is outside your region.")
UNKNOWN_NAME = gettext_noop("No village named “{value}” in your region.")
AMBIGUOUS_NAME = gettext_noop("Your region has several villages named “{value}”: give 所在乡镇 or 村代码.")
NAME_MISMATCH = gettext_noop("The village code {village_code} is {expected}, not “{value}”.")
DUPLICATE_IN_FILE = gettext_noop("The same village and year are already on row {row}.")
NO_ROWS = gettext_noop("The sheet has no village rows.")
NOT_WRITTEN = gettext_noop("The profile could not be written: {reason}")


class VillageProfileImport:
    """Check (and commit) a village profiles spreadsheet as ``user`` (who must be allowed to import)."""

    def __init__(self, user) -> None:
        require(user, perms.IMPORT_PROFILES.name)
        self.user = user
        regions = restrict(user, Region.objects.filter(level__in=(Region.Level.VILLAGE, Region.Level.TOWNSHIP)),
                           perms.IMPORT_PROFILES.name)
        self.regions = {r.code: r for r in regions.only("code", "name", "level", "parent_code")}
        self.by_name: dict[str, list[Region]] = {}
        for region in self.regions.values():
            if region.level == Region.Level.VILLAGE:
                self.by_name.setdefault(region.name, []).append(region)

    def run(self, data: bytes, filename: str, *, commit: bool) -> Report:
        report = Report()
        table = read_sheet(data, filename, SPEC, report)
        if table is None:
            return report
        rows = self.check(table, report)
        if not report.total:
            report.add(table.sheet, None, "", "", _problem("no_rows", NO_ROWS))
        if commit and report.ok and rows:
            self.commit(rows, report)
        return report

    # --- checking ---------------------------------------------------------------------------------

    def _village(self, raw: dict[str, Any]) -> tuple[Region | None, str, str, Problem | None]:
        """(the village, the column key and value to report against, the problem)."""
        code = fold(raw.get("village_code")).removesuffix(".0")
        name = fold(raw.get("village_name"))
        if code:
            village = self.regions.get(code)
            if village is None or village.level != Region.Level.VILLAGE:
                known = Region.objects.filter(code=code, level=Region.Level.VILLAGE).exists()
                return None, "village_code", code, _problem(
                    "outside_region" if known else "unknown_village", OUTSIDE_REGION if known else UNKNOWN_CODE,
                    value=code)
            if name and name != village.name:
                return None, "village_name", name, _problem("name_mismatch", NAME_MISMATCH, value=name,
                                                            village_code=code, expected=village.name)
            return village, "village_code", code, None
        if not name:
            return None, "village_code", "", problem("required")
        found = self.by_name.get(name, [])
        township = fold(raw.get("township"))
        if township:
            found = [v for v in found if (t := self.regions.get(v.parent_code)) is not None and t.name == township]
        if not found:
            return None, "village_name", name, _problem("unknown_village", UNKNOWN_NAME, value=name)
        if len(found) > 1:
            return None, "village_name", name, _problem("ambiguous_village", AMBIGUOUS_NAME, value=name)
        return found[0], "village_name", name, None

    def check(self, table: Table, report: Report) -> list[dict[str, Any]]:
        """The accepted rows as {"row", "village", "year", "fields"}; problems go to ``report``.

        ``fields`` holds only what the row sets: a blank cell (or a missing column) leaves the
        recorded value, except a blank 集体经济薄弱村 in a file that has the column (derived)."""
        good: list[dict[str, Any]] = []
        seen: dict[tuple[str, int], int] = {}
        has_weak = table.has("weak")
        for raw in table.rows():
            report.total += 1
            row_number = raw["_row"]
            before = len(report.errors)

            def value(key: str, parsed, raw=raw, row_number=row_number) -> Any:
                result, prob = parsed
                if prob is not None:
                    table.report(report, row_number, key, raw.get(key), prob)
                return result

            village, key, shown, prob = self._village(raw)
            if prob is not None:
                table.report(report, row_number, key, shown, prob)
            year = value("year", parse_year(raw.get("year"), blank=REQUIRED, low=2000))
            fields: dict[str, Any] = {}
            for name in BOOLEAN_FIELDS:
                fields[name] = value(name, parse_bool(raw.get(name), blank=None))
            weak = value("weak", parse_bool(raw.get("weak"), blank=None))
            if has_weak:
                fields["weak_setting"] = (WeakSetting.DERIVED if weak is None
                                          else WeakSetting.WEAK if weak else WeakSetting.NOT_WEAK)
            fields["collective_income"] = value("collective_income", parse_amount(
                raw.get("collective_income"), blank=None, max_digits=14))
            fields["note"] = value("note", parse_text(raw.get("note"), blank=None, max_length=300))
            if village is not None and year is not None:
                if (village.code, year) in seen:
                    table.report(report, row_number, key, shown,
                                 _problem("duplicate", DUPLICATE_IN_FILE, row=seen[(village.code, year)]))
                seen.setdefault((village.code, year), row_number)
            if len(report.errors) > before:
                report.rejected += 1
                continue
            report.accepted += 1
            good.append({"row": row_number, "village": village, "year": year,
                         "fields": {k: v for k, v in fields.items() if v is not None}})
        return good

    # --- committing -------------------------------------------------------------------------------

    def commit(self, rows: list[dict[str, Any]], report: Report) -> None:
        """All rows or none: each new or changed profile through the service (which logs it)."""
        created = updated = unchanged = 0
        at = rows[0]["row"]
        try:
            with acting_unless_known(self.user, "villages import"), transaction.atomic():
                for row in rows:
                    at = row["row"]
                    profile = (VillageProfile.objects.select_for_update()
                               .filter(village=row["village"], year=row["year"]).first())
                    fields = row["fields"]
                    if profile is not None:
                        fields = {k: v for k, v in fields.items() if getattr(profile, k) != v}
                        if not fields:
                            unchanged += 1
                            continue
                    service.save_profile(self.user, row["village"], row["year"], **fields)
                    if profile is None:
                        created += 1
                    else:
                        updated += 1
        except (service.ProfileInvalid, PermissionDenied) as exc:
            report.add(SHEET, at, "", "", _problem("not_written", NOT_WRITTEN, reason=str(exc)))
            return
        report.created, report.updated, report.unchanged = created, updated, unchanged
        report.committed = True


# --- the template -----------------------------------------------------------------------------------


def template_rows() -> Iterable[list[str]]:
    yield ["达岚镇", "六里村", "433122102201", "2025", "是", "否", "", "85000", "是", "是", "是", "是", "否",
           "示例行，导入前请删除"]
    yield ["达岚镇", "覃木阳村", "", "2025", "否", "否", "否", "126000.50", "是", "是", "否", "是", "是", ""]


def build_template() -> bytes:
    """The downloadable template: the sheet, its headers (codes and years as text), examples and notes."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(SHEET)
    text = workbook.add_format({"num_format": "@"})
    bold = workbook.add_format({"bold": True})
    as_text = ("村代码", "年度")
    for col, column in enumerate(SPEC.columns):
        sheet.write_string(0, col, column.label, bold)
        sheet.set_column(col, col, 14, text if column.label in as_text else None)
    for r, row in enumerate(template_rows(), start=1):
        for col, cell in enumerate(row):
            sheet.write_string(r, col, cell)
    notes = workbook.add_worksheet("说明")
    lines = [
        "每行一个村一个年度：填村代码（12位统计用区划代码），或填村名称（重名时加填所在乡镇）；只能导入本人辖区内的村",
        "脱贫村、软弱涣散村、通硬化路、通自来水、通宽带、标准化卫生室、小学或教学点：填“是”或“否”；留空则保留已有档案的值（新建档案为“否”）",
        "集体经济薄弱村：填“是”或“否”为人工认定；留空则按本县设定的村集体经济收入标准自动判定",
        "村集体经济收入（元）：年度经营性收入，单位元；留空则保留已有的值",
        "同一村同一年度已有档案的，导入时只更新有变化的项目；先“仅校验”，无错误后再“校验并导入”",
        "示例行为虚构数据，导入前请删除",
    ]
    for r, line in enumerate(lines):
        notes.write_string(r, 0, line)
    workbook.close()
    return buffer.getvalue()
