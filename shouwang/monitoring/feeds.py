"""Department feeds: the eight feed types, their columns, and the two-phase import.

A feed is a department's list of events about people: 医保 out-of-pocket spending, 教育
dropouts, 住建 dangerous-housing appraisals, 水利 water problems, 民政 new 低保/特困 and
temporary assistance, 残联 disabilities, 人社 unemployment, 应急 disaster losses. Each type
(:data:`FEED_SPECS`) names its canonical columns with the Chinese headers departments use;
a county adds its own header names as data (:class:`~shouwang.monitoring.models.FeedColumnAlias`,
managed with ``manage.py feed_alias`` or the column-names page), never in code.

The import (:class:`FeedImport`) runs on :mod:`shouwang.core.imports`, from a file (upload page,
``manage.py import_feed``) or from JSON rows (``POST /api/feeds/{type}/rows/``), the same way:

1. **Check** every row: the ID number (a number-typed cell has lost digits: an error naming the
   row), the date (2024-03-05, 2024/3/5, 2024年3月5日, 20240305, Excel date cells), the amount
   (``1,234.50``, ``1234元``), the type-specific values. A row with an error is rejected and
   reported; the other rows go on (each row is its own event, so one typing error does not hold
   back a department's monthly file).
2. **Match** each ID number to a registry member through the blind index, in one query for the
   whole batch (an ``IN`` list for a small batch, one scan of the importer's region otherwise).
   A row whose person the registry does not know (or who lives outside the importer's region,
   which is not revealed) becomes a *lead*, listed in the report, never dropped.
3. **Plan** against what earlier imports stored, by each event's ``dedupe_key``:

   * with the department's record number (结算单号…): the key is (type, person, record number);
     rows of one file sharing it are parts of one event and their amounts are added up;
   * without one: the key is (type, kind, person, date, n), n numbering the person's events of
     that date in order of amount.

   So importing the same file again changes nothing; a cumulative export that repeats earlier
   months adds only the new events; and a corrected re-export of the same month *replaces* the
   amounts it changes (reported as updated) instead of adding them a second time.
4. **Commit** (when asked): one transaction; a :class:`FeedBatch` with the file's SHA-256, the
   user and the counts; signals and leads written with ``core.bulk.insert_rows`` (never ``save()``
   per row), each with its batch, file name and row number; corrections updated in bulk and
   recorded in the change log; older leads whose person has since been registered become
   signals. A re-import that would write nothing creates no batch.

Counting. ``total`` = data rows; ``rejected`` = rows with an error; ``accepted`` = the rest
(linked to a member or kept as a lead). ``created`` / ``updated`` / ``unchanged`` count events
(signals and leads together; ``details`` splits them). Health details (diagnoses) are not
imported even when a file has them: screening needs the amounts, not the illness.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import polars as pl
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from shouwang.accounts.models import Role
from shouwang.core import crypto
from shouwang.core.audit import Change, record_access, record_changes
from shouwang.core.bulk import insert_rows
from shouwang.core.idnumbers import ERROR_MESSAGES as ID_ERRORS
from shouwang.core.idnumbers import IdNumberError, mask_id_number, parse_id_number
from shouwang.core.imports import (
    ERROR,
    REQUIRED,
    WARNING,
    Choices,
    Column,
    ImportFileError,
    Problem,
    Report,
    SheetSpec,
    Table,
    fold,
    iter_chunks,
    locate,
    normalise_header,
    open_source,
    parse_amount,
    parse_date,
    parse_int,
)
from shouwang.core.imports import problem as engine_problem
from shouwang.core.signals import data_changed
from shouwang.regions.models import Region
from shouwang.registry.models import Member

from .models import FeedBatch, FeedColumnAlias, FeedLead, FeedSignal, FeedType

K = FeedSignal.Kind
Progress = Callable[[int, int, str], None]

MESSAGES: dict[str, str] = {
    "unknown_person": gettext_noop(
        "No one in the registry of your region has this ID number: the row is kept as a lead to follow up."
    ),
    "bad_disability_grade": gettext_noop("“{value}” is not a disability grade (一级 to 四级, or 1 to 4)."),
    "merged_reference": gettext_noop(
        "Record number {reference} is also on row {row}: the rows are one event and their amounts are added up."
    ),
    "unknown_field": gettext_noop("The field “{field}” is not a column of this feed and was ignored."),
    "not_a_list": gettext_noop("Send a JSON list of rows (objects), or an object with a “rows” list."),
    "not_an_object": gettext_noop("Each row must be a JSON object of column names and values."),
    "too_many_api_rows": gettext_noop("{rows} rows were sent; at most {limit} are accepted in one request."),
    "no_rows": gettext_noop("No rows were sent."),
}


def _problem(code: str, **params: Any) -> Problem:
    return Problem(code, MESSAGES[code], params)


# --- the feed types ---------------------------------------------------------------------------

ID_SYNONYMS = (
    "证件号码", "公民身份号码", "身份证号码", "身份证", "证件号", "身份证件号码", "公民身份证号码", "社会保障号码",
)
NAME_SYNONYMS = ("人员姓名",)


def _money_names(*names: str) -> tuple[str, ...]:
    """Amount headers also come with the unit: 个人自付(元), 个人自付（元）."""
    return tuple(n for name in names for n in (name, f"{name}(元)"))


def id_column(*extra: str) -> Column:
    return Column("id_number", "身份证号", ID_SYNONYMS + extra, required=True, id_cell=True, sensitive="id",
                  max_length=40)


def name_column(*extra: str) -> Column:
    return Column("name", "姓名", NAME_SYNONYMS + extra, max_length=60)


def date_column(label: str, *synonyms: str) -> Column:
    return Column("date", label, (*synonyms, "日期"), required=True, max_length=40)


Classified = tuple[str, str, Problem | None]  # (kind, category, problem)


@dataclass(frozen=True)
class FeedSpec:
    """A feed type: its columns, and how its own columns make a signal's kind, category and detail.

    Every feed has ``id_number``, ``date`` and optionally ``name`` and ``reference`` (the
    department's record number). ``amount`` names the amount column (None: no amounts).
    ``kind`` is the signal kind, unless ``classify`` = (column, function) derives kind and
    category from that column's value (民政's 救助类型, 残联's 残疾等级). ``category`` names a
    free-text column kept as the category (医保's 就诊类型); ``details`` free-text columns and
    ``amount_details`` amount columns kept in the signal's ``detail``; ``int_details`` whole numbers.
    """

    type: str
    sheet: str  # the sheet name departments use; any sheet with the headers is found as well
    columns: tuple[Column, ...]
    kind: str = ""
    amount: str | None = None
    amount_required: bool = False
    classify: tuple[str, Callable[[Any], Classified]] | None = None
    category: str | None = None
    details: tuple[str, ...] = ()
    amount_details: tuple[str, ...] = ()
    int_details: tuple[tuple[str, int], ...] = ()  # (column, highest value)

    @property
    def label(self) -> str:
        return str(FeedType(self.type).label)

    def column_keys(self) -> list[str]:
        return [c.key for c in self.columns]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def sheet_spec(self, aliases: Mapping[str, Sequence[str]] | None = None) -> SheetSpec:
        """The engine's sheet layout, with a county's extra header names added to the synonyms."""
        aliases = aliases or {}
        columns = tuple(
            Column(c.key, c.label, (*c.synonyms, *aliases.get(c.key, ())), required=c.required, id_cell=c.id_cell,
                   numeric_from=c.numeric_from, sensitive=c.sensitive, max_length=c.max_length)
            for c in self.columns
        )
        return SheetSpec(name=self.sheet, columns=columns)


HOUSING_GRADES = Choices(
    {"A": "A", "B": "B", "C": "C", "D": "D"},
    {
        "A级": "A", "B级": "B", "C级": "C", "D级": "D", "安全": "A", "基本安全": "B", "局部危险": "C",
        "局部危房": "C", "C级危房": "C", "整栋危房": "D", "整幢危房": "D", "整体危险": "D", "D级危房": "D",
    },
)


def _housing(raw: Any) -> Classified:
    grade, prob = HOUSING_GRADES.parse(raw, blank=REQUIRED)
    return K.HOUSING_APPRAISAL, grade or "", prob


CIVIL_TYPES = Choices(
    {"低保": K.NEW_DIBAO, "特困": K.NEW_TEKUN, "临时救助": K.TEMPORARY_ASSISTANCE},
    {
        "农村低保": K.NEW_DIBAO, "城乡低保": K.NEW_DIBAO, "低保对象": K.NEW_DIBAO, "最低生活保障": K.NEW_DIBAO,
        "农村最低生活保障": K.NEW_DIBAO, "低保户": K.NEW_DIBAO, "新增低保": K.NEW_DIBAO,
        "特困供养": K.NEW_TEKUN, "特困人员": K.NEW_TEKUN, "分散特困": K.NEW_TEKUN, "分散供养特困": K.NEW_TEKUN,
        "集中供养特困": K.NEW_TEKUN, "农村特困": K.NEW_TEKUN, "特困供养人员": K.NEW_TEKUN, "新增特困": K.NEW_TEKUN,
        "临时救助对象": K.TEMPORARY_ASSISTANCE, "临时性救助": K.TEMPORARY_ASSISTANCE,
        "大额临时救助": K.TEMPORARY_ASSISTANCE,
    },
)


def _civil(raw: Any) -> Classified:
    kind, prob = CIVIL_TYPES.parse(raw, blank=REQUIRED)
    return kind or "", "", prob


DISABILITY_GRADES = Choices(
    {"一级": "1", "二级": "2", "三级": "3", "四级": "4"},
    {
        **{str(n): str(n) for n in range(1, 5)},
        **{f"{n}级": str(n) for n in range(1, 5)},
        **{f"{zh}级残疾": str(n) for n, zh in enumerate("一二三四", start=1)},
        **{f"{zh}": str(n) for n, zh in enumerate("一二三四", start=1)},
    },
)
SEVERE_DISABILITY_GRADES = ("1", "2")  # 一级、二级: 重度残疾


def _disability(raw: Any) -> Classified:
    text = fold(raw).removesuffix(".0")
    grade = DISABILITY_GRADES.get(text) if text else None
    if grade is None:
        prob = engine_problem("required") if not text else _problem("bad_disability_grade", value=str(raw))
        return "", "", prob
    return (K.NEW_SEVERE_DISABILITY if grade in SEVERE_DISABILITY_GRADES else K.NEW_DISABILITY), grade, None


REFERENCE_SYNONYMS = ("结算流水号", "就诊流水号", "结算编号", "单据号", "流水号", "结算ID", "业务流水号", "就医登记号")

FEED_SPECS: dict[str, FeedSpec] = {
    spec.type: spec
    for spec in [
        FeedSpec(
            FeedType.MEDICAL, "医保",
            (
                id_column("参保人身份证号", "患者身份证号", "参保人证件号码", "就诊人身份证号"),
                name_column("患者姓名", "参保人姓名", "就诊人姓名"),
                date_column("就诊日期", "结算日期", "出院日期", "结算时间", "就医日期", "费用发生日期", "就诊时间",
                            "出院时间"),
                Column("amount", "个人自付", _money_names(
                    "个人自付", "自付金额", "个人负担", "个人自付金额", "个人自付费用", "个人负担金额", "个人现金支付",
                    "个人现金支付金额", "自付费用", "个人支付金额", "个人自负", "自付"), required=True),
                Column("total", "医疗总费用", _money_names("医疗总费用", "总费用", "费用总额", "医疗费用总额", "医疗费用")),
                Column("visit_type", "就诊类型", ("医疗类别", "就医类别", "就诊类别", "就医方式")),
                Column("institution", "医疗机构", ("就诊医院", "定点医疗机构", "医院名称", "就诊机构", "医疗机构名称")),
                Column("reference", "结算单号", REFERENCE_SYNONYMS, max_length=64),
            ),
            kind=K.MEDICAL_OUT_OF_POCKET, amount="amount", amount_required=True, category="visit_type",
            details=("institution",), amount_details=("total",),
        ),
        FeedSpec(
            FeedType.EDUCATION, "教育",
            (
                id_column("学生身份证号", "学生证件号码"),
                name_column("学生姓名"),
                date_column("辍学日期", "失学辍学日期", "离校日期", "报告日期", "登记日期"),
                Column("school", "学校", ("学校名称", "就读学校", "原就读学校")),
                Column("grade", "年级", ("就读年级", "所在年级")),
            ),
            kind=K.DROPOUT, category="grade", details=("school",),
        ),
        FeedSpec(
            FeedType.HOUSING, "住建",
            (
                id_column("户主身份证号", "户主证件号码"),
                name_column("户主姓名"),
                date_column("鉴定日期", "评定日期", "鉴定时间", "认定日期"),
                Column("grade", "鉴定等级", ("危房等级", "房屋等级", "安全等级", "鉴定结果", "住房安全等级"), required=True),
                Column("reference", "鉴定编号", ("鉴定报告编号", "鉴定书编号"), max_length=64),
            ),
            classify=("grade", _housing),
        ),
        FeedSpec(
            FeedType.WATER, "水利",
            (
                id_column("户主身份证号", "户主证件号码"),
                name_column("户主姓名"),
                date_column("发现日期", "断水日期", "问题发现日期", "登记日期"),
                Column("problem", "问题类型", ("存在问题", "饮水问题", "问题描述", "饮水安全问题")),
                Column("days", "断水天数", ("缺水天数", "断水时长(天)")),
            ),
            kind=K.WATER, category="problem", int_details=(("days", 3660),),
        ),
        FeedSpec(
            FeedType.CIVIL, "民政",
            (
                id_column("救助对象身份证号", "保障对象身份证号"),
                name_column("救助对象姓名", "保障对象姓名"),
                date_column("批准日期", "审批日期", "纳入日期", "救助日期", "认定日期", "享受日期", "开始享受日期"),
                Column("type", "救助类型", ("保障类型", "类别", "救助类别", "保障类别", "对象类别", "对象类型"),
                       required=True),
                Column("amount", "救助金额", _money_names("救助金额", "保障金额", "月保障金", "补助金额", "金额")),
                Column("reference", "审批编号", ("救助编号", "业务编号"), max_length=64),
            ),
            classify=("type", _civil), amount="amount",
        ),
        FeedSpec(
            FeedType.DISABILITY, "残联",
            (
                id_column("残疾人证号", "残疾证号", "残疾人身份证号"),
                name_column("残疾人姓名"),
                date_column("发证日期", "办证日期", "评定日期", "持证日期", "首次发证日期"),
                Column("grade", "残疾等级", ("等级", "残疾级别")),
            ),
            classify=("grade", _disability),
        ),
        FeedSpec(
            FeedType.EMPLOYMENT, "人社",
            (
                id_column(),
                name_column(),
                date_column("失业登记日期", "失业日期", "失业时间"),
                Column("reason", "失业原因", ("原因",)),
            ),
            kind=K.UNEMPLOYMENT, details=("reason",),
        ),
        FeedSpec(
            FeedType.DISASTER, "应急",
            (
                id_column("户主身份证号", "户主证件号码", "受灾户身份证号"),
                name_column("户主姓名", "受灾户姓名"),
                date_column("受灾日期", "灾害发生日期", "受灾时间", "发生日期"),
                Column("amount", "损失金额", _money_names("损失金额", "直接经济损失", "经济损失", "财产损失", "损失")),
                Column("disaster_type", "灾害类型", ("灾种", "受灾类型", "灾害种类")),
            ),
            kind=K.DISASTER_LOSS, amount="amount", category="disaster_type",
        ),
    ]
}


def feed_spec(feed_type: str) -> FeedSpec:
    try:
        return FEED_SPECS[feed_type]
    except KeyError:
        raise ValueError(f"unknown feed type {feed_type!r}") from None


# --- per-county header names ------------------------------------------------------------------


def aliases_for(feed_type: str, region_prefix: str | None) -> dict[str, list[str]]:
    """A county's extra header names for a feed type: those set for any region on the path to
    ``region_prefix`` (all of them when None: a system import sees the whole deployment)."""
    found: dict[str, list[str]] = defaultdict(list)
    for alias in FeedColumnAlias.objects.filter(feed_type=feed_type).order_by("id"):
        if region_prefix is None or region_prefix.startswith(alias.region_code):
            found[alias.column].append(alias.header)
    return dict(found)


def check_alias(feed_type: str, column: str, header: str) -> str | None:
    """Why an alias cannot be added (an English msgid), or None."""
    spec = FEED_SPECS.get(feed_type)
    if spec is None:
        return gettext_noop("Unknown feed type.")
    if column not in spec.column_keys():
        return gettext_noop("This feed has no such column.")
    name = normalise_header(header)
    if not name:
        return gettext_noop("The header may not be empty.")
    for other in spec.columns:
        if other.key != column and name in other.names():
            return gettext_noop("This header already names another column of the feed.")
    return None


def add_alias(region_code: str, feed_type: str, column: str, header: str, user=None) -> FeedColumnAlias:
    """Record a county's header name; raises ``ValueError`` with an English msgid when it cannot be."""
    reason = check_alias(feed_type, column, header)
    if reason:
        raise ValueError(reason)
    alias, _created = FeedColumnAlias.objects.get_or_create(
        region_code=region_code, feed_type=feed_type, header=" ".join(header.split()),
        defaults={"column": column, "created_by": user if getattr(user, "pk", None) else None},
    )
    return alias


# --- scoping ------------------------------------------------------------------------------------


def may_feed(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.can("feed")


def batches_for(user):
    """Batches a user may see: their region's for county staff, their own for a department officer."""
    qs = FeedBatch.objects.restrict(user, "feed")
    if getattr(user, "role", None) == Role.DEPARTMENT:
        qs = qs.filter(user=user)
    return qs


def leads_for(user):
    qs = FeedLead.objects.restrict(user, "feed")
    if getattr(user, "role", None) == Role.DEPARTMENT:
        qs = qs.filter(batch__user=user)
    return qs


# --- the import ---------------------------------------------------------------------------------


@dataclass(slots=True)
class FeedRow:
    """One checked row, ready to be matched and written."""

    row: int
    id_number: str
    id_index: str
    name: str
    kind: str
    date: date
    amount: Decimal | None
    category: str
    reference: str
    detail: dict[str, Any]
    key: str = ""
    member: tuple[int, int, str] | None = None  # (member id, household id, region code)


SIGNAL_COMPARED = ("kind", "date", "amount", "category")
SIGNAL_FIELDS = (
    "household", "member", "region_code", "kind", "date", "amount", "category", "reference", "detail", "source",
    "batch", "file_name", "row_number", "dedupe_key",
)
LEAD_FIELDS = (
    "batch", "region_code", "feed_type", "kind", "id_number", "id_index", "id_masked", "name", "date", "amount",
    "category", "reference", "detail", "file_name", "row_number", "dedupe_key",
)
CHUNK = 900  # values per IN (...) list: under every database's parameter limit
MATCH_IN_LIMIT = 900  # distinct ID numbers matched with one IN list; more: one scan of the region
KEY_LOOKUP_LIMIT = 5000  # event keys looked up by IN lists; more: one scan of the feed's dates
KEY_WINDOW = timedelta(days=400)  # how far a corrected record may move its date and still be found
UNMATCHED_LISTED = 5000  # leads listed in a JSON summary; the batch page and the database have all
STORED_ISSUES = 2000  # issues of each severity kept with a batch; the job's report has them all


def api_max_rows() -> int:
    from django.conf import settings

    return int(getattr(settings, "SHOUWANG_FEED_API_MAX_ROWS", 10_000))


CENT = Decimal("0.01")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _fast_ids(frame: pl.DataFrame, today: date) -> list[str | None]:
    """The ID numbers that are plainly valid (18 ASCII characters, GB 11643 check digit, a real
    birth date from 1900 to today, a text cell), found for the whole column at once; None where
    ``parse_id_number`` must look at the cell (and explain what is wrong with it)."""
    ids = pl.col("id_number").str.to_uppercase()
    total = sum(ids.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(ID_WEIGHTS))
    check = (total % 11).replace_strict(list(range(11)), list("10X98765432"), return_dtype=pl.String)
    born = ids.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    ok = ids.str.contains(r"^\d{17}[\dX]$") & (check == ids.str.slice(17, 1)) & born.is_between(date(1900, 1, 1),
                                                                                             today)
    if "_num_id_number" in frame.columns:
        ok = ok & ~pl.col("_num_id_number")
    return frame.select(pl.when(ok).then(ids).otherwise(None)).to_series().to_list()


def _fast_amounts(series: pl.Series) -> list[str | None]:
    """Plain amounts ('1,234.50', '1234元', '2400') as bare decimal text for the whole column;
    None for any other cell (full-width digits, ¥, three decimals, a negative or not a number),
    which ``parse_amount`` then reads or explains."""
    cleaned = series.str.replace_all(r"[\s,]", "").str.replace(r"(?:元整|元|圆)$", "")
    return pl.select(pl.when(cleaned.str.contains(r"^\d{1,10}(?:\.\d{1,2})?$")).then(cleaned)).to_series().to_list()


def _clean_texts(series: pl.Series) -> list[str | None]:
    """Free text with runs of white space made one space and trimmed, as ``parse_text`` does."""
    return series.str.replace_all(r"\s+", " ").str.strip_chars().to_list()


def _amount(raw: Any, fast: str | None, memo: dict[str, Decimal], blank: Any) -> tuple[Decimal | None, Problem | None]:
    if fast is not None:
        try:
            return memo[fast], None
        except KeyError:
            memo[fast] = value = Decimal(fast).quantize(CENT)
            return value, None
    return parse_amount(raw, blank=blank)


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class FeedImport:
    """Check (and on request commit) one feed file or one API push for one user (None: the system)."""

    def __init__(self, feed_type: str, user=None, *, channel: str = FeedBatch.Channel.UPLOAD,
                 progress: Progress | None = None, today: date | None = None) -> None:
        self.spec = feed_spec(feed_type)
        self.feed_type = self.spec.type
        self.user = user
        self.channel = channel
        self.progress = progress or (lambda done, total, message: None)
        self.today = today or timezone.localdate()
        self.prefix: str | None = (user.scope_prefix or "") if user is not None else None
        self.sheet_spec = self.spec.sheet_spec(aliases_for(self.feed_type, self.prefix))
        self.report = Report()
        self.file_name = ""
        self.sha256 = ""
        self.rows: list[FeedRow] = []
        self.rejected_rows: set[int] = set()
        self.unmatched: list[dict[str, Any]] = []
        self.batch: FeedBatch | None = None
        self.promoted = 0
        self._plan: dict[str, list] = {}

    # entry points

    def run_file(self, content: bytes | str | Path | IO[bytes], filename: str, *, commit: bool = False) -> Report:
        """Check a spreadsheet or CSV file; commit its good rows when ``commit``."""
        report = self.report
        self.file_name = Path(filename).name[:255]
        try:
            source = open_source(content, filename)
        except ImportFileError as exc:
            report.add(exc.sheet or self.file_name, exc.row, "", "", exc.problem)
            return self._finish(commit=False)
        except OSError:
            report.add(self.file_name, None, "", "", engine_problem("unreadable_file"))
            return self._finish(commit=False)
        self.sha256 = source.sha256
        self.progress(0, 0, gettext_noop("Reading the file"))
        table = self._locate(source)
        if table is None or report.errors:
            return self._finish(commit=False)
        return self._process(table, commit)

    def _locate(self, source) -> Table | None:
        """The first sheet with the feed's headers (a department file has one sheet of data, and
        its name varies); when none has them, the first sheet's missing columns are reported."""
        first: ImportFileError | None = None
        try:
            for sheet in source.sheet_names:
                try:
                    return locate(source, sheet, self.sheet_spec)
                except ImportFileError as exc:
                    if exc.code != "missing_columns":
                        self.report.file_error(exc, sheet=sheet)
                        return None
                    first = first or exc
        finally:
            source.release()
        if first is not None:
            self.report.file_error(first)
        else:
            self.report.add(self.file_name, None, "", "", engine_problem("empty_file"))
        return None

    def run_rows(self, payload: Any, *, name: str = "api", commit: bool = False) -> Report:
        """Check JSON rows (canonical keys or Chinese headers); a JSON number as an ID is refused
        exactly like a number cell. Same checks, keys and writes as a file."""
        report = self.report
        self.file_name = name[:255]
        rows = payload.get("rows") if isinstance(payload, dict) else payload
        if not isinstance(rows, list):
            report.add(name, None, "", "", _problem("not_a_list"))
            return self._finish(commit=False)
        if not rows:
            report.add(name, None, "", "", _problem("no_rows"))
            return self._finish(commit=False)
        if len(rows) > api_max_rows():
            report.add(name, None, "", "", _problem("too_many_api_rows", rows=len(rows), limit=api_max_rows()))
            return self._finish(commit=False)
        canonical = json.dumps(rows, ensure_ascii=False, sort_keys=True, default=str).encode()
        self.sha256 = hashlib.sha256(canonical).hexdigest()
        table = self._table_from_rows(rows, name)
        if table is None or report.errors:
            return self._finish(commit=False)
        return self._process(table, commit)

    def _table_from_rows(self, rows: list[Any], name: str) -> Table | None:
        report = self.report
        names: dict[str, str] = {}
        for column in self.sheet_spec.columns:
            names[normalise_header(column.key)] = column.key
            for n in column.names():
                names.setdefault(n, column.key)
        columns: dict[str, list[Any]] = {c.key: [None] * len(rows) for c in self.sheet_spec.columns}
        numeric = [False] * len(rows)
        headers: dict[str, str] = {}
        unknown: set[str] = set()
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                report.add(name, i + 1, "", "", _problem("not_an_object"))
                continue
            for given, value in row.items():
                key = names.get(normalise_header(given))
                if key is None:
                    unknown.add(str(given))
                    continue
                headers.setdefault(key, str(given))
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                if key == "id_number" and isinstance(value, (int, float)) and not isinstance(value, bool):
                    numeric[i] = True
                columns[key][i] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        for given in sorted(unknown):
            report.add(name, None, given, "", _problem("unknown_field", field=given), WARNING)
        if report.errors:
            return None
        missing = [c.label for c in self.sheet_spec.columns if c.required and c.key not in headers]
        if missing:
            report.add(name, None, "", "", engine_problem("missing_columns", scan=0, columns=", ".join(missing)))
            return None
        found = [c.key for c in self.sheet_spec.columns if c.key in headers]
        frame = pl.DataFrame(
            {"_row": list(range(1, len(rows) + 1)),
             **{key: [None if v is None else str(v).strip() or None for v in columns[key]] for key in found},
             "_num_id_number": numeric},
            schema={"_row": pl.Int64, **{key: pl.String for key in found}, "_num_id_number": pl.Boolean},
        )
        return Table(spec=self.sheet_spec, sheet=name, header_row=0, headers=headers, frame=frame, filename=name)

    # the phases

    def _process(self, table: Table, commit: bool) -> Report:
        report = self.report
        self.progress(0, 0, gettext_noop("Checking the rows"))
        self._check(table)
        report.total = table.frame.height
        report.rejected = len(self.rejected_rows)
        report.accepted = report.total - report.rejected
        self.progress(0, 0, gettext_noop("Matching ID numbers with the registry"))
        self._merge_references(table)
        self._match(table)
        self._assign_keys()
        self.progress(0, 0, gettext_noop("Comparing with earlier imports"))
        self._plan_changes()
        return self._finish(commit=commit)

    def _error(self, table: Table, row: int, key: str, value: Any, prob: Problem) -> None:
        table.report(self.report, row, key, value, prob, ERROR)
        self.rejected_rows.add(row)

    def _check(self, table: Table) -> None:
        """Check every row. The common case of each column (a plain 18-character ID number, a
        plain amount, text) is recognised for the whole column at once by polars; only the
        other cells go through the engine's parsers one by one, which also explain what is wrong."""
        spec, today, frame = self.spec, self.today, table.frame
        height = frame.height
        column = frame.get_column

        def values(key: str) -> list[Any]:
            return column(key).to_list() if key in frame.columns else [None] * height

        rows = column("_row").to_list()
        raw_ids = values("id_number")
        numeric = values("_num_id_number") if "_num_id_number" in frame.columns else [False] * height
        fast_ids = _fast_ids(frame, today) if "id_number" in frame.columns else [None] * height
        raw_dates = values("date")
        dates = {raw: parse_date(raw, blank=REQUIRED, high=today) for raw in set(raw_dates)}
        amount_key = spec.amount
        raw_amounts = values(amount_key) if amount_key else [None] * height
        fast_amounts = _fast_amounts(column(amount_key)) if amount_key and amount_key in frame.columns else None
        texts = {key: _clean_texts(column(key)) if key in frame.columns else [None] * height
                 for key in ("name", "reference", spec.category, *spec.details) if key}
        limits = {"name": 60, "reference": 64, spec.category: 40}
        extra_amounts = {key: (values(key), _fast_amounts(column(key)) if key in frame.columns else None)
                         for key in spec.amount_details}
        extra_ints = {key: (values(key), high) for key, high in spec.int_details}
        classify_key, classify = spec.classify if spec.classify else (None, None)
        raw_classes = values(classify_key) if classify_key else None
        classified: dict[Any, Classified] = {}
        amounts: dict[str, Decimal] = {}
        indexes: dict[str, str] = {}
        cert_ids = self.feed_type == FeedType.DISABILITY
        index = crypto.blind_index

        for i in range(height):
            row = rows[i]
            ok = True
            number = fast_ids[i]
            cert_grade = None
            if number is None:
                raw_id = raw_ids[i]
                if raw_id is None:
                    self._error(table, row, "id_number", "", engine_problem("required"))
                    ok = False
                elif numeric[i]:
                    self._error(table, row, "id_number", raw_id, Problem("numeric_cell", ID_ERRORS["numeric_cell"]))
                    ok = False
                else:
                    candidate = raw_id
                    if cert_ids and len(candidate) == 20 and candidate[:17].isdigit():
                        candidate, cert_grade = candidate[:18], candidate[19]  # 残疾人证号: ID + type + grade
                    try:
                        number = parse_id_number(candidate, today=today).number
                    except IdNumberError as exc:
                        self._error(table, row, "id_number", raw_id,
                                    Problem(exc.code, ID_ERRORS[exc.code], dict(exc.params)))
                        ok = False
            when, prob = dates[raw_dates[i]]
            if prob:
                self._error(table, row, "date", raw_dates[i], prob)
                ok = False
            amount = None
            if amount_key:
                amount, prob = _amount(raw_amounts[i], fast_amounts[i] if fast_amounts else None, amounts,
                                       REQUIRED if spec.amount_required else None)
                if prob:
                    self._error(table, row, amount_key, raw_amounts[i], prob)
                    ok = False
            text: dict[str, str] = {}
            for key, cleaned in texts.items():
                value = cleaned[i]
                if value:
                    limit = limits.get(key, 100)
                    if len(value) > limit:
                        self._error(table, row, key, value, engine_problem("too_long", length=len(value), limit=limit))
                        ok = False
                    text[key] = value
            kind, category = spec.kind, text.get(spec.category, "") if spec.category else ""
            if classify is not None:
                raw = raw_classes[i] if raw_classes[i] is not None else cert_grade
                try:
                    kind, category, prob = classified[raw]
                except KeyError:
                    kind, category, prob = classified[raw] = classify(raw)
                if prob:
                    self._error(table, row, classify_key, raw, prob)
                    ok = False
            detail = {key: text[key] for key in spec.details if key in text}
            for key, (raw_values, fast) in extra_amounts.items():
                if raw_values[i] is not None:
                    value, prob = _amount(raw_values[i], fast[i] if fast else None, amounts, None)
                    if prob:
                        self._error(table, row, key, raw_values[i], prob)
                        ok = False
                    else:
                        detail[key] = str(value)
            for key, (raw_values, high) in extra_ints.items():
                if raw_values[i] is not None:
                    value, prob = parse_int(raw_values[i], low=0, high=high)
                    if prob:
                        self._error(table, row, key, raw_values[i], prob)
                        ok = False
                    else:
                        detail[key] = value
            if ok:
                try:
                    id_index = indexes[number]
                except KeyError:
                    id_index = indexes[number] = index(number)
                self.rows.append(FeedRow(row, number, id_index, text.get("name", ""), kind, when, amount, category,
                                         text.get("reference", ""), detail))

    def _merge_references(self, table: Table) -> None:
        """Rows of one person sharing a record number are one event: add their amounts up."""
        first: dict[tuple[str, str], FeedRow] = {}
        kept: list[FeedRow] = []
        for row in self.rows:
            if not row.reference:
                kept.append(row)
                continue
            other = first.get((row.id_index, row.reference))
            if other is None:
                first[(row.id_index, row.reference)] = row
                kept.append(row)
                continue
            if row.amount is not None:
                other.amount = (other.amount or Decimal(0)) + row.amount
            other.detail.setdefault("rows", [other.row]).append(row.row)
            table.report(self.report, row.row, "reference", row.reference,
                         _problem("merged_reference", reference=row.reference, row=other.row), WARNING)
        self.rows = kept

    def _match(self, table: Table) -> None:
        """Link rows to members through the blind index: one query for the whole batch."""
        indexes = {row.id_index for row in self.rows}
        members = Member.objects.exclude(id_index="")
        if self.prefix:
            members = members.filter(region_code__startswith=self.prefix)
        columns = ("id_index", "id", "household_id", "region_code")
        if len(indexes) <= MATCH_IN_LIMIT:
            found = members.filter(id_index__in=list(indexes)).values_list(*columns) if indexes else []
        else:
            found = _raw_rows(members.values_list(*columns))
        known = {}
        for id_index, member_id, household_id, region_code in found:
            if id_index in indexes:
                known[id_index] = (member_id, household_id, region_code)
        for row in self.rows:
            row.member = known.get(row.id_index)
            if row.member is None:
                table.report(self.report, row.row, "id_number", row.id_number, _problem("unknown_person"), WARNING)
                if len(self.unmatched) < UNMATCHED_LISTED:
                    self.unmatched.append({
                        "row": row.row, "id_masked": mask_id_number(row.id_number), "name": row.name,
                        "kind": row.kind, "date": row.date.isoformat(),
                        "amount": None if row.amount is None else str(row.amount),
                    })

    def _assign_keys(self) -> None:
        groups: dict[tuple[str, str, date], list[FeedRow]] = defaultdict(list)
        for row in self.rows:
            if row.reference:
                row.key = _key(f"{self.feed_type}|{row.id_index}|ref|{row.reference}")
            else:
                groups[(row.kind, row.id_index, row.date)].append(row)
        for (kind, id_index, when), rows in groups.items():
            rows.sort(key=lambda r: (r.amount if r.amount is not None else Decimal(-1), r.row))
            for n, row in enumerate(rows, start=1):
                row.key = _key(f"{self.feed_type}|{kind}|{id_index}|{when.isoformat()}|{n}")

    def _existing(self, model, keys: list[str], fields: Sequence[str]) -> dict[str, tuple]:
        """Stored events by key; a large batch reads the feed's events around its dates in one query."""
        if not keys:
            return {}
        type_field = "source" if model is FeedSignal else "feed_type"
        found: dict[str, tuple] = {}
        if len(keys) <= KEY_LOOKUP_LIMIT:
            for chunk in iter_chunks(keys, CHUNK):
                for values in model.objects.filter(dedupe_key__in=list(chunk)).values_list("dedupe_key", *fields):
                    found[values[0]] = values[1:]
            return found
        low = min(r.date for r in self.rows) - KEY_WINDOW
        high = max(r.date for r in self.rows) + KEY_WINDOW
        wanted = set(keys)
        qs = model.objects.filter(**{type_field: self.feed_type}, date__gte=low, date__lte=high)
        for values in _raw_rows(qs.exclude(dedupe_key=None).values_list("dedupe_key", *fields)):
            if values[0] in wanted:
                found[values[0]] = values[1:]
        return found

    def _plan_changes(self) -> None:
        keys = [row.key for row in self.rows]
        signals = self._existing(FeedSignal, keys, ("id", *SIGNAL_COMPARED))
        leads = self._existing(FeedLead, keys, ("id", "resolved_signal_id", *SIGNAL_COMPARED))
        plan = self._plan = {"new_signals": [], "signal_updates": [], "new_leads": [], "lead_updates": []}
        counts = {"signals": defaultdict(int), "leads": defaultdict(int)}
        for row in self.rows:
            values = (row.kind, row.date, row.amount, row.category)
            if row.member is not None:
                stored = signals.get(row.key)
                if stored is None:
                    plan["new_signals"].append(row)
                    counts["signals"]["created"] += 1
                elif _differs(stored[1:], values):
                    plan["signal_updates"].append((stored[0], stored[1:], row))
                    counts["signals"]["updated"] += 1
                else:
                    counts["signals"]["unchanged"] += 1
                continue
            if row.key in signals:  # the person was linked by an earlier import: nothing new
                counts["signals"]["unchanged"] += 1
                continue
            stored = leads.get(row.key)
            if stored is None:
                plan["new_leads"].append(row)
                counts["leads"]["created"] += 1
            elif _differs(stored[2:], values):
                plan["lead_updates"].append((stored[0], stored[2:], row))
                counts["leads"]["updated"] += 1
            else:
                counts["leads"]["unchanged"] += 1
        report = self.report
        for what in ("created", "updated", "unchanged"):
            setattr(report, what, counts["signals"][what] + counts["leads"][what])
        matched = sum(1 for row in self.rows if row.member is not None)
        report.details.update({
            "feed_type": self.feed_type,
            "file_name": self.file_name,
            "sha256": self.sha256,
            "matched": matched,
            "unmatched": len(self.rows) - matched,
            "signals": {k: counts["signals"][k] for k in ("created", "updated", "unchanged")},
            "leads": {k: counts["leads"][k] for k in ("created", "updated", "unchanged")},
        })

    # commit

    def _finish(self, commit: bool) -> Report:
        report = self.report
        writes = self._plan and any(self._plan.values())
        if commit and writes:
            self.progress(0, 0, gettext_noop("Writing the signals"))
            with transaction.atomic():
                self._write()
                self.promoted = promote_leads(self.user)
                report.details["leads_matched_now"] = self.promoted
                report.committed = True
                self._log_access()
                self._store_report()
                transaction.on_commit(lambda: data_changed.send(sender=FeedSignal, part="monitoring", region_codes=None))
        else:
            if commit and self._plan:
                self.promoted = promote_leads(self.user)
                report.details["leads_matched_now"] = self.promoted
            self._log_access()
        return report

    def _batch_region(self) -> str:
        if self.prefix is not None:
            return self.prefix
        regions = {row.member[2][:6] for row in self.rows if row.member is not None}
        if len(regions) == 1:
            return regions.pop()
        counties = list(Region.objects.filter(level=Region.Level.COUNTY).values_list("code", flat=True)[:2])
        return counties[0] if len(counties) == 1 else ""

    def _write(self) -> None:
        report, plan = self.report, self._plan
        batch = self.batch = FeedBatch.objects.create(
            feed_type=self.feed_type, file_name=self.file_name, sha256=self.sha256, channel=self.channel,
            user=self.user if getattr(self.user, "pk", None) else None, region_code=self._batch_region(),
            total=report.total, accepted=report.accepted, rejected=report.rejected, created=report.created,
            updated=report.updated, unchanged=report.unchanged, matched=report.details["matched"],
            unmatched=report.details["unmatched"],
        )
        report.batch = str(batch.pk)
        connection = connections[FeedSignal.objects.db]
        date_field = FeedSignal._meta.get_field("date")
        json_field = FeedSignal._meta.get_field("detail")
        date_cache: dict[date, Any] = {}

        def db_date(value: date):
            try:
                return date_cache[value]
            except KeyError:
                date_cache[value] = prepared = date_field.get_db_prep_save(value, connection)
                return prepared

        empty_detail = json_field.get_db_prep_save({}, connection)

        def db_detail(value: dict):
            return json_field.get_db_prep_save(value, connection) if value else empty_detail

        name = self.file_name
        insert_rows(FeedSignal, SIGNAL_FIELDS, (
            (r.member[1], r.member[0], r.member[2], r.kind, db_date(r.date), r.amount, r.category, r.reference,
             db_detail(r.detail), self.feed_type, batch.pk, name, r.row, r.key)
            for r in plan["new_signals"]
        ))
        encrypt = crypto.encrypt
        insert_rows(FeedLead, LEAD_FIELDS, (
            (batch.pk, batch.region_code, self.feed_type, r.kind, encrypt(r.id_number), r.id_index,
             mask_id_number(r.id_number), r.name, db_date(r.date), r.amount, r.category, r.reference,
             db_detail(r.detail), name, r.row, r.key)
            for r in plan["new_leads"]
        ))
        changes: list[Change] = []
        updated = []
        for pk, before, row in plan["signal_updates"]:
            updated.append(FeedSignal(
                pk=pk, kind=row.kind, date=row.date, amount=row.amount, category=row.category, detail=row.detail,
                batch_id=batch.pk, file_name=name, row_number=row.row,
            ))
            changes.append(_correction("monitoring.feedsignal", pk, before, row, row.member[2]))
        FeedSignal.objects.bulk_update(
            updated, ["kind", "date", "amount", "category", "detail", "batch", "file_name", "row_number"],
            batch_size=500,
        )
        updated_leads = []
        for pk, before, row in plan["lead_updates"]:
            updated_leads.append(FeedLead(
                pk=pk, kind=row.kind, date=row.date, amount=row.amount, category=row.category, detail=row.detail,
                file_name=name, row_number=row.row,
            ))
            changes.append(_correction("monitoring.feedlead", pk, before, row, batch.region_code))
        FeedLead.objects.bulk_update(
            updated_leads, ["kind", "date", "amount", "category", "detail", "file_name", "row_number"], batch_size=500,
        )
        changes.insert(0, Change(
            action="create", object_type="monitoring.feedbatch", object_id=batch.pk, object_repr=str(batch),
            region_code=batch.region_code,
            after={"feed_type": self.feed_type, "file_name": name, "sha256": self.sha256,
                   **{k: getattr(batch, k) for k in ("total", "accepted", "rejected", "created", "updated",
                                                     "unchanged", "matched", "unmatched")}},
        ))
        record_changes(changes)

    def _store_report(self) -> None:
        data = self.summary(portable=True, limit=STORED_ISSUES)
        FeedBatch.objects.filter(pk=self.batch.pk).update(report=data)
        self.batch.report = data

    def _log_access(self) -> None:
        report = self.report
        record_access(
            "import",
            object_type="feed_import",
            object_id=report.batch or self.sha256[:16],
            object_repr=f"{self.feed_type}: {self.file_name}"[:200],
            region_code=self.prefix or "",
            detail={k: v for k, v in report.to_dict().items() if k not in ("errors", "warning_details")}
            | {"errors": len(report.errors)},
        )

    # results

    def summary(self, *, portable: bool = False, limit: int | None = None) -> dict[str, Any]:
        """The registry-import JSON shape plus ``"unmatched"``: the rows kept as leads (masked)."""
        data = self.report.to_dict(portable=portable)
        if limit is not None:
            for name in ("errors", "warning_details"):
                if len(data[name]) > limit:
                    data["details"] = dict(data["details"]) | {f"{name}_not_stored": len(data[name]) - limit}
                    data[name] = data[name][:limit]
        data["unmatched"] = self.unmatched
        return data


def _differs(stored: Sequence[Any], values: Sequence[Any]) -> bool:
    """Whether a stored event (read raw: SQLite gives dates as text and amounts as numbers)
    differs from a row in what screening uses: kind, date, amount, category."""
    kind, when, amount, category = stored
    new_kind, new_date, new_amount, new_category = values
    if amount is not None:
        amount = Decimal(str(amount)).quantize(CENT)
    return (kind, str(when)[:10], amount, category) != (new_kind, new_date.isoformat(), new_amount, new_category)


def _raw_rows(queryset) -> Iterable[tuple]:
    """A ``values_list`` queryset's rows straight from the cursor, without Django's per-value
    converters: a county's members or a year of events are read in one query, and the
    columns read this way are plain text and numbers."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(20_000):
            yield from batch


def _correction(object_type: str, pk: int, before: Sequence[Any], row: FeedRow, region: str) -> Change:
    def snap(kind, when, amount, category):
        return {"kind": kind, "date": str(when)[:10],
                "amount": None if amount is None else str(Decimal(str(amount)).quantize(CENT)), "category": category}

    return Change(
        action="update", object_type=object_type, object_id=pk, object_repr=f"{row.kind} {row.date}",
        region_code=region, before=snap(*before), after=snap(row.kind, row.date, row.amount, row.category),
    )


def _link_leads(pairs: Iterable[tuple[int, str]]) -> int:
    """Point leads at the signals with the same key (read back by key, one query per 900)."""
    pairs = list(pairs)
    by_key = {}
    for chunk in iter_chunks([key for _, key in pairs], CHUNK):
        by_key.update(FeedSignal.objects.filter(dedupe_key__in=list(chunk)).values_list("dedupe_key", "id"))
    now = timezone.now()
    leads = [FeedLead(pk=pk, resolved_signal_id=by_key[key], resolved_at=now) for pk, key in pairs if key in by_key]
    FeedLead.objects.bulk_update(leads, ["resolved_signal", "resolved_at"], batch_size=500)
    return len(leads)


def promote_leads(user=None) -> int:
    """Turn waiting leads whose person is now in the registry (in ``user``'s region) into signals.

    Called at every feed commit: a lead recorded before the person was registered then feeds
    screening like any other signal, with its original batch, file and row as provenance.
    """
    prefix = (user.scope_prefix or "") if user is not None else ""
    leads = FeedLead.objects.filter(resolved_signal__isnull=True)
    if prefix:
        leads = leads.filter(region_code__startswith=prefix)
    waiting = list(leads.values_list(
        "id", "id_index", "feed_type", "kind", "date", "amount", "category", "reference", "detail", "batch_id",
        "file_name", "row_number", "dedupe_key",
    ))
    if not waiting:
        return 0
    members = Member.objects.exclude(id_index="")
    if prefix:
        members = members.filter(region_code__startswith=prefix)
    known: dict[str, tuple[int, int, str]] = {}
    for chunk in iter_chunks(sorted({w[1] for w in waiting}), CHUNK):
        for id_index, pk, household_id, region in members.filter(id_index__in=list(chunk)).values_list(
                "id_index", "id", "household_id", "region_code"):
            known[id_index] = (pk, household_id, region)
    ready = [w for w in waiting if w[1] in known]
    if not ready:
        return 0
    existing = set()
    for chunk in iter_chunks([w[12] for w in ready], CHUNK):
        existing.update(FeedSignal.objects.filter(dedupe_key__in=list(chunk)).values_list("dedupe_key", flat=True))
    connection = connections[FeedSignal.objects.db]
    date_field = FeedSignal._meta.get_field("date")
    json_field = FeedSignal._meta.get_field("detail")
    with transaction.atomic():
        insert_rows(FeedSignal, SIGNAL_FIELDS, (
            (known[w[1]][1], known[w[1]][0], known[w[1]][2], w[3], date_field.get_db_prep_save(w[4], connection),
             w[5], w[6], w[7], json_field.get_db_prep_save(w[8] or {}, connection), w[2], w[9], w[10], w[11], w[12])
            for w in ready if w[12] not in existing
        ))
        return _link_leads((w[0], w[12]) for w in ready)


def import_feed(feed_type: str, content: bytes | str | Path | IO[bytes], filename: str, *, user=None,
                commit: bool = False, channel: str = FeedBatch.Channel.COMMAND,
                progress: Progress | None = None) -> FeedImport:
    """Check (and when ``commit``) import one feed file; the importer holds the report and summary."""
    importer = FeedImport(feed_type, user, channel=channel, progress=progress)
    importer.run_file(content, filename, commit=commit)
    return importer


def template_headers(feed_type: str) -> list[str]:
    """The headers of a feed's template: each column's canonical (Chinese) name."""
    return [c.label for c in feed_spec(feed_type).columns]


def feed_type_choices() -> list[tuple[str, str]]:
    return [(value, label) for value, label in FeedType.choices]


__all__ = [
    "FEED_SPECS", "FeedImport", "FeedRow", "FeedSpec", "add_alias", "aliases_for", "batches_for", "check_alias",
    "feed_spec", "feed_type_choices", "import_feed", "leads_for", "may_feed", "promote_leads", "template_headers",
]
