"""The asset ledger import: check every row, then (on request, and only when nothing is wrong) commit.

Two phases as every import (``shouwang.core.imports``): the file is opened safely, its sheet and
header row located through synonyms, each row checked into a report of (row, column, value,
reason); a commit writes all rows in one transaction or none, each asset with the batch it came
from. One template holds the three classes (a 资产类别 column), so a county moving its three
ledgers in may paste them one under the other.

Checks: the region (a village or township code) lies in the importing user's region; the class is
one of the three; value and amounts are money; the project number, when given, is a project of
the user's region in the asset's township; a 受益户编号 names a household of the region and only on
an asset given to households; the asset number is not already recorded nor twice in the file.
"""

from __future__ import annotations

import io
import uuid
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
    parse_date,
    parse_text,
    parse_year,
    read_sheet,
)
from shouwang.core.imports import problem_with as _problem
from shouwang.core.permissions import require, restrict
from shouwang.regions.models import Region
from shouwang.registry.models import Household

from ..projects.models import Project
from . import permissions as perms
from .models import Asset, AssetClass, AssetStatus

SHEET = "资产台账"
SPEC = SheetSpec(
    name=SHEET, sheet_names=("项目资产", "资产", "经营性资产台账", "公益性资产台账", "到户类资产台账"),
    columns=(
        Column("number", "资产编号", ("资产编码", "编号"), required=True),
        Column("name", "资产名称", ("名称",), required=True),
        Column("asset_class", "资产类别", ("资产分类", "类别"), required=True),
        Column("region", "所在区划代码", ("村代码", "所在村代码", "区划代码"), required=True),
        Column("project", "来源项目编号", ("项目编号",)),
        Column("kind", "资产类型", ("资产种类",)),
        Column("quantity", "数量", ("规模", "数量规模")),
        Column("formed_year", "形成年度", ("形成年份", "建成年度")),
        Column("value", "资产原值（元）", ("资产原值", "原值", "资产价值（元）", "资产价值"), required=True),
        Column("owner", "所有权人", ("产权归属", "所有权主体"), required=True),
        Column("manager", "管护主体", ("经营主体", "管护责任人", "经营管护主体")),
        Column("handover_date", "移交日期", ("确权移交日期", "移交时间")),
        Column("household", "受益户编号", ("户编号",)),
        Column("note", "备注", ()),
    ),
)
CLASSES = Choices({"经营性": AssetClass.OPERATING, "公益性": AssetClass.PUBLIC, "到户类": AssetClass.HOUSEHOLD},
                  {"经营性资产": AssetClass.OPERATING, "公益性资产": AssetClass.PUBLIC,
                   "到户类资产": AssetClass.HOUSEHOLD, **{v.value: v.value for v in AssetClass}})

NOT_IN_REGION = gettext_noop("“{value}” is not a village or township of your region.")
NO_PROJECT = gettext_noop("No project {value} in your region.")
PROJECT_ELSEWHERE = gettext_noop("Project {value} belongs to another township.")
NO_HOUSEHOLD = gettext_noop("No household {value} in this region.")
HOUSEHOLD_CLASS = gettext_noop("Only an asset given to households names a household.")
DUPLICATE_IN_FILE = gettext_noop("The same asset number is already on row {row}.")
ALREADY_RECORDED = gettext_noop("An asset with this number is already recorded.")
NO_ROWS = gettext_noop("The sheet has no asset rows.")


