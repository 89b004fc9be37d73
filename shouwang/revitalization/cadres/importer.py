"""The register's spreadsheet import: one sheet 干部人才台账, checked row by row, committed in one
transaction (the two-phase engine of ``shouwang.core.imports``), with a template to fill in.

A row is one person. It updates the person already registered with the same ID number (blind
index) and kind in the user's region, else creates one; a row without an ID number always
creates. The village is given by its 12-digit code (区划代码) or by its name (所在村, with 所在乡镇
where the county has two villages of that name), among the villages of the importing user's
region; a township code stands for a township-level cadre. Each committed row keeps its
provenance (the file's digest and the row number). ID numbers typed as numbers in Excel are
refused (their last digits are lost).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from shouwang.core import crypto
from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.exports import write_xlsx
from shouwang.core.idnumbers import ERROR_MESSAGES as ID_ERRORS
from shouwang.core.idnumbers import IdNumberError, parse_id_number
from shouwang.core.imports import (
    REQUIRED,
    Choices,
    Column,
    ImportFileError,
    Problem,
    Report,
    SheetSpec,
    Table,
    load_tables,
    open_source,
    parse_date,
    parse_text,
    problem,
)
from shouwang.core.permissions import require, restrict
from shouwang.regions.models import Region
from shouwang.registry.imports.parsing import parse_phone

from .models import Cadre, CadreKind, TalentType
from .permissions import IMPORT_CADRES
from .services import CADRE_FIELDS, _snapshot

ALLOWED_SUFFIXES = (".xlsx", ".xls", ".csv")
SHEET = "干部人才台账"

KINDS = Choices({"驻村第一书记": CadreKind.FIRST_SECRETARY, "驻村工作队员": CadreKind.TEAM_MEMBER,
                 "帮扶责任人": CadreKind.CONTACT, "村干部": CadreKind.VILLAGE_OFFICIAL,
                 "后备干部": CadreKind.RESERVE, "乡土人才": CadreKind.TALENT},
                {"第一书记": CadreKind.FIRST_SECRETARY, "工作队员": CadreKind.TEAM_MEMBER,
                 "帮扶联系人": CadreKind.CONTACT, "监测联系人": CadreKind.CONTACT,
                 "村级后备干部": CadreKind.RESERVE, "人才": CadreKind.TALENT})
TALENTS = Choices({"返乡创业人员": TalentType.RETURNEE, "高校毕业生": TalentType.GRADUATE,
                   "退役军人": TalentType.VETERAN, "退休人员": TalentType.RETIREE,
                   "产业指导员": TalentType.INSTRUCTOR, "致富带头人": TalentType.BUSINESS_LEADER},
                  {"返乡创业": TalentType.RETURNEE, "大学毕业生": TalentType.GRADUATE,
                   "退休干部": TalentType.RETIREE, "经营主体带头人": TalentType.BUSINESS_LEADER})

COLUMNS = (
    Column("kind", "类别", ("人员类别", "人员类型"), required=True),
    Column("name", "姓名", required=True, max_length=60),
    Column("id_number", "身份证号", ("身份证号码", "公民身份号码"), id_cell=True, sensitive="id"),
    Column("phone", "联系电话", ("电话", "手机号", "手机号码"), sensitive="phone"),
    Column("region_code", "区划代码", ("村代码", "行政区划代码")),
    Column("township", "所在乡镇", ("乡镇",)),
    Column("village", "所在村", ("村", "村名", "驻村村名")),
    Column("unit", "派出单位/工作单位", ("派出单位", "工作单位", "单位")),
    Column("position", "职务", ("职位",)),
    Column("talent_type", "人才类型", ("人才类别",)),
    Column("term_start", "任期开始", ("任职开始", "驻村开始时间", "开始时间")),
    Column("term_end", "任期结束", ("任职结束", "驻村结束时间", "结束时间")),
    Column("notes", "备注", max_length=2000),
)
SPEC = SheetSpec(SHEET, COLUMNS, sheet_names=("人员", "台账"), one_of=(("region_code", "village"),))

MESSAGES = {
    "unknown_village": gettext_noop("No village or township “{value}” in your region."),
    "ambiguous_village": gettext_noop("Your region has several villages named “{value}”: give 所在乡镇 or 区划代码."),
    "talent_type_needed": gettext_noop("Local talent needs its type (人才类型)."),
    "term_needed": gettext_noop("A first secretary needs the start of the term (任期开始)."),
    "term_order": gettext_noop("The term ends before it starts."),
    "duplicate_row": gettext_noop("The same person of the same kind is on row {row} already."),
}


def _problem(code: str, /, **params: Any) -> Problem:
    return Problem(code, MESSAGES[code], params)


class CadreImport:
    """Check (and on request commit) one register file as ``user``; ``report`` holds the outcome."""

    def __init__(self, user: Any, progress: Callable[..., Any] | None = None) -> None:
        require(user, IMPORT_CADRES.name)
        self.user = user
        self.progress = progress
        self.report = Report()
        regions = restrict(user, Region.objects.filter(level__in=("village", "township")), "view")
        self.regions = {r.code: r for r in regions.only("code", "name", "level", "parent_code")}
        self.by_name: dict[str, list[Region]] = {}
        for region in self.regions.values():
            if region.level == "village":
                self.by_name.setdefault(region.name, []).append(region)

    def _region(self, row: dict[str, Any]) -> tuple[str | None, Problem | None, str, str]:
        code = (row.get("region_code") or "").strip().removesuffix(".0")
        if code:
            return (code, None, "region_code", code) if code in self.regions else (
                None, _problem("unknown_village", value=code), "region_code", code)
        village = (row.get("village") or "").strip()
        if not village:
            return None, problem("required"), "village", ""
        found = self.by_name.get(village, [])
        township = (row.get("township") or "").strip()
        if township:
            found = [v for v in found
                     if self.regions.get(v.parent_code) and self.regions[v.parent_code].name == township]
        if not found:
            return None, _problem("unknown_village", value=village), "village", village
        if len(found) > 1:
            return None, _problem("ambiguous_village", value=village), "village", village
        return found[0].code, None, "village", village

    def check(self, table: Table) -> list[tuple[int, dict[str, Any]]]:
        """The accepted rows as (row number, values); problems go to the report."""
        accepted: list[tuple[int, dict[str, Any]]] = []
        seen: dict[tuple[str, str], int] = {}
        today = date.today()
        for cells in table.rows():
            self.report.total += 1
            row = cells["_row"]
            problems: list[tuple[str, Any, Problem]] = []

            def take(key: str, parsed: tuple[Any, Problem | None], problems=problems, cells=cells) -> Any:
                value, prob = parsed
                if prob is not None:
                    problems.append((key, cells.get(key), prob))
                return value

            values: dict[str, Any] = {
                "kind": take("kind", KINDS.parse(cells.get("kind"), blank=REQUIRED)),
                "name": take("name", parse_text(cells.get("name"), blank=REQUIRED, max_length=60)),
                "unit": take("unit", parse_text(cells.get("unit"), max_length=200)),
                "position": take("position", parse_text(cells.get("position"), max_length=100)),
                "talent_type": take("talent_type", TALENTS.parse(cells.get("talent_type"), blank="")),
                "term_start": take("term_start", parse_date(cells.get("term_start"))),
                "term_end": take("term_end", parse_date(cells.get("term_end"), high=date(today.year + 10, 12, 31))),
                "notes": take("notes", parse_text(cells.get("notes"), max_length=2000)),
                "phone": take("phone", parse_phone(cells.get("phone"))),
                "id": None,
            }
            code, prob, key, raw = self._region(cells)
            if prob is not None:
                problems.append((key, raw, prob))
            values["region_code"] = code
            id_text = cells.get("id_number")
            if id_text:
                if cells.get("_num_id_number"):
                    problems.append(("id_number", id_text, Problem("numeric_cell", ID_ERRORS["numeric_cell"])))
                else:
                    try:
                        values["id"] = parse_id_number(id_text, today=today)
                    except IdNumberError as exc:
                        problems.append(("id_number", id_text, Problem(exc.code, ID_ERRORS[exc.code],
                                                                       dict(exc.params))))
            if values["kind"] == CadreKind.TALENT and not values["talent_type"]:
                problems.append(("talent_type", "", _problem("talent_type_needed")))
            if values["kind"] == CadreKind.FIRST_SECRETARY and not values["term_start"] and not any(
                    k == "term_start" for k, _v, _p in problems):
                problems.append(("term_start", "", _problem("term_needed")))
            if values["term_start"] and values["term_end"] and values["term_end"] < values["term_start"]:
                problems.append(("term_end", cells.get("term_end"), _problem("term_order")))
            if values["id"] is not None and values["kind"]:
                twin = (values["id"].number, values["kind"])
                if twin in seen:
                    problems.append(("id_number", id_text, _problem("duplicate_row", row=seen[twin])))
                else:
                    seen[twin] = row
            if problems:
                self.report.rejected += 1
                for key, raw, p in problems:
                    table.report(self.report, row, key, raw, p)
                continue
            self.report.accepted += 1
            accepted.append((row, values))
        return accepted

    def _plan(self, accepted: list[tuple[int, dict[str, Any]]]) -> list[tuple[int, dict[str, Any], Cadre | None]]:
        """Each accepted row with the registered person it updates (same ID and kind in the region)."""
        indexes = {crypto.blind_index(v["id"].number) for _r, v in accepted if v["id"] is not None}
        existing: dict[tuple[str, str], Cadre] = {}
        if indexes:
            for cadre in restrict(self.user, Cadre.objects.filter(id_index__in=indexes), IMPORT_CADRES.name):
                existing.setdefault((cadre.id_index, cadre.kind), cadre)
        plan = []
        for row, values in accepted:
            index = crypto.blind_index(values["id"].number) if values["id"] is not None else ""
            plan.append((row, values, existing.get((index, values["kind"])) if index else None))
        return plan

    @staticmethod
    def _fill(cadre: Cadre, values: dict[str, Any]) -> None:
        for name in ("kind", "name", "unit", "position", "talent_type", "term_start", "term_end", "notes",
                     "region_code"):
            setattr(cadre, name, values[name])
        if values["kind"] != CadreKind.TALENT:
            cadre.talent_type = ""
        if values["phone"]:
            cadre.set_phone(values["phone"])
        if values["id"] is not None:
            cadre.set_id(values["id"])

    def run_file(self, path: Any, filename: str, *, commit: bool) -> Report:
        try:
            source = open_source(path, filename)
        except ImportFileError as exc:
            self.report.file_error(exc)
            return self.report
        tables = load_tables([source], [SPEC], self.report)
        table = tables.get(SHEET)
        if table is None:
            return self.report
        table.filename = filename
        accepted = self.check(table)
        plan = self._plan(accepted)
        for _row, values, old in plan:
            if old is None:
                self.report.created += 1
            else:
                probe = Cadre(**{f: getattr(old, f) for f in ("kind", "name", "unit", "position", "talent_type",
                                                             "term_start", "term_end", "notes", "region_code",
                                                             "sex", "birth_year", "id_masked", "phone_masked")})
                self._fill(probe, values)
                if _snapshot(probe, CADRE_FIELDS) == _snapshot(old, CADRE_FIELDS):
                    self.report.unchanged += 1
                else:
                    self.report.updated += 1
        if commit and self.report.ok and plan:
            self._commit(plan, source.sha256)
        return self.report

    def _commit(self, plan: list[tuple[int, dict[str, Any], Cadre | None]], digest: str) -> None:
        batch = digest[:64]
        with transaction.atomic(), acting_unless_known(self.user, "revitalization.cadres.import"):
            changes = []
            for row, values, old in plan:
                cadre = old or Cadre(created_by=self.user if getattr(self.user, "pk", None) else None)
                before = _snapshot(old, CADRE_FIELDS) if old else None
                self._fill(cadre, values)
                after = _snapshot(cadre, CADRE_FIELDS)
                if before == after:
                    continue
                cadre.import_batch, cadre.import_row = batch, row
                cadre.save()
                changes.append(Change(action="update" if old else "create", object_type="revitalization.cadre",
                                      object_id=cadre.pk, object_repr=cadre.name, region_code=cadre.region_code,
                                      before=before, after=after))
            if changes:
                record_changes(changes)
        self.report.committed = True
        self.report.batch = batch

    def summary(self, portable: bool = False) -> dict[str, Any]:
        return self.report.to_dict(portable=portable)


def build_template() -> bytes:
    """The register's import template: the headers and one example row per kind of person
    (synthetic numbers; the ID column is written as text)."""
    headers = [c.label for c in COLUMNS]
    rows = [
        ["驻村第一书记", "张明", "", "13800000000", "", "示例镇", "示例村", "县农业农村局", "第一书记", "",
         "2024-06-01", "2026-05-31", ""],
        ["帮扶责任人", "李华", "", "13900000000", "", "示例镇", "示例村", "县教育局", "科员", "", "", "", ""],
        ["乡土人才", "王芳", "", "", "", "示例镇", "示例村", "", "合作社理事长", "致富带头人", "", "", ""],
    ]
    buffer = io.BytesIO()
    write_xlsx(buffer, headers, rows, sheet_name=SHEET)
    return buffer.getvalue()
