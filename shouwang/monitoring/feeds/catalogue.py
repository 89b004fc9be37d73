"""The feed catalogue: the eight feed types, their columns, and a county's own header names.

A feed is a department's list of events about people: 医保 out-of-pocket spending, 教育
dropouts, 住建 dangerous-housing appraisals, 水利 water problems, 民政 new 低保/特困 and
temporary assistance, 残联 disabilities, 人社 unemployment, 应急 disaster losses. Each type
(:data:`FEED_SPECS`) names its canonical columns with the Chinese headers departments use;
a county adds its own header names as data (:class:`~shouwang.monitoring.models.FeedColumnAlias`,
managed with ``manage.py feed_alias`` or the column-names page), never in code.

A department's beneficiary list (``policy``: who received which policy's benefit, 享受政策名单) is a
feed too; its policy column is checked by the part that keeps the policy catalogue
(:func:`register_category_check`): a row naming an unknown policy is reported and kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_noop

from shouwang.core.imports import REQUIRED, Choices, Column, Problem, SheetSpec, fold, normalise_header
from shouwang.core.imports import problem as engine_problem

from .models import FeedColumnAlias, FeedSignal, FeedType

K = FeedSignal.Kind

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
    "unknown_category": gettext_noop(
        "“{value}” is not known here ({what}): the row is kept and counts once it is known."
    ),
}


def _problem(code: str, /, **params: Any) -> Problem:
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
    date_details: tuple[str, ...] = ()  # optional date columns kept in ``detail`` (ISO text)
    # The category is part of an event's identity (a beneficiary list: one person, one day, two policies).
    category_in_key: bool = False

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


LAYER_TYPES = Choices(
    {"低保": K.LAYER_DIBAO, "特困": K.LAYER_TEKUN, "低保边缘": K.LAYER_DIBAO_EDGE,
     "刚性支出困难家庭": K.LAYER_RIGID_SPENDING},
    {
        "农村低保": K.LAYER_DIBAO, "城乡低保": K.LAYER_DIBAO, "低保对象": K.LAYER_DIBAO, "最低生活保障": K.LAYER_DIBAO,
        "最低生活保障对象": K.LAYER_DIBAO, "低保户": K.LAYER_DIBAO, "农村最低生活保障": K.LAYER_DIBAO,
        "特困人员": K.LAYER_TEKUN, "特困供养": K.LAYER_TEKUN, "特困供养人员": K.LAYER_TEKUN,
        "分散供养特困": K.LAYER_TEKUN, "集中供养特困": K.LAYER_TEKUN, "农村特困": K.LAYER_TEKUN,
        "低保边缘家庭": K.LAYER_DIBAO_EDGE, "低保边缘户": K.LAYER_DIBAO_EDGE, "低保边缘对象": K.LAYER_DIBAO_EDGE,
        "低保边缘人口": K.LAYER_DIBAO_EDGE, "最低生活保障边缘家庭": K.LAYER_DIBAO_EDGE,
        "刚性支出困难": K.LAYER_RIGID_SPENDING, "刚性支出困难户": K.LAYER_RIGID_SPENDING,
        "支出型困难家庭": K.LAYER_RIGID_SPENDING, "刚性支出较大生活困难家庭": K.LAYER_RIGID_SPENDING,
        "支出型贫困家庭": K.LAYER_RIGID_SPENDING,
    },
)


def _layer(raw: Any) -> Classified:
    kind, prob = LAYER_TYPES.parse(raw, blank=REQUIRED)
    return kind or "", "", prob


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
                Column("total", "医疗总费用",
                       _money_names("医疗总费用", "总费用", "费用总额", "医疗费用总额", "医疗费用")),
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
                Column("grade", "鉴定等级", ("危房等级", "房屋等级", "安全等级", "鉴定结果", "住房安全等级"),
                       required=True),
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
            FeedType.POLICY, "享受政策",
            (
                id_column("享受人身份证号", "享受对象身份证号", "受益人身份证号", "补助对象身份证号", "领取人身份证号"),
                name_column("享受人姓名", "享受对象姓名", "受益人姓名", "补助对象姓名", "领取人姓名"),
                date_column("发放日期", "享受日期", "开始享受日期", "补助日期", "拨付日期", "兑现日期", "发放时间"),
                Column("policy", "政策名称", ("政策", "政策项目", "项目名称", "补助项目", "资助项目", "享受政策",
                                          "政策代码", "补贴项目", "补助类别"), required=True),
                Column("amount", "发放金额", _money_names("发放金额", "补助金额", "享受金额", "资助金额", "补贴金额",
                                                     "兑现金额", "金额")),
                Column("reference", "发放编号", ("发放流水号", "拨付单号", "资助编号", "业务编号"), max_length=64),
            ),
            kind=K.POLICY_ENROLMENT, amount="amount", category="policy", category_in_key=True,
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
        # 民政's list of the low-income population by layer (低收入人口分层名单): who is in 低保, 特困,
        # 低保边缘 or 刚性支出困难家庭 since when, and until when where a period has ended. Beside the
        # signals it keeps the registry's layers (feeds/layers.py); a list marked complete also
        # ends the feed's open layers it no longer names.
        FeedSpec(
            FeedType.LOW_INCOME, "低收入人口",
            (
                id_column("救助对象身份证号", "保障对象身份证号", "成员身份证号"),
                name_column("救助对象姓名", "保障对象姓名", "成员姓名"),
                date_column("纳入日期", "认定日期", "批准日期", "审批日期", "开始日期", "开始享受日期", "享受日期",
                            "起始日期"),
                Column("layer", "对象类别", ("保障类型", "救助类型", "类别", "对象类型", "人员类别", "低收入人口类别",
                                          "分层类别", "救助类别", "保障类别"), required=True),
                Column("end", "退出日期", ("终止日期", "停保日期", "结束日期", "截止日期", "停止享受日期")),
                Column("reference", "审批编号", ("救助编号", "业务编号", "证号"), max_length=64),
            ),
            classify=("layer", _layer), date_details=("end",),
        ),
    ]
}


def feed_spec(feed_type: str) -> FeedSpec:
    try:
        return FEED_SPECS[feed_type]
    except KeyError:
        raise ValueError(f"unknown feed type {feed_type!r}") from None


def template_headers(feed_type: str) -> list[str]:
    """The headers of a feed's template: each column's canonical (Chinese) name."""
    return [c.label for c in feed_spec(feed_type).columns]


def feed_type_choices() -> list[tuple[str, str]]:
    return [(value, label) for value, label in FeedType.choices]


# --- values other parts know -------------------------------------------------------------------

# A part above monitoring says which category values of a feed it knows (revitalization: the
# policies a beneficiary list may name). ``check(values, region prefix or None)`` returns the
# values it does not know, and ``what`` names them in the report; the rows are kept all the same.
CategoryCheck = Callable[[set[str], str | None], set[str]]
_category_checks: dict[str, tuple[CategoryCheck, Any]] = {}


def register_category_check(feed_type: str, check: CategoryCheck, what: Any) -> None:
    """Report, row by row, the category values of ``feed_type`` that ``check`` does not know."""
    _category_checks[feed_type] = (check, what)


def category_check(feed_type: str) -> tuple[CategoryCheck, Any] | None:
    return _category_checks.get(feed_type)


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
