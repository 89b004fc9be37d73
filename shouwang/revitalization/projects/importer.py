"""The project spreadsheet import: check every row, then (on request, and only when nothing is wrong) commit.

Two phases as every import (``shouwang.core.imports``): the file is opened safely, its sheet and
header row located through synonyms, each row checked into a report of (row, column, value,
reason); a commit writes all rows in one transaction or none. Imported projects enter the year's
library (the county's decision stands, the workflow history says "imported"), with their funds.

Checks: the lead village is a village of the importing user's region; the further villages lie in
its township; the goal and category are one of the library's; amounts are money; a project
(year, lead village, name) is not already in the library nor twice in the file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Any

import xlsxwriter
from django.db import transaction
from django.utils.translation import gettext_noop

from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.imports import (
    REQUIRED,
    Choices,
    Column,
    Report,
    SheetSpec,
    parse_amount,
    parse_text,
    parse_year,
    read_sheet,
)
from shouwang.core.imports import problem_with as _problem
from shouwang.core.permissions import home_region, require, restrict
from shouwang.regions.models import Region

from . import permissions as perms
from .models import FundSource, Goal, Project, ProjectCategory, ProjectFund, ProjectStatus, ProjectStep, StepOutcome

SHEET = "项目库"
FUND_COLUMNS = {
    FundSource.CENTRAL: "中央衔接资金", FundSource.PROVINCIAL: "省级衔接资金", FundSource.COUNTY: "县级衔接资金",
    FundSource.INTEGRATED: "统筹整合涉农资金", FundSource.OTHER: "其他资金",
}
SPEC = SheetSpec(
    name=SHEET, sheet_names=("项目", "项目库导入"),
    columns=(
        Column("year", "年度", ("项目年度", "入库年度"), required=True),
        Column("name", "项目名称", ("名称",), required=True),
        Column("village", "村代码", ("牵头村代码", "实施村代码", "村级代码"), required=True),
        Column("villages", "覆盖村代码", ("其他村代码", "涉及村代码")),
        Column("goal", "目标", ("五大目标", "振兴目标")),
        Column("category", "项目类别", ("类别", "项目类型"), required=True),
        Column("budget", "预算（元）", ("预算", "项目预算", "总投资", "总投资（元）")),
        *(Column(source, label, (label + "（元）",)) for source, label in FUND_COLUMNS.items()),
        Column("description", "建设内容", ("项目内容",)),
        Column("linkage", "联农带农机制", ("联农带农", "带农方式")),
    ),
)
GOALS = Choices({"产业兴旺": Goal.INDUSTRY, "生态宜居": Goal.ECOLOGY, "乡风文明": Goal.CIVILITY,
                 "治理有效": Goal.GOVERNANCE, "生活富裕": Goal.PROSPERITY},
                {v.value: v.value for v in Goal})
CATEGORIES = Choices(
    {"产业发展": ProjectCategory.INDUSTRY, "就业": ProjectCategory.EMPLOYMENT, "乡村建设": ProjectCategory.CONSTRUCTION,
     "易地搬迁后续扶持": ProjectCategory.RELOCATION, "防止返贫监测帮扶": ProjectCategory.MONITORING,
     "其他": ProjectCategory.OTHER},
    {"产业": ProjectCategory.INDUSTRY, "就业帮扶": ProjectCategory.EMPLOYMENT,
     "搬迁后续扶持": ProjectCategory.RELOCATION, **{v.value: v.value for v in ProjectCategory}},
)
# The goal a category implies when the 目标 column is empty.
DEFAULT_GOAL = {ProjectCategory.INDUSTRY: Goal.INDUSTRY, ProjectCategory.EMPLOYMENT: Goal.PROSPERITY,
                ProjectCategory.CONSTRUCTION: Goal.ECOLOGY, ProjectCategory.RELOCATION: Goal.PROSPERITY,
                ProjectCategory.MONITORING: Goal.PROSPERITY, ProjectCategory.OTHER: Goal.GOVERNANCE}
SPLIT = re.compile(r"[\s,，、;；]+")

NOT_A_VILLAGE = gettext_noop("“{value}” is not a village of your region.")
NOT_IN_TOWNSHIP = gettext_noop("Village “{value}” is not in the lead village's township.")
DUPLICATE_IN_FILE = gettext_noop("The same project (year, village, name) is already on row {row}.")
ALREADY_IN_LIBRARY = gettext_noop("This project (year, village, name) is already in the library.")
NO_ROWS = gettext_noop("The sheet has no project rows.")


class ProjectImport:
    """Check (and commit) a project spreadsheet as ``user`` (who must be allowed to import)."""

    def __init__(self, user) -> None:
        require(user, perms.IMPORT.name)
        self.user = user
        villages = restrict(user, Region.objects.filter(level=Region.Level.VILLAGE), perms.IMPORT.name)
        self.villages = dict(villages.values_list("code", "parent_code"))

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

    def check(self, table, report: Report) -> list[dict[str, Any]]:
        good: list[dict[str, Any]] = []
        seen: dict[tuple, int] = {}
        for raw in table.rows():
            report.total += 1
            row_number = raw["_row"]
            problems_before = len(report.errors)

            def value(key: str, parsed, raw=raw, row_number=row_number) -> Any:
                result, prob = parsed
                if prob is not None:
                    table.report(report, row_number, key, raw.get(key), prob)
                return result

            year = value("year", parse_year(raw.get("year"), blank=REQUIRED, low=2000, high=2100))
            name = value("name", parse_text(raw.get("name"), blank=REQUIRED, max_length=200))
            village = (raw.get("village") or "").strip()
            if village not in self.villages:
                table.report(report, row_number, "village", village, _problem("not_a_village", NOT_A_VILLAGE,
                                                                                value=village))
            others = [c for c in SPLIT.split(raw.get("villages") or "") if c and c != village]
            for code in others:
                if self.villages.get(code) is None or code[:9] != village[:9]:
                    table.report(report, row_number, "villages", code, _problem("not_in_township", NOT_IN_TOWNSHIP,
                                                                                value=code))
            category = value("category", CATEGORIES.parse(raw.get("category"), blank=REQUIRED))
            goal = value("goal", GOALS.parse(raw.get("goal"))) or DEFAULT_GOAL.get(category)
            budget = value("budget", parse_amount(raw.get("budget")))
            funds = {source: value(source, parse_amount(raw.get(source))) for source in FUND_COLUMNS}
            description = value("description", parse_text(raw.get("description"), max_length=2000))
            linkage = value("linkage", parse_text(raw.get("linkage"), max_length=2000))
            key = (year, village, name)
            if year and name and village:
                if key in seen:
                    table.report(report, row_number, "name", name, _problem("duplicate", DUPLICATE_IN_FILE,
                                                                            row=seen[key]))
                elif Project.objects.filter(year=year, village_id=village, name=name).exists():
                    table.report(report, row_number, "name", name, _problem("in_library", ALREADY_IN_LIBRARY))
                seen.setdefault(key, row_number)
            if len(report.errors) > problems_before:
                report.rejected += 1
                continue
            report.accepted += 1
            good.append({"year": year, "name": name, "village": village, "villages": others, "goal": goal,
                         "category": category, "budget": budget, "funds": funds, "description": description or "",
                         "linkage": linkage or ""})
        return good

    def commit(self, rows: list[dict[str, Any]], report: Report) -> None:
        changes = []
        with acting_unless_known(self.user, "projects import"), transaction.atomic():
            for row in rows:
                project = Project.objects.create(
                    year=row["year"], name=row["name"], village_id=row["village"], goal=row["goal"],
                    category=row["category"], budget=row["budget"], description=row["description"],
                    linkage=row["linkage"], status=ProjectStatus.APPROVED, proposed_by=self.user,
                )
                project.villages.set([row["village"], *row["villages"]])
                ProjectFund.objects.bulk_create([
                    ProjectFund(project=project, source=source, amount=amount, region_code=project.region_code)
                    for source, amount in row["funds"].items() if amount
                ])
                ProjectStep.objects.create(project=project, step="import", level="county",
                                           outcome=StepOutcome.IMPORTED, acted_by=self.user,
                                           acted_region=home_region(self.user) or "")
                changes.append(Change(
                    action="create", object_type="revitalization.project", object_id=project.pk,
                    object_repr=project.name, region_code=project.region_code,
                    after={"year": project.year, "name": project.name, "village": project.village_id,
                           "category": project.category, "budget": str(project.budget), "source": "import",
                           "funds": {k: str(v) for k, v in row["funds"].items() if v}},
                ))
            record_changes(changes)
        report.created = len(rows)
        report.committed = True


def template_rows() -> Iterable[list[Any]]:
    yield ["2026", "柑橘标准化种植基地", "433122102201", "433122102202", "产业兴旺", "产业发展", "500000",
           "300000", "100000", "50000", "50000", "", "新建柑橘基地200亩", "土地流转租金、务工、入股分红"]


def build_template() -> bytes:
    """The downloadable template: the sheet, its headers (codes as text) and an example row."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(SHEET)
    text = workbook.add_format({"num_format": "@"})
    bold = workbook.add_format({"bold": True})
    headers = [c.label for c in SPEC.columns]
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, bold)
        sheet.set_column(col, col, 16, text if header in ("村代码", "覆盖村代码", "年度") else None)
    for r, row in enumerate(template_rows(), start=1):
        for col, cell in enumerate(row):
            sheet.write_string(r, col, cell)
    notes = workbook.add_worksheet("说明")
    lines = [
        "目标：产业兴旺、生态宜居、乡风文明、治理有效、生活富裕（可空，按类别推定）",
        "项目类别：" + "、".join(CATEGORIES.labels),
        "村代码：12位村级统计用区划代码；覆盖村代码可填多个，用顿号或逗号分隔，须同一乡镇",
        "金额单位：元；示例行为虚构数据，导入前请删除",
    ]
    for r, line in enumerate(lines):
        notes.write_string(r, 0, line)
    workbook.close()
    return buffer.getvalue()
