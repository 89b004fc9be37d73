"""The public notice (公示) as a village posts it: a printable page and a Word document, in Chinese.

A notice is posted on the village board, so it is written in Chinese whatever the reader's
language, and it carries only what policy.md §6.1 step 3 allows: the head of household's
name, the village group, the category and, for an elimination, its mode. Never an ID number,
a phone number, a bank account or a health detail: risk types are left out altogether, since
"因病" or "因残" beside a name is a health detail.

Both outputs are built from the same rows (``notice_content``), so what the page shows and
what the document prints cannot drift apart.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from shouwang.cases.casefiles.models import Case, CaseStatus, Category, EliminationMode
from shouwang.cases.procedure.models import Procedure, ProcedureKind
from shouwang.monitoring.lines.terms import term_for, with_term
from shouwang.regions.models import Region
from shouwang.registry.models import Member, Relation

from .models import Notice

# Official terms, printed as data in the Chinese document whatever the interface language.
CATEGORY_ZH = {
    Category.UNSTABLE_EX_POOR: "脱贫不稳定户",
    Category.EDGE: "边缘易致贫户",
    Category.SUDDEN: "突发严重困难户",
}
MODE_ZH = {EliminationMode.ASSISTANCE: "帮扶消除", EliminationMode.NATURAL: "自然消除"}
MATTER_ZH = {ProcedureKind.IDENTIFICATION: "识别纳入", ProcedureKind.ELIMINATION: "风险消除"}
TITLES = {
    "identification": "防止返贫监测对象识别纳入公示",
    "elimination": "防止返贫监测对象风险消除公示",
    "both": "防止返贫监测对象识别纳入和风险消除公示",
}
INTRO = {
    "identification": "经农户申请（或干部排查、部门筛查预警）、入户核实、信息比对和村级民主评议，"
                      "拟将下列农户纳入防止返贫监测对象，现予以公示。",
    "elimination": "经入户核实和村级民主评议，下列防止返贫监测对象拟标注为风险消除，现予以公示。",
    "both": "经入户核实、信息比对和村级民主评议，拟将下列农户纳入防止返贫监测对象，"
            "并将下列监测对象标注为风险消除，现予以公示。",
}
HEADERS = ("序号", "户主姓名", "村民小组", "监测对象类别", "公示事项", "风险消除方式")

# "3组", "十二组", "第3村民小组": the village group as addresses write it.
_GROUP = re.compile(r"(第?[0-9一二三四五六七八九十百〇零]+(?:村民)?小?组)")


def village_group(address: str) -> str:
    """The village group (村民小组) read from the household's address, or "" when it names none."""
    found = _GROUP.findall(address or "")
    return found[-1] if found else ""