class AssetImport:
    """Check (and commit) an asset spreadsheet as ``user`` (who must be allowed to import)."""

    def __init__(self, user) -> None:
        require(user, perms.IMPORT_ASSETS.name)
        self.user = user
        regions = restrict(user, Region.objects.filter(level__in=(Region.Level.VILLAGE, Region.Level.TOWNSHIP)),
                           perms.IMPORT_ASSETS.name)
        self.regions = set(regions.values_list("code", flat=True))
        self.batch = f"assets-{uuid.uuid4().hex[:12]}"

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
        raws = list(table.rows())
        numbers = [(r.get("number") or "").strip() for r in raws]
        recorded = set(Asset.objects.filter(number__in=[n for n in numbers if n]).values_list("number", flat=True))
        project_ids = {int(p) for r in raws if (p := (r.get("project") or "").strip()).isdigit()}
        projects = {p.pk: p for p in restrict(self.user, Project.objects.filter(pk__in=project_ids), "view")}
        household_numbers = {(r.get("household") or "").strip() for r in raws} - {""}
        households = {h.number: h for h in restrict(self.user, Household.objects.filter(number__in=household_numbers),
                                                      "view")}
        good: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        for raw in raws:
            report.total += 1
            row_number = raw["_row"]
            before = len(report.errors)

            def value(key: str, parsed, raw=raw, row_number=row_number) -> Any:
                result, prob = parsed
                if prob is not None:
                    table.report(report, row_number, key, raw.get(key), prob)
                return result

            number = value("number", parse_text(raw.get("number"), blank=REQUIRED, max_length=40))
            name = value("name", parse_text(raw.get("name"), blank=REQUIRED, max_length=200))
            asset_class = value("asset_class", CLASSES.parse(raw.get("asset_class"), blank=REQUIRED))
            region = (raw.get("region") or "").strip()
            if region not in self.regions:
                table.report(report, row_number, "region", region, _problem("not_in_region", NOT_IN_REGION,
                                                                            value=region))
            project = None
            project_text = (raw.get("project") or "").strip()
            if project_text:
                project = projects.get(int(project_text)) if project_text.isdigit() else None
                if project is None:
                    table.report(report, row_number, "project", project_text, _problem("no_project", NO_PROJECT,
                                                                                       value=project_text))
                elif region and not region.startswith(project.region_code[:9]):
                    table.report(report, row_number, "project", project_text,
                                 _problem("project_elsewhere", PROJECT_ELSEWHERE, value=project_text))
            household = None
            household_text = (raw.get("household") or "").strip()
            if household_text:
                household = households.get(household_text)
                if household is None or not household.region_code.startswith(region or "-"):
                    table.report(report, row_number, "household", household_text,
                                 _problem("no_household", NO_HOUSEHOLD, value=household_text))
                elif asset_class and asset_class != AssetClass.HOUSEHOLD:
                    table.report(report, row_number, "household", household_text,
                                 _problem("household_class", HOUSEHOLD_CLASS))
            formed_year = value("formed_year", parse_year(raw.get("formed_year"), blank=None, low=1990, high=2100))
            amount = value("value", parse_amount(raw.get("value"), blank=REQUIRED))
            owner = value("owner", parse_text(raw.get("owner"), blank=REQUIRED, max_length=200))
            fields = {
                "kind": value("kind", parse_text(raw.get("kind"), max_length=100)),
                "quantity": value("quantity", parse_text(raw.get("quantity"), max_length=60)),
                "manager": value("manager", parse_text(raw.get("manager"), max_length=200)),
                "handover_date": value("handover_date", parse_date(raw.get("handover_date"))),
                "note": value("note", parse_text(raw.get("note"), max_length=300)),
            }
            if number:
                if number in seen:
                    table.report(report, row_number, "number", number, _problem("duplicate", DUPLICATE_IN_FILE,
                                                                                row=seen[number]))
                elif number in recorded:
                    table.report(report, row_number, "number", number, _problem("recorded", ALREADY_RECORDED))
                seen.setdefault(number, row_number)
            if len(report.errors) > before:
                report.rejected += 1
                continue
            report.accepted += 1
            good.append({"number": number, "name": name, "asset_class": asset_class, "region_id": region,
                         "project": project, "household": household, "formed_year": formed_year, "value": amount,
                         "owner": owner, **{k: (v or "") if k != "handover_date" else v for k, v in fields.items()}})
        return good

    def commit(self, rows: list[dict[str, Any]], report: Report) -> None:
        with acting_unless_known(self.user, "assets import"), transaction.atomic():
            assets = Asset.objects.bulk_create([
                Asset(region_code=row["region_id"], status=AssetStatus.IN_USE, import_batch=self.batch, **row)
                for row in rows
            ])
            record_changes([Change(
                action="create", object_type="revitalization.asset", object_id=a.pk, object_repr=str(a),
                region_code=a.region_code,
                after={"number": a.number, "name": a.name, "asset_class": a.asset_class, "value": str(a.value),
                       "project": a.project_id, "source": "import", "batch": self.batch},
            ) for a in assets])
        report.created = len(rows)
        report.committed = True


def template_rows() -> Iterable[list[str]]:
    yield ["ZC2024001", "柑橘冷链仓储中心", "经营性", "433122102201", "", "冷链仓储", "1座", "2024", "450000",
           "六里村股份经济合作社", "金坪果业专业合作社", "2024-12-01", "", "示例行，导入前请删除"]
    yield ["GY2023001", "通组公路", "公益性", "433122102201", "", "道路", "3.2公里", "2023", "600000",
           "六里村村民委员会", "六里村村民委员会", "2023-11-30", "", ""]
    yield ["DH2024001", "能繁母牛", "到户类", "433122102201", "", "牲畜", "2头", "2024", "16000", "户主本人", "",
           "2024-05-10", "D433122102201000001", ""]


def build_template() -> bytes:
    """The downloadable template: the sheet, its headers (codes as text), example rows and notes."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(SHEET)
    text = workbook.add_format({"num_format": "@"})
    bold = workbook.add_format({"bold": True})
    as_text = ("资产编号", "所在区划代码", "来源项目编号", "形成年度", "受益户编号", "移交日期")
    for col, column in enumerate(SPEC.columns):
        sheet.write_string(0, col, column.label, bold)
        sheet.set_column(col, col, 16, text if column.label in as_text else None)
    for r, row in enumerate(template_rows(), start=1):
        for col, cell in enumerate(row):
            sheet.write_string(r, col, cell)
    notes = workbook.add_worksheet("说明")
    lines = [
        "资产类别：经营性、公益性、到户类（国办函〔2021〕51号）；三类资产可放在同一张表中",
        "所在区划代码：资产所在村（12位）或乡镇（9位）的统计用区划代码",
        "来源项目编号：项目库中项目的编号；2021年以前形成、未入项目库的资产留空",
        "受益户编号：到户类资产的受益农户户编号",
        "金额单位：元；日期如 2024-12-01；示例行为虚构数据，导入前请删除",
    ]
    for r, line in enumerate(lines):
        notes.write_string(r, 0, line)
    workbook.close()
    return buffer.getvalue()
