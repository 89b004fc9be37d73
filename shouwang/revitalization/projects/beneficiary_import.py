"""The spreadsheet import of the households one project reaches (联农带农): check every row, then commit.

Two phases as every import (``shouwang.core.imports``): the file is opened safely, its sheet and
header row located through synonyms, each row checked into a report of (row, column, value,
reason) with nothing written; a commit (only when no row is wrong) writes all rows in one
transaction or none, each new row through :func:`.services.add_beneficiary` (its permission,
region and county checks and its change-log entry) and each changed one through
:func:`.services.update_beneficiary`.

A row names its household by 户编号 (the household number) or by 户主身份证号 (an ID number of a
member, found by its blind index as the registry's ID search does), or both (they must agree).
The household must be one of the importing user's region and the project's county: a household
the user may not see is a row problem, never dropped. A household already reached by the project
in the same way is updated (its amount and note) when the row differs and left alone when it is
the same, so a second import of the same file changes nothing. The same household and benefit
kind twice in the file is a row problem.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shouwang.core.idnumbers import IdNumberError, parse_id_number
from shouwang.core.imports import (
    REQUIRED,
    WARNING,
    Choices,
    Column,
    Problem,
    Report,
    SheetSpec,
    parse_amount,
    parse_text,
    read_sheet,
)
from shouwang.core.imports import problem_with as _problem
from shouwang.core.permissions import require
from shouwang.registry.households.queries import find_by_id_number
from shouwang.registry.models import Household

from . import permissions as perms
from . import services as service
from .models import Beneficiary, BenefitKind, Project, ProjectStatus

SHEET = "联农带农"
SPEC = SheetSpec(
    name=SHEET, sheet_names=("带农户", "受益户", "联农带农导入"),
    columns=(
        Column("household", "户编号", ("户号", "农户编号", "户编码")),
        Column("id_number", "户主身份证号", ("身份证号", "身份证号码", "户主身份证号码"), id_cell=True,
               sensitive="id"),
        Column("kind", "带农方式", ("联农带农方式", "受益方式", "带动方式"), required=True),
        Column("amount", "每户金额（元）", ("每户金额", "金额", "金额（元）", "户均金额（元）")),
        Column("note", "备注", ("说明",)),
    ),
    one_of=(("household", "id_number"),),
)
KINDS = Choices(
    {"务工就业": BenefitKind.JOBS, "入股分红": BenefitKind.DIVIDEND, "土地流转租金": BenefitKind.LAND_RENT,
     "订单收购": BenefitKind.PURCHASE, "生产服务": BenefitKind.SERVICE},
    {"务工": BenefitKind.JOBS, "就业": BenefitKind.JOBS, "分红": BenefitKind.DIVIDEND,
     "土地流转": BenefitKind.LAND_RENT, "土地租金": BenefitKind.LAND_RENT, "租金": BenefitKind.LAND_RENT,
     "订单": BenefitKind.PURCHASE, "收购": BenefitKind.PURCHASE, "技术服务": BenefitKind.SERVICE,
     "服务": BenefitKind.SERVICE, "生产服务、技术服务": BenefitKind.SERVICE,
     **{v.value: v.value for v in BenefitKind}},
)
KIND_LABELS = {value: label for label, value in KINDS.labels.items()}

NO_HOUSEHOLD = gettext_noop("Give the household number or the ID number of its head.")
UNKNOWN_HOUSEHOLD = gettext_noop("No household has the number “{value}”.")
OUTSIDE_REGION = gettext_noop("Household “{value}” is not in your region.")
OUTSIDE_COUNTY = gettext_noop("Household “{value}” lives in another county than the project.")
UNKNOWN_ID = gettext_noop("No household of your region has a member with this ID number.")
BAD_ID = gettext_noop("This is not a valid ID number.")
ID_AS_NUMBER = gettext_noop("The ID number was stored as a number and lost digits: format the column as text.")
MISMATCH = gettext_noop("The household number and the ID number name different households.")
DUPLICATE = gettext_noop("The same household and benefit kind are already on row {row}.")
NO_ROWS = gettext_noop("The sheet has no household rows: nothing to import.")
CHANGED = gettext_noop("The project's households changed while importing ({reason}); check the file again.")


class BeneficiaryImport:
    """Check (and commit) a file of the households ``project`` reaches, as ``user``.

    Raises ``PermissionDenied`` when the user may not record the project's households and
    ``ProjectNotAllowed`` when the project reaches none (rejected or rolled over)."""

    def __init__(self, project: Project, user) -> None:
        require(user, perms.RECORD_BENEFICIARIES.name, project)
        if project.status in (ProjectStatus.REJECTED, ProjectStatus.ROLLED_OVER):
            raise service.ProjectNotAllowed(_("A rejected or rolled-over project reaches no households."))
        self.project = project
        self.user = user
        self.visible = Household.objects.restrict(user, "view")

    def run(self, data: bytes, filename: str, *, commit: bool) -> Report:
        report = Report()
        table = read_sheet(data, filename, SPEC, report)
        if table is None:
            return report
        rows = self.check(table, report)
        if not report.total:
            report.add(table.sheet, None, "", "", _problem("no_rows", NO_ROWS), WARNING)
        if commit and report.ok and rows:
            self.commit(rows, report, table.sheet)
        return report

    def _households(self, numbers: Iterable[str]) -> tuple[dict[str, Household], dict[str, str]]:
        """(the visible households by number, the region code of every household by number)."""
        numbers = {n for n in numbers if n}
        visible = {h.number: h for h in self.visible.filter(number__in=numbers)}
        everywhere = dict(Household.objects.filter(number__in=numbers).values_list("number", "region_code"))
        return visible, everywhere

    def check(self, table, report: Report) -> list[dict[str, Any]]:
        raws = list(table.rows())
        visible, everywhere = self._households(str(r.get("household") or "").strip() for r in raws)
        existing = {(b.household_id, b.kind): b for b in
                    Beneficiary.objects.filter(project=self.project).select_related("project", "household")}
        county = self.project.region_code[:6]
        good: list[dict[str, Any]] = []
        seen: dict[tuple[int, str], int] = {}
        for raw in raws:
            report.total += 1
            row_number = raw["_row"]
            problems_before = len(report.errors)

            def flag(key: str, value: Any, prob: Problem, row_number=row_number) -> None:
                table.report(report, row_number, key, value, prob)

            number = str(raw.get("household") or "").strip()
            id_text = str(raw.get("id_number") or "").strip()
            household: Household | None = None
            if not number and not id_text:
                flag("household" if table.has("household") else "id_number", "",
                     _problem("no_household", NO_HOUSEHOLD))
            if number:
                household = visible.get(number)
                if household is None:
                    if number not in everywhere:
                        flag("household", number, _problem("unknown_household", UNKNOWN_HOUSEHOLD, value=number))
                    else:
                        flag("household", number, _problem("outside_region", OUTSIDE_REGION, value=number))
            if id_text:
                by_id = self._by_id_number(id_text, bool(raw.get("_num_id_number")), flag)
                if by_id is not None and household is not None and by_id.pk != household.pk:
                    flag("id_number", id_text, _problem("mismatch", MISMATCH))
                household = household or by_id
            if household is not None and household.region_code[:6] != county:
                flag("household", household.number, _problem("outside_county", OUTSIDE_COUNTY,
                                                              value=household.number))
            kind, prob = KINDS.parse(raw.get("kind"), blank=REQUIRED)
            if prob is not None:
                flag("kind", raw.get("kind"), prob)
            amount, prob = parse_amount(raw.get("amount"))
            if prob is not None:
                flag("amount", raw.get("amount"), prob)
            note, prob = parse_text(raw.get("note"), max_length=200)
            if prob is not None:
                flag("note", raw.get("note"), prob)
            if household is not None and kind:
                key = (household.pk, kind)
                if key in seen:
                    flag("kind", raw.get("kind"), _problem("duplicate", DUPLICATE, row=seen[key]))
                seen.setdefault(key, row_number)
            if len(report.errors) > problems_before or household is None:
                report.rejected += 1
                continue
            report.accepted += 1
            good.append({"household": household, "kind": kind, "amount": amount or Decimal("0"),
                         "note": note or "", "existing": existing.get((household.pk, kind))})
        return good

    def _by_id_number(self, text: str, was_number: bool, flag) -> Household | None:
        try:
            parsed = parse_id_number(text)
        except IdNumberError:
            flag("id_number", text, _problem("id_as_number" if was_number else "bad_id",
                                             ID_AS_NUMBER if was_number else BAD_ID))
            return None
        found = list(find_by_id_number(self.visible, parsed.number)[:2])
        if len(found) != 1:
            flag("id_number", text, _problem("unknown_id", UNKNOWN_ID))
            return None
        return found[0]

    def commit(self, rows: list[dict[str, Any]], report: Report, sheet: str) -> None:
        created = updated = unchanged = 0
        try:
            with transaction.atomic():
                for row in rows:
                    old: Beneficiary | None = row["existing"]
                    if old is None:
                        service.add_beneficiary(self.project, self.user, household=row["household"],
                                                kind=row["kind"], amount=row["amount"], note=row["note"])
                        created += 1
                    elif service.update_beneficiary(old, self.user, amount=row["amount"], note=row["note"]):
                        updated += 1
                    else:
                        unchanged += 1
        except (PermissionDenied, service.ProjectInvalid, service.ProjectNotAllowed) as exc:
            report.add(sheet, None, "", "", _problem("changed", CHANGED, reason=str(exc)))
            return
        report.created, report.updated, report.unchanged = created, updated, unchanged
        report.committed = True


def template_rows(project: Project, user) -> Iterable[list[str]]:
    """The households the project already reaches that the user sees (to correct or extend)."""
    for b in service.visible_beneficiaries(user, project):
        yield [b.household.number, "", KIND_LABELS[b.kind], f"{b.amount:f}", b.note]


def build_template(project: Project, user) -> bytes:
    """The downloadable template: the sheet, its headers (numbers as text), the project's current
    households of the user's region, and a sheet of notes."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(SHEET)
    text = workbook.add_format({"num_format": "@"})
    bold = workbook.add_format({"bold": True})
    for col, column in enumerate(SPEC.columns):
        sheet.write_string(0, col, column.label, bold)
        sheet.set_column(col, col, 20, text)
    for r, row in enumerate(template_rows(project, user), start=1):
        for col, cell in enumerate(row):
            sheet.write_string(r, col, cell, text)
    notes = workbook.add_worksheet("说明")
    lines = [
        f"项目：{project.year}年 {project.name}",
        "户编号或户主身份证号至少填一项（两项都填时须为同一户）；只能填写本辖区、本县的农户",
        "带农方式：" + "、".join(KINDS.labels),
        "每户金额单位：元，可空（按0计）；同一户同一带农方式只填一行",
        "已登记的户（同一带农方式）按本表更新金额和备注；表中已列出本项目已登记的本辖区农户",
        "身份证号列请设为文本格式，以免丢失位数",
    ]
    for r, line in enumerate(lines):
        notes.write_string(r, 0, line)
    workbook.close()
    return buffer.getvalue()