def chinese_date(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


@dataclass
class NoticeRow:
    number: int
    head_name: str
    group: str
    category: str
    matter: str
    mode: str


@dataclass
class NoticeContent:
    """Everything the notice prints, already in Chinese and already free of personal numbers."""

    title: str
    village: str
    township: str
    intro: str
    period: str
    contact: str
    issuer: str
    issued_on: str
    rows: list[NoticeRow] = field(default_factory=list)
    show_mode: bool = False

    @property
    def headers(self) -> tuple[str, ...]:
        return HEADERS if self.show_mode else HEADERS[:-1]

    def table(self) -> list[tuple[str, ...]]:
        cells = []
        for row in self.rows:
            values = (str(row.number), row.head_name, row.group or "—", row.category, row.matter)
            cells.append(values + ((row.mode or "—",) if self.show_mode else ()))
        return cells


def procedure_kind(case: Case) -> str:
    """Whether the case is on the notice for identification or for elimination.

    The open procedure decides; a case without one (a notice kept after the procedure ended)
    falls back on its status.
    """
    procedures = [p for p in case.procedures.all() if p.status == "open"]
    if procedures:
        return procedures[-1].kind
    if case.status in (CaseStatus.ELIMINATING, CaseStatus.ELIMINATED):
        return ProcedureKind.ELIMINATION
    return ProcedureKind.IDENTIFICATION


def elimination_mode(case: Case) -> str:
    for procedure in sorted(case.procedures.all(), key=lambda p: p.pk, reverse=True):
        if procedure.kind == ProcedureKind.ELIMINATION and procedure.elimination_mode:
            return procedure.elimination_mode
    return case.elimination_mode or ""


def notice_cases(notice: Notice):
    """The notice's cases with what the rows need, in a fixed number of queries."""
    from django.db.models import Prefetch

    heads = Member.objects.filter(relation=Relation.HEAD).only("id", "household_id", "name", "relation")
    return (
        notice.cases.select_related("household")
        .prefetch_related(Prefetch("household__members", queryset=heads),
                          Prefetch("procedures", queryset=Procedure.objects.order_by("pk")))
        .order_by("household__address", "household__number", "pk")
    )


def notice_content(notice: Notice) -> NoticeContent:
    village = Region.objects.filter(code=notice.region_code).first()
    township = Region.objects.filter(code=notice.region_code[:9]).first()
    rows = []
    for number, case in enumerate(notice_cases(notice), start=1):
        household = case.household
        head = next((m for m in household.members.all() if m.relation == Relation.HEAD), None)
        kind = procedure_kind(case)
        mode = elimination_mode(case) if kind == ProcedureKind.ELIMINATION else ""
        rows.append(NoticeRow(
            number=number, head_name=head.name if head else "", group=village_group(household.address),
            category=CATEGORY_ZH.get(case.category, ""), matter=MATTER_ZH.get(kind, ""),
            mode=MODE_ZH.get(mode, ""),
        ))
    kind = str(notice.kind)
    village_name = village.name if village else notice.region_code
    created = timezone.localdate(notice.created_at) if getattr(notice, "created_at", None) else notice.starts_on
    # The name of the monitored population in force in the notice's year and county (lines/terms.py).
    term = term_for(notice.starts_on.year, notice.region_code)
    return NoticeContent(
        title=with_term(TITLES.get(kind, TITLES["identification"]), term),
        village=village_name,
        township=township.name if township else "",
        intro=with_term(INTRO.get(kind, INTRO["identification"]), term),
        period=f"{chinese_date(notice.starts_on)}至{chinese_date(notice.ends_on)}",
        contact=notice.contact,
        issuer=(
            f"{village_name}村民委员会" if village and not village_name.endswith(("委员会", "社区")) else village_name
        ),
        issued_on=chinese_date(min(created, notice.starts_on)),
        rows=rows,
        show_mode=kind in ("elimination", "both"),
    )


def build_docx(notice: Notice) -> bytes:
    """The notice as a Word document (A4, 宋体), ready to print and post on the village board."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    content = notice_content(notice)
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.5)

    style = document.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(12)
    # Word picks the Chinese font from the East Asian slot, not from ``font.name``.
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")

    def paragraph(text: str, *, size: float = 12, bold: bool = False, align=None, indent: bool = False):
        p = document.add_paragraph()
        run = p.add_run(text)
        run.font.size = Pt(size)
        run.bold = bold
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        return p

    paragraph(content.title, size=18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph(content.intro, indent=True)
    paragraph(f"公示期：{content.period}。", indent=True)
    paragraph(f"公示期内如有异议，请向{content.contact}反映。", indent=True)

    table = document.add_table(rows=1, cols=len(content.headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, content.headers, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(header)
        run.bold = True
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for values in content.table():
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = value
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    if not content.rows:
        paragraph("（无）", align=WD_ALIGN_PARAGRAPH.CENTER)

    paragraph("")
    paragraph(content.issuer, align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph(content.issued_on, align=WD_ALIGN_PARAGRAPH.RIGHT)

    document.core_properties.title = content.title
    document.core_properties.author = content.issuer
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_filename(notice: Notice) -> str:
    content_title = TITLES.get(str(notice.kind), TITLES["identification"])
    return f"{content_title}-{notice.region_code}-{notice.starts_on:%Y%m%d}.docx"
