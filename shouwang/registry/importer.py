"""Registry import: the county's household spreadsheet (家庭成员 + 收支情况) into the registry.

Two phases on the engine of :mod:`shouwang.core.imports`. **Check** reads every row, parses and
cross-checks it (ID numbers, villages in the importer's area, one head per household, one
household per person, one row per household and year) and works out, against the database,
what a commit would create or change. **Commit** (only when asked, and by default only when no
row was rejected) writes it all in one transaction with raw bulk statements, never ``save()``
per row, and records every created or updated object in the change log with personal data
masked, and the import itself in the access log.

Counting. ``total`` is the number of data rows in both sheets. A household is written whole or
not at all, so a row is *accepted* only when neither it nor any other row of its household has
an error; ``rejected = total - accepted`` (each problem still appears once in ``errors``).
``created`` / ``updated`` / ``unchanged`` count households: created when new; updated when the
household, any of its members in the file or any of its years in the file differs from the
registry; unchanged otherwise. ``details`` gives the same three counts per kind of object.
Importing the same file again therefore reports 0 created and 0 updated. Members that are in
the registry but not in the file are kept (an import never deletes); columns missing from the
file keep their registry values.

Matching. Households by 户编号; members by the blind index of their ID number within their
household (by name for a member without an ID number); years by (household, 年度). ID and
phone numbers are compared through the blind index and the decrypted phone, and re-encrypted
only when they changed.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from shouwang.accounts.scoping import in_scope
from shouwang.core import crypto
from shouwang.core.audit import Change, record_access, record_changes
from shouwang.core.bulk import insert_rows
from shouwang.core.idnumbers import ERROR_MESSAGES as ID_ERRORS
from shouwang.core.idnumbers import WARNING_MESSAGES as ID_WARNINGS
from shouwang.core.idnumbers import IdNumberError, mask_id_number, parse_id_number
from shouwang.core.imports import (
    ERROR,
    WARNING,
    REQUIRED,
    Choices,
    Column,
    ImportFileError,
    Problem,
    Report,
    SheetSpec,
    Table,
    fold,
    load_tables,
    open_source,
    parse_amount,
    parse_bool,
    parse_int,
    parse_text,
    parse_year,
)
from shouwang.core.imports import (
    problem as engine_problem,
)
from shouwang.core.signals import data_changed
from shouwang.regions.models import Region

from .audit import snapshot_fields
from .models import (
    HOUSEHOLD_BULK_FIELDS,
    MEMBER_BULK_FIELDS,
    YEAR_BULK_FIELDS,
    Education,
    Health,
    Household,
    HouseholdType,
    HouseholdYear,
    HousingGrade,
    IdType,
    Labour,
    Member,
    Relation,
    Schooling,
    Sex,
)

# --- the layout -------------------------------------------------------------------------------

MEMBERS = SheetSpec(
    name="家庭成员",
    sheet_names=("家庭成员信息", "家庭成员表", "成员信息", "人员信息", "成员"),
    one_of=(("village_code", "village_name"),),
    columns=(
        Column(
            "number",
            "户编号",
            ("户编码", "户号", "农户编号", "家庭编号"),
            required=True,
            max_length=40,
            id_cell=True,
            numeric_from=16,
        ),
        Column("village_code", "村代码", ("村编码", "村级代码", "行政村代码", "村(社区)代码", "村区划代码")),
        Column("village_name", "村名", ("村名称", "行政村", "村(社区)", "所在村", "村")),
        Column("household_type", "户类型", ("农户类型", "户属性"), required=True),
        Column("name", "姓名", ("成员姓名",), required=True, max_length=60),
        Column(
            "id_number",
            "证件号码",
            ("身份证号", "身份证号码", "公民身份号码", "证件号", "身份证件号码"),
            required=True,
            id_cell=True,
            sensitive="id",
        ),
        Column("relation", "与户主关系", ("与户主的关系", "家庭关系", "关系"), required=True),
        Column("sex", "性别"),
        Column("ethnicity", "民族", max_length=20),
        Column("education", "文化程度", ("学历",)),
        Column("schooling", "在校生情况", ("在校生状况", "在校情况", "在校生")),
        Column("health", "健康状况", ("健康情况",)),
        Column("labour", "劳动技能", ("劳动能力", "劳动力状况")),
        Column("work_location", "务工所在地", ("务工地点", "务工地", "务工所在地区"), max_length=100),
        Column("work_months", "务工时长(月)", ("务工时间(月)", "务工时长", "务工时间", "务工月数")),
        Column(
            "phone", "联系电话", ("电话", "手机号", "手机号码", "联系方式", "电话号码"), sensitive="phone"
        ),
        Column(
            "medical_insured",
            "参加基本医疗保险",
            ("是否参加基本医疗保险", "参加城乡居民基本医疗保险", "参加医保", "基本医疗保险"),
        ),
        Column(
            "pension_insured",
            "参加基本养老保险",
            ("是否参加基本养老保险", "参加城乡居民基本养老保险", "参加养老保险", "基本养老保险"),
        ),
        Column("dibao", "享受低保", ("是否享受低保", "低保", "享受农村低保")),
        Column("tekun", "特困供养", ("是否特困供养", "特困", "享受特困供养")),
    ),
)

INCOME = SheetSpec(
    name="收支情况",
    sheet_names=("收支信息", "收入情况", "家庭收支", "收支", "收支情况表"),
    columns=(
        Column(
            "number",
            "户编号",
            ("户编码", "户号", "农户编号", "家庭编号"),
            required=True,
            max_length=40,
            id_cell=True,
            numeric_from=16,
        ),
        Column("year", "年度", ("年份", "年"), required=True),
        Column("wage_income", "工资性收入", ("工资收入", "务工收入"), required=True),
        Column("business_income", "生产经营性收入", ("生产经营收入", "经营性收入"), required=True),
        Column("property_income", "财产性收入", ("财产收入",), required=True),
        Column("transfer_income", "转移性收入", ("转移收入",), required=True),
        Column("business_costs", "生产经营性支出", ("生产经营支出", "经营性支出"), required=True),
        Column("compliant_out_of_pocket", "合规自付支出", ("合规自付医疗费用", "医疗合规自付", "合规自付")),
        Column("insurance_payouts", "保险赔付", ("商业保险赔付", "理赔金额")),
        Column("housing_grade", "住房安全等级", ("住房安全", "房屋安全等级", "住房等级")),
        Column("water_secured", "饮水安全", ("饮水安全有保障", "安全饮水", "饮水有保障")),
        Column("dropout", "义务教育辍学", ("义务教育阶段辍学", "辍学", "有辍学")),
    ),
)

SPECS = (MEMBERS, INCOME)

# --- the vocabulary: Chinese values of the registry to model choices -------------------------

HOUSEHOLD_TYPES = Choices(
    {"脱贫户": HouseholdType.EX_POOR, "一般农户": HouseholdType.ORDINARY},
    {
        "脱贫户(含监测)": HouseholdType.EX_POOR,
        "脱贫户(含监测对象)": HouseholdType.EX_POOR,
        "脱贫不稳定户": HouseholdType.EX_POOR,
        "脱贫监测户": HouseholdType.EX_POOR,
        "建档立卡户": HouseholdType.EX_POOR,
        "贫困户": HouseholdType.EX_POOR,
        "一般户": HouseholdType.ORDINARY,
        "农户": HouseholdType.ORDINARY,
        "一般农户(含监测)": HouseholdType.ORDINARY,
        "一般农户(含监测对象)": HouseholdType.ORDINARY,
        "边缘易致贫户": HouseholdType.ORDINARY,
        "突发严重困难户": HouseholdType.ORDINARY,
        "非贫困户": HouseholdType.ORDINARY,
    },
)

RELATIONS = Choices(
    {
        "户主": Relation.HEAD,
        "配偶": Relation.SPOUSE,
        "之子": Relation.SON,
        "之女": Relation.DAUGHTER,
        "之儿媳": Relation.DAUGHTER_IN_LAW,
        "之女婿": Relation.SON_IN_LAW,
        "之孙子女": Relation.GRANDCHILD,
        "之父母": Relation.PARENT,
        "之岳父母/公婆": Relation.PARENT_IN_LAW,
        "之祖父母": Relation.GRANDPARENT,
        "之兄弟姐妹": Relation.SIBLING,
        "其他": Relation.OTHER,
    },
    {
        "本人": Relation.HEAD,
        "户主本人": Relation.HEAD,
        "妻": Relation.SPOUSE,
        "妻子": Relation.SPOUSE,
        "夫": Relation.SPOUSE,
        "丈夫": Relation.SPOUSE,
        "之妻": Relation.SPOUSE,
        "之夫": Relation.SPOUSE,
        "之配偶": Relation.SPOUSE,
        **{
            k: Relation.SON
            for k in (
                "子",
                "儿子",
                "长子",
                "次子",
                "三子",
                "四子",
                "五子",
                "独子",
                "养子",
                "继子",
                "之长子",
                "之次子",
                "之三子",
                "之养子",
                "之继子",
            )
        },
        **{
            k: Relation.DAUGHTER
            for k in (
                "女",
                "女儿",
                "长女",
                "次女",
                "三女",
                "四女",
                "五女",
                "独女",
                "养女",
                "继女",
                "之长女",
                "之次女",
                "之三女",
                "之养女",
                "之继女",
            )
        },
        **{k: Relation.DAUGHTER_IN_LAW for k in ("儿媳", "媳妇", "儿媳妇", "之媳")},
        "女婿": Relation.SON_IN_LAW,
        **{
            k: Relation.GRANDCHILD
            for k in (
                "孙子",
                "孙女",
                "孙子女",
                "之孙子",
                "之孙女",
                "外孙",
                "外孙子",
                "外孙女",
                "之外孙子",
                "之外孙女",
                "之外孙子女",
                "外孙子女",
                "曾孙",
                "之曾孙子",
                "之曾孙女",
                "曾孙子女",
                "之曾孙子女",
                "孙媳",
                "之孙媳",
                "孙女婿",
            )
        },
        **{
            k: Relation.PARENT
            for k in ("父", "母", "父亲", "母亲", "父母", "之父", "之母", "继父", "继母", "养父", "养母")
        },
        **{
            k: Relation.PARENT_IN_LAW
            for k in (
                "岳父",
                "岳母",
                "公公",
                "婆婆",
                "公婆",
                "岳父母",
                "之岳父",
                "之岳母",
                "之公公",
                "之婆婆",
                "之公婆",
                "之岳父母",
            )
        },
        **{
            k: Relation.GRANDPARENT
            for k in (
                "祖父",
                "祖母",
                "祖父母",
                "外祖父",
                "外祖母",
                "外祖父母",
                "之祖父",
                "之祖母",
                "之外祖父",
                "之外祖母",
                "之外祖父母",
                "爷爷",
                "奶奶",
            )
        },
        **{
            k: Relation.SIBLING
            for k in (
                "兄",
                "弟",
                "姐",
                "妹",
                "哥哥",
                "弟弟",
                "姐姐",
                "妹妹",
                "兄弟姐妹",
                "之兄",
                "之弟",
                "之姐",
                "之妹",
                "之兄弟",
                "之姐妹",
                "兄弟",
                "姐妹",
                "兄妹",
                "姐弟",
            )
        },
        **{
            k: Relation.OTHER
            for k in (
                "之其他",
                "其它",
                "侄子",
                "侄女",
                "之侄子",
                "之侄女",
                "外甥",
                "外甥女",
                "之外甥",
                "之外甥女",
                "其他亲属",
                "非亲属",
            )
        },
    },
)

SEXES = Choices(
    {"男": Sex.MALE, "女": Sex.FEMALE},
    {
        "男性": Sex.MALE,
        "女性": Sex.FEMALE,
        "m": Sex.MALE,
        "f": Sex.FEMALE,
        "male": Sex.MALE,
        "female": Sex.FEMALE,
    },
)

EDUCATION = Choices(
    {
        "学龄前儿童": Education.PRESCHOOL,
        "文盲或半文盲": Education.ILLITERATE,
        "小学": Education.PRIMARY,
        "初中": Education.JUNIOR,
        "高中": Education.SENIOR,
        "中专(中职)": Education.VOCATIONAL,
        "大专及以上": Education.COLLEGE,
    },
    {
        "学龄前": Education.PRESCHOOL,
        "学前": Education.PRESCHOOL,
        "学龄前儿童(未上学)": Education.PRESCHOOL,
        "文盲": Education.ILLITERATE,
        "半文盲": Education.ILLITERATE,
        "文盲半文盲": Education.ILLITERATE,
        "文盲或半文盲(不识字或识字很少)": Education.ILLITERATE,
        "小学文化": Education.PRIMARY,
        "初中文化": Education.JUNIOR,
        "高中文化": Education.SENIOR,
        "普通高中": Education.SENIOR,
        "中专": Education.VOCATIONAL,
        "中职": Education.VOCATIONAL,
        "职高": Education.VOCATIONAL,
        "技校": Education.VOCATIONAL,
        "中等职业教育": Education.VOCATIONAL,
        "大专": Education.COLLEGE,
        "大专以上": Education.COLLEGE,
        "本科": Education.COLLEGE,
        "本科及以上": Education.COLLEGE,
        "大学": Education.COLLEGE,
        "研究生": Education.COLLEGE,
        "硕士": Education.COLLEGE,
        "博士": Education.COLLEGE,
        "高职": Education.COLLEGE,
    },
)

SCHOOLING = Choices(
    {
        "非在校生": Schooling.NONE,
        "学前教育": Schooling.PRESCHOOL,
        "小学": Schooling.PRIMARY,
        "初中": Schooling.JUNIOR,
        "高中": Schooling.SENIOR,
        "中职": Schooling.SECONDARY_VOCATIONAL,
        "高职": Schooling.HIGHER_VOCATIONAL,
        "本科及以上": Schooling.UNDERGRADUATE,
    },
    {
        "否": Schooling.NONE,
        "无": Schooling.NONE,
        "不在校": Schooling.NONE,
        "非在校": Schooling.NONE,
        "未在校": Schooling.NONE,
        "学前": Schooling.PRESCHOOL,
        "幼儿园": Schooling.PRESCHOOL,
    },
)
# Registers write grades ("小学三年级", "七年级", "高中一年级", "中职二年级"...): matched by pattern.
_SCHOOLING_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"非在校|不在校|未在校|辍学|毕业"), Schooling.NONE),
    (re.compile(r"学前|幼儿园|幼儿"), Schooling.PRESCHOOL),
    (re.compile(r"中职|中专|职高|技校|中等职业"), Schooling.SECONDARY_VOCATIONAL),
    (re.compile(r"高职|大专|专科|高等职业"), Schooling.HIGHER_VOCATIONAL),
    (re.compile(r"本科|大学|研究生|硕士|博士"), Schooling.UNDERGRADUATE),
    (re.compile(r"高中|高[一二三]"), Schooling.SENIOR),
    (re.compile(r"初中|初[一二三]|[七八九]年级"), Schooling.JUNIOR),
    (re.compile(r"小学|[一二三四五六1-6]年级"), Schooling.PRIMARY),
)

HEALTH = Choices(
    {
        "健康": Health.HEALTHY,
        "长期慢性病": Health.CHRONIC,
        "患有大病": Health.SERIOUS,
        "残疾": Health.DISABLED,
    },
    {
        "良好": Health.HEALTHY,
        "慢性病": Health.CHRONIC,
        "长期慢性疾病": Health.CHRONIC,
        "大病": Health.SERIOUS,
        "重病": Health.SERIOUS,
        "患大病": Health.SERIOUS,
        "重大疾病": Health.SERIOUS,
        "残疾人": Health.DISABLED,
    },
)
# A member may be listed as "残疾,长期慢性病": the most serious condition is kept.
_HEALTH_ORDER = (Health.SERIOUS, Health.DISABLED, Health.CHRONIC, Health.HEALTHY)

LABOUR = Choices(
    {
        "技能劳动力": Labour.SKILLED,
        "普通劳动力": Labour.ORDINARY,
        "弱劳动力或半劳动力": Labour.WEAK,
        "丧失劳动力": Labour.LOST,
        "无劳动力": Labour.NONE,
    },
    {
        "技能": Labour.SKILLED,
        "普通": Labour.ORDINARY,
        "弱劳动力": Labour.WEAK,
        "半劳动力": Labour.WEAK,
        "弱劳动力/半劳动力": Labour.WEAK,
        "弱或半劳动力": Labour.WEAK,
        "丧失": Labour.LOST,
        "丧失劳动能力": Labour.LOST,
        "无": Labour.NONE,
        "无劳动能力": Labour.NONE,
    },
)

HOUSING = Choices(
    {"A": HousingGrade.A, "B": HousingGrade.B, "C": HousingGrade.C, "D": HousingGrade.D},
    {
        "A级": HousingGrade.A,
        "B级": HousingGrade.B,
        "C级": HousingGrade.C,
        "D级": HousingGrade.D,
        "安全": HousingGrade.A,
        "基本安全": HousingGrade.B,
        "局部危险": HousingGrade.C,
        "整体危险": HousingGrade.D,
        "C级危房": HousingGrade.C,
        "D级危房": HousingGrade.D,
    },
)

# --- messages ---------------------------------------------------------------------------------

MESSAGES: dict[str, str] = {
    "bad_village_code": gettext_noop("A village code has 12 digits: “{value}”."),
    "unknown_village_code": gettext_noop("{value} is not the code of a village in the region list."),
    "unknown_village_name": gettext_noop("No village named “{value}” in your area."),
    "ambiguous_village_name": gettext_noop(
        "{count} villages in your area are named “{value}”; give the 12-digit village code."
    ),
    "village_out_of_scope": gettext_noop("The village {value} is outside your area."),
    "village_name_mismatch": gettext_noop(
        "The village name “{value}” does not match the village code {code} ({expected}); the code is used."
    ),
    "household_out_of_scope": gettext_noop(
        "Household number {number} belongs to a household outside your area."
    ),
    "household_conflict": gettext_noop(
        "Household {number} is given with a different {column} on row {row} (“{first}”)."
    ),
    "no_head": gettext_noop("Household {number} has no head of household (户主)."),
    "several_heads": gettext_noop(
        "Household {number} has more than one head of household (户主); the first is on " "row {row}."
    ),
    "several_heads_registry": gettext_noop(
        "Household {number} already has a head of household (户主) in the "
        "registry who is not in this file."
    ),
    "duplicate_member": gettext_noop(
        "This ID number is given twice for household {number} (also on row {row})."
    ),
    "duplicate_name": gettext_noop(
        "Two members of household {number} without an ID number have the same name (also on row {row})."
    ),
    "duplicate_id_file": gettext_noop(
        "The same ID number is also given in household {other} (sheet {sheet}, row {row}); a person belongs to "
        "one household."
    ),
    "duplicate_id_registry": gettext_noop(
        "This ID number is already registered in household {other}; a person belongs to one household."
    ),
    "duplicate_id_hidden": gettext_noop(
        "This ID number is already registered in a household outside your area."
    ),
    "no_id": gettext_noop("No ID number: the member is matched by name."),
    "sex_mismatch": gettext_noop("The sex “{value}” does not match the ID number; the ID number is used."),
    "bad_phone": gettext_noop("Not an 11-digit mobile number or a landline number."),
    "numeric_number": gettext_noop(
        "The household number was stored as a number in the spreadsheet and has lost digits; format the column as "
        "text and enter it again."
    ),
    "unknown_household": gettext_noop("Household {number} is neither in this file nor in the registry."),
    "duplicate_year": gettext_noop("Household {number} already has a row for {year} (row {row})."),
}


def _problem(code: str, **params: Any) -> Problem:
    return Problem(code, MESSAGES[code], params)


def _id_problem(exc: IdNumberError) -> Problem:
    return Problem(exc.code, ID_ERRORS[exc.code], dict(exc.params))


_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"(0\d{2,3})?(\d{7,8})")


def parse_phone(text: Any) -> tuple[str, Problem | None]:
    """An 11-digit mobile ('+86 138-1234-5678' too) or a landline ('0743-4221234', '(0743)4221234')."""
    s = fold(text)
    if not s:
        return "", None
    compact = re.sub(r"[\s\-()（）]", "", s)
    if compact.startswith("+86"):
        compact = compact[3:]
    elif compact.startswith("86") and len(compact) == 13:
        compact = compact[2:]
    if compact.endswith(".0"):
        compact = compact[:-2]
    if _MOBILE.fullmatch(compact):
        return compact, None
    match = _LANDLINE.fullmatch(compact)
    if match and not compact.startswith("1"):
        area, local = match.groups()
        return (f"{area}-{local}" if area else local), None
    return "", _problem("bad_phone")


def parse_schooling(text: Any) -> tuple[Any, Problem | None]:
    value, prob = SCHOOLING.parse(text, blank=Schooling.NONE)
    if prob is None:
        return value, None
    folded = fold(text)
    for pattern, choice in _SCHOOLING_PATTERNS:
        if pattern.search(folded):
            return choice, None
    return None, prob


def parse_health(text: Any) -> tuple[Any, Problem | None]:
    value, prob = HEALTH.parse(text, blank=Health.HEALTHY)
    if prob is None:
        return value, None
    parts = [p for p in re.split(r"[,，、/;；+]", fold(text)) if p.strip()]
    found = [HEALTH.get(p) for p in parts]
    if len(parts) > 1 and all(found):
        return next(h for h in _HEALTH_ORDER if h in found), None
    return None, prob


def parse_household_type(text: Any) -> tuple[Any, Problem | None]:
    return HOUSEHOLD_TYPES.parse(text, blank=REQUIRED)


def parse_relation(text: Any) -> tuple[Any, Problem | None]:
    return RELATIONS.parse(text, blank=REQUIRED)


Parser = Callable[[Any], tuple[Any, Problem | None]]

# Optional columns of each sheet and how their cells parse (a blank cell takes the default).
MEMBER_PARSERS: tuple[tuple[str, Parser], ...] = (
    ("ethnicity", lambda v: parse_text(v, max_length=20)),
    ("education", lambda v: EDUCATION.parse(v, blank="")),
    ("schooling", parse_schooling),
    ("health", parse_health),
    ("labour", lambda v: LABOUR.parse(v, blank=Labour.ORDINARY)),
    ("work_location", lambda v: parse_text(v, max_length=100)),
    ("work_months", lambda v: parse_int(v, low=0, high=12)),
    ("medical_insured", lambda v: parse_bool(v, blank=True)),
    ("pension_insured", lambda v: parse_bool(v, blank=False)),
    ("dibao", lambda v: parse_bool(v, blank=False)),
    ("tekun", lambda v: parse_bool(v, blank=False)),
)
YEAR_PARSERS: tuple[tuple[str, Parser], ...] = (
    ("housing_grade", lambda v: HOUSING.parse(v, blank="")),
    ("water_secured", lambda v: parse_bool(v, blank=True)),
    ("dropout", lambda v: parse_bool(v, blank=False)),
)


# --- rows -------------------------------------------------------------------------------------

# Member fields an import writes, with the column each comes from (None: derived from the ID).
MEMBER_COLUMNS: dict[str, str] = {
    "name": "name",
    "relation": "relation",
    "ethnicity": "ethnicity",
    "education": "education",
    "schooling": "schooling",
    "health": "health",
    "labour": "labour",
    "work_location": "work_location",
    "work_months": "work_months",
    "medical_insured": "medical_insured",
    "pension_insured": "pension_insured",
    "dibao": "dibao",
    "tekun": "tekun",
}
MEMBER_DEFAULTS: dict[str, Any] = {
    "sex": "",
    "ethnicity": "",
    "education": "",
    "schooling": Schooling.NONE,
    "health": Health.HEALTHY,
    "labour": Labour.ORDINARY,
    "work_location": "",
    "work_months": None,
    "medical_insured": True,
    "pension_insured": False,
    "dibao": False,
    "tekun": False,
    "phone": "",
    "birth_year": None,
}
YEAR_AMOUNTS = (
    "wage_income",
    "business_income",
    "property_income",
    "transfer_income",
    "business_costs",
    "compliant_out_of_pocket",
    "insurance_payouts",
)
YEAR_DEFAULTS: dict[str, Any] = {
    **{k: Decimal("0.00") for k in YEAR_AMOUNTS},
    "housing_grade": "",
    "water_secured": True,
    "dropout": False,
}


@dataclass(slots=True)
class MemberRow:
    row: int
    number: str
    ok: bool = True
    village: str = ""
    household_type: str = ""
    id_number: str = ""
    id_index: str = ""
    phone: str | None = None  # None: no phone column
    values: dict[str, Any] = field(default_factory=dict)
    key: str = ""  # how the member is matched in its household: blind index, or name without an ID


@dataclass(slots=True)
class YearRow:
    row: int
    number: str
    year: int | None
    ok: bool = True
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class HouseholdPlan:
    number: str
    members: list[MemberRow] = field(default_factory=list)
    years: list[YearRow] = field(default_factory=list)
    ok: bool = True
    existing: dict[str, Any] | None = None
    village: str = ""
    household_type: str = ""
    changed: bool = False


Progress = Callable[[int, int, str], None]
CHUNK = 900  # ids per IN (...) list: under every database's parameter limit


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def batch_id(file_digests: Sequence[str]) -> str:
    """The import's provenance mark, stored on each household it writes: derived from the
    SHA-256 of the uploaded files, so the same files always give the same batch."""
    if not file_digests:
        return ""
    digest = hashlib.sha256("\n".join(sorted(file_digests)).encode())
    return "reg-" + digest.hexdigest()[:24]


# --- the import -------------------------------------------------------------------------------


class RegistryImport:
    """Check (and on request commit) one registry upload for one user (None: the system, county-wide)."""

    def __init__(self, user=None, *, allow_partial: bool = False, progress: Progress | None = None) -> None:
        self.user = user
        self.allow_partial = allow_partial
        self.progress = progress or (lambda done, total, message: None)
        self.report = Report()
        self.households: dict[str, HouseholdPlan] = {}
        self.tables: dict[str, Table] = {}
        self._memo: dict[str, dict[Any, tuple[Any, Problem | None]]] = defaultdict(dict)
        self.today = timezone.localdate()

    # scope

    def allowed(self, region_code: str) -> bool:
        return self.user is None or in_scope(self.user, region_code, "import")

    # entry point

    def run(
        self, files: Sequence[tuple[bytes | str | Path | IO[bytes], str]], *, commit: bool = False
    ) -> Report:
        """Check ``files`` ((content or path, original name) pairs); commit when asked and allowed."""
        report = self.report
        digests: list[str] = []
        sources = []
        for content, filename in files:
            try:
                source = open_source(content, filename)
            except ImportFileError as exc:
                report.add(exc.sheet or Path(filename).name, exc.row, "", "", exc.problem)
                continue
            except OSError:
                report.add(Path(filename).name, None, "", "", engine_problem("unreadable_file"))
                continue
            sources.append(source)
            digests.append(source.sha256)
        report.batch = batch_id(digests)
        if report.errors:
            return self._finish(commit=False)
        self.progress(0, 0, gettext_noop("Reading the file"))
        self.tables = load_tables(sources, SPECS, report)
        if report.errors:
            return self._finish(commit=False)
        self._load_reference()
        if MEMBERS.name in self.tables:
            self._check_members(self.tables[MEMBERS.name])
        if INCOME.name in self.tables:
            self._check_years(self.tables[INCOME.name])
        self._check_households()
        self._count_rows()
        for table in self.tables.values():  # the parsed rows hold all that is needed from here on
            table.frame = table.frame.clear()
        self._plan_changes()
        writable = report.accepted > 0 and (report.ok or self.allow_partial)
        if commit and not writable:  # nothing will be written: say so, keep the plan as a detail
            report.details["planned"] = {"created": report.created, "updated": report.updated}
            report.created = report.updated = report.unchanged = 0
        return self._finish(commit=commit and writable)

    def _finish(self, commit: bool) -> Report:
        report = self.report
        if commit:
            self.progress(0, 0, gettext_noop("Writing to the registry"))
            with transaction.atomic():
                self._write()
                report.committed = True
                self._log_access()
                transaction.on_commit(lambda: data_changed.send(sender=Household, part="registry", region_codes=None))
        else:
            self._log_access()
        return report

    def _log_access(self) -> None:
        report = self.report
        record_access(
            "import",
            object_type="registry_import",
            object_id=report.batch,
            object_repr=", ".join(t.filename for t in self.tables.values())[:200],
            region_code=getattr(self.user, "scope_prefix", "") or "",
            detail={k: v for k, v in report.to_dict().items() if k not in ("errors", "warning_details")}
            | {"errors": len(report.errors)},
        )

    # reference data

    def _load_reference(self) -> None:
        villages = Region.objects.filter(level=Region.Level.VILLAGE).values_list("code", "name")
        self.villages: dict[str, str] = dict(villages)
        self.village_names: dict[str, list[str]] = defaultdict(list)
        self.township_names = dict(
            Region.objects.filter(level=Region.Level.TOWNSHIP).values_list("code", "name")
        )
        for code, name in self.villages.items():
            if self.allowed(code):
                for variant in self._name_variants(name):
                    self.village_names[variant].append(code)
        self.counties = set(Region.objects.filter(level=Region.Level.COUNTY).values_list("code", flat=True))

    @staticmethod
    def _name_variants(name: str) -> set[str]:
        key = Choices.key(name)
        variants = {key}
        for suffix in ("村民委员会", "居民委员会", "村委会", "居委会", "社区", "村"):
            if key.endswith(suffix) and len(key) > len(suffix) + 1:
                variants.add(key[: -len(suffix)])
        return variants

    def _same_village(self, text: str, code: str) -> bool:
        given, known = self._name_variants(text), self._name_variants(self.villages[code])
        return bool(given & known) or any(g.endswith(k) for g in given for k in known)

    def _village_by_name(self, text: str) -> tuple[str, Problem | None]:
        key = Choices.key(text)
        candidates = set(self.village_names.get(key, ()))
        if not candidates:  # "达岚镇龙溪口村": a township name in front
            for code, township in self.township_names.items():
                tkey = Choices.key(township)
                if key.startswith(tkey) and len(key) > len(tkey):
                    candidates = {
                        c for c in self.village_names.get(key[len(tkey) :], ()) if c.startswith(code)
                    }
                    if candidates:
                        break
        if not candidates:
            for variant in self._name_variants(text):
                candidates |= set(self.village_names.get(variant, ()))
        if len(candidates) == 1:
            return candidates.pop(), None
        if not candidates:
            return "", _problem("unknown_village_name", value=text)
        return "", _problem("ambiguous_village_name", value=text, count=len(candidates))

    # helpers

    def _memo_parse(self, key: str, raw: Any, parser: Parser) -> tuple[Any, Problem | None]:
        memo = self._memo[key]
        try:
            return memo[raw]
        except KeyError:
            memo[raw] = result = parser(raw)
            return result

    def _error(self, table: Table, row: int, key: str, value: Any, prob: Problem) -> None:
        table.report(self.report, row, key, value, prob, ERROR)

    def _warn(self, table: Table, row: int, key: str, value: Any, prob: Problem) -> None:
        table.report(self.report, row, key, value, prob, WARNING)

    def _accept(
        self, table: Table, row: int, key: str, value: Any, prob: Problem | None, entry: MemberRow | YearRow
    ) -> bool:
        """Whether a cell parsed; if not, its problem is reported and its row rejected."""
        if prob is None:
            return True
        self._error(table, row, key, value, prob)
        entry.ok = False
        return False

    def _number(self, table: Table, cells: dict[str, Any]) -> str | None:
        """The household number; a long number that was a number cell has lost digits (like IDs)."""
        raw = cells["number"]
        number, prob = parse_text(raw, blank=REQUIRED, max_length=40)
        if prob is None and cells.get("_num_number") and len(number.removesuffix(".0")) > 15:
            prob = _problem("numeric_number")
        if prob is not None:
            self._error(table, cells["_row"], "number", raw, prob)
            return None
        return number.removesuffix(".0") if cells.get("_num_number") else number

    def _household(self, number: str) -> HouseholdPlan:
        plan = self.households.get(number)
        if plan is None:
            plan = self.households[number] = HouseholdPlan(number)
        return plan

    # 家庭成员

    def _check_members(self, table: Table) -> None:
        has = table.has
        known_region = self.counties.__contains__
        optional = [(key, parser) for key, parser in MEMBER_PARSERS if has(key)]
        total = table.frame.height
        for done, cells in enumerate(table.rows(), start=1):
            if done % 10000 == 0:
                self.progress(done, total, gettext_noop("Checking members"))
            row = cells["_row"]
            number = self._number(table, cells)
            member = MemberRow(row=row, number=number or "", ok=number is not None)
            self._member_village(table, cells, member)
            value, prob = self._memo_parse("household_type", cells["household_type"], parse_household_type)
            self._accept(table, row, "household_type", cells["household_type"], prob, member)
            member.household_type = value or ""
            name, prob = parse_text(cells["name"], blank=REQUIRED, max_length=60)
            self._accept(table, row, "name", cells["name"], prob, member)
            member.values["name"] = name or ""
            self._member_id(table, cells, member, known_region)
            value, prob = self._memo_parse("relation", cells["relation"], parse_relation)
            self._accept(table, row, "relation", cells["relation"], prob, member)
            member.values["relation"] = value
            if has("sex"):
                sex, prob = self._memo_parse("sex", cells["sex"], lambda v: SEXES.parse(v, blank=""))
                if prob is not None and not member.id_number:
                    self._error(table, row, "sex", cells["sex"], prob)
                    member.ok = False
                elif member.id_number:
                    if sex and sex != member.values["sex"]:
                        self._warn(
                            table, row, "sex", cells["sex"], _problem("sex_mismatch", value=cells["sex"])
                        )
                else:
                    member.values["sex"] = sex or ""
            for key, parser in optional:
                value, prob = self._memo_parse(key, cells[key], parser)
                if self._accept(table, row, key, cells[key], prob, member):
                    member.values[key] = value
            if has("phone"):
                phone, prob = parse_phone(cells["phone"])
                self._accept(table, row, "phone", cells["phone"], prob, member)
                member.phone = phone
            member.key = member.id_index or f"name:{member.values['name']}"
            if member.number:
                self._household(member.number).members.append(member)

    def _member_village(self, table: Table, cells: dict[str, Any], member: MemberRow) -> None:
        row = member.row
        code_text = fold(cells.get("village_code"))
        name_text = (cells.get("village_name") or "").strip()
        if code_text:
            code = code_text.removesuffix(".0")
            if not (len(code) == 12 and code.isdigit()):
                self._error(
                    table,
                    row,
                    "village_code",
                    cells["village_code"],
                    _problem("bad_village_code", value=code_text),
                )
                member.ok = False
                return
            if code not in self.villages:
                self._error(table, row, "village_code", code, _problem("unknown_village_code", value=code))
                member.ok = False
                return
            if not self.allowed(code):
                self._error(table, row, "village_code", code, _problem("village_out_of_scope", value=code))
                member.ok = False
                return
            if name_text and not self._same_village(name_text, code):
                self._warn(
                    table,
                    row,
                    "village_name",
                    name_text,
                    _problem(
                        "village_name_mismatch", value=name_text, code=code, expected=self.villages[code]
                    ),
                )
            member.village = code
        elif name_text:
            code, prob = self._memo_parse("village_name", name_text, self._village_by_name)
            if self._accept(table, row, "village_name", name_text, prob, member):
                member.village = code
        else:
            key = "village_code" if table.has("village_code") else "village_name"
            self._error(table, row, key, "", engine_problem("required"))
            member.ok = False

    def _member_id(self, table: Table, cells: dict[str, Any], member: MemberRow, known_region) -> None:
        row = member.row
        raw = cells["id_number"]
        if raw is None:
            self._warn(table, row, "id_number", "", _problem("no_id"))
            return
        if cells.get("_num_id_number"):
            self._error(table, row, "id_number", raw, Problem("numeric_cell", ID_ERRORS["numeric_cell"]))
            member.ok = False
            return
        try:
            parsed = parse_id_number(raw, known_regions=known_region, today=self.today)
        except IdNumberError as exc:
            self._error(table, row, "id_number", raw, _id_problem(exc))
            member.ok = False
            return
        for code in parsed.warnings:
            self._warn(table, row, "id_number", raw, Problem(code, ID_WARNINGS[code]))
        member.id_number = parsed.number
        member.id_index = crypto.blind_index(parsed.number)
        member.values["sex"] = parsed.sex
        member.values["birth_year"] = parsed.birth_date.year

    # 收支情况

    def _check_years(self, table: Table) -> None:
        has = table.has
        amounts = [key for key in YEAR_AMOUNTS if has(key)]
        parsers = [(key, parser) for key, parser in YEAR_PARSERS if has(key)]
        total = table.frame.height
        for done, cells in enumerate(table.rows(), start=1):
            if done % 10000 == 0:
                self.progress(done, total, gettext_noop("Checking income rows"))
            row = cells["_row"]
            number = self._number(table, cells)
            year, year_prob = self._memo_parse("year", cells["year"], parse_year)
            entry = YearRow(row=row, number=number or "", year=year, ok=number is not None)
            self._accept(table, row, "year", cells["year"], year_prob, entry)
            for key in amounts:  # many distinct values: not worth a memo
                value, prob = parse_amount(cells[key])
                if self._accept(table, row, key, cells[key], prob, entry):
                    entry.values[key] = value
            for key, parser in parsers:
                value, prob = self._memo_parse(key, cells[key], parser)
                if self._accept(table, row, key, cells[key], prob, entry):
                    entry.values[key] = value
            if entry.number:
                self._household(entry.number).years.append(entry)

    # across rows

    def _check_households(self) -> None:
        members_table = self.tables.get(MEMBERS.name)
        years_table = self.tables.get(INCOME.name)
        numbers = list(self.households)
        existing: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(numbers):
            for values in Household.objects.filter(number__in=chunk).values(
                "id",
                *[f.attname for f in snapshot_fields(Household) if f.attname != "id"],
            ):
                existing[values["number"]] = values
        existing_members = self._existing_members([h["id"] for h in existing.values()])
        self.existing_members = existing_members
        by_id: dict[str, list[MemberRow]] = defaultdict(list)

        for number, plan in self.households.items():
            plan.existing = existing.get(number)
            if plan.existing is not None and not self.allowed(plan.existing["region_code"]):
                first = plan.members[0] if plan.members else None
                if first is not None:
                    self._error(
                        members_table,
                        first.row,
                        "number",
                        number,
                        _problem("household_out_of_scope", number=number),
                    )
                    first.ok = False
                else:
                    entry = plan.years[0]
                    self._error(
                        years_table,
                        entry.row,
                        "number",
                        number,
                        _problem("household_out_of_scope", number=number),
                    )
                    entry.ok = False
                plan.ok = False
                continue  # nothing more to say about a household the user may not touch
            if plan.members:
                self._check_household_members(
                    members_table,
                    plan,
                    existing_members.get(plan.existing["id"], []) if plan.existing else [],
                )
                for member in plan.members:
                    if member.id_index:
                        by_id[member.id_index].append(member)
            elif plan.existing is None:
                for entry in plan.years:
                    self._error(
                        years_table, entry.row, "number", number, _problem("unknown_household", number=number)
                    )
                    entry.ok = False
            self._check_household_years(years_table, plan)

        # one person, one household: within the file...
        for members in by_id.values():
            households = {m.number for m in members}
            if len(households) > 1:
                for member in members:
                    other = next(m for m in members if m.number != member.number)
                    self._error(
                        members_table,
                        member.row,
                        "id_number",
                        member.id_number,
                        _problem(
                            "duplicate_id_file", other=other.number, sheet=members_table.sheet, row=other.row
                        ),
                    )
                    member.ok = False
        # ...and against the registry
        index_list = list(by_id)
        for chunk in _chunks(index_list):
            for id_index, number, region_code in Member.objects.filter(id_index__in=chunk).values_list(
                "id_index",
                "household__number",
                "region_code",
            ):
                for member in by_id[id_index]:
                    if member.number != number:
                        prob = (
                            _problem("duplicate_id_registry", other=number)
                            if self.allowed(region_code)
                            else _problem("duplicate_id_hidden")
                        )
                        self._error(members_table, member.row, "id_number", member.id_number, prob)
                        member.ok = False

        for plan in self.households.values():
            plan.ok = plan.ok and all(m.ok for m in plan.members) and all(y.ok for y in plan.years)

    def _existing_members(self, household_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        found: dict[int, list[dict[str, Any]]] = defaultdict(list)
        names = [
            "id",
            "id_index",
            "phone",
            *[f.attname for f in snapshot_fields(Member) if f.attname != "id"],
        ]
        for chunk in _chunks(household_ids):
            for values in Member.objects.filter(household_id__in=chunk).values(*names):
                found[values["household_id"]].append(values)
        return found

    def _check_household_members(self, table: Table, plan: HouseholdPlan, in_registry: list[dict]) -> None:
        first_village = first_type = None
        for member in plan.members:
            for attr, label_key in (
                ("village", "village_code" if table.has("village_code") else "village_name"),
                ("household_type", "household_type"),
            ):
                value = getattr(member, attr)
                if not value:
                    continue
                first = first_village if attr == "village" else first_type
                if first is None:
                    if attr == "village":
                        first_village = member
                    else:
                        first_type = member
                elif getattr(first, attr) != value:
                    self._error(
                        table,
                        member.row,
                        label_key,
                        value,
                        _problem(
                            "household_conflict",
                            number=plan.number,
                            column=table.header(label_key),
                            row=first.row,
                            first=getattr(first, attr),
                        ),
                    )
                    member.ok = False
        plan.village = first_village.village if first_village else ""
        plan.household_type = first_type.household_type if first_type else ""
        # one member per ID (or per name without ID) in the household
        seen: dict[str, MemberRow] = {}
        for member in plan.members:
            if not member.values.get("name"):
                continue
            key = member.key
            if key in seen:
                code = "duplicate_member" if member.id_index else "duplicate_name"
                self._error(
                    table,
                    member.row,
                    "id_number" if member.id_index else "name",
                    member.id_number or member.values["name"],
                    _problem(code, number=plan.number, row=seen[key].row),
                )
                member.ok = False
            else:
                seen[key] = member
        # exactly one head, counting registry members that the file does not mention
        heads = [m for m in plan.members if m.values.get("relation") == Relation.HEAD]
        file_keys = {m.key for m in plan.members}
        registry_heads = [
            m
            for m in in_registry
            if m["relation"] == Relation.HEAD and (m["id_index"] or f"name:{m['name']}") not in file_keys
        ]
        if not heads and not registry_heads:
            first = plan.members[0]
            self._error(
                table,
                first.row,
                "relation",
                first.values.get("relation") or "",
                _problem("no_head", number=plan.number),
            )
            first.ok = False
        for member in heads[1:]:
            self._error(
                table,
                member.row,
                "relation",
                "户主",
                _problem("several_heads", number=plan.number, row=heads[0].row),
            )
            member.ok = False
        if heads and registry_heads:
            self._error(
                table,
                heads[0].row,
                "relation",
                "户主",
                _problem("several_heads_registry", number=plan.number),
            )
            heads[0].ok = False

    def _check_household_years(self, table: Table | None, plan: HouseholdPlan) -> None:
        seen: dict[int, YearRow] = {}
        for entry in plan.years:
            if entry.year is None:
                continue
            if entry.year in seen:
                self._error(
                    table,
                    entry.row,
                    "year",
                    entry.year,
                    _problem("duplicate_year", number=plan.number, year=entry.year, row=seen[entry.year].row),
                )
                entry.ok = False
            else:
                seen[entry.year] = entry

    def _count_rows(self) -> None:
        report = self.report
        total = sum(t.frame.height for t in self.tables.values())  # before the frames are released
        accepted = sum(len(p.members) + len(p.years) for p in self.households.values() if p.ok)
        report.total, report.accepted, report.rejected = total, accepted, total - accepted

    # what a commit would do

    def _plan_changes(self) -> None:
        """Compare every accepted household with the registry (also for a dry run)."""
        self.batch = self.report.batch
        counts = {
            kind: {"created": 0, "updated": 0, "unchanged": 0} for kind in ("households", "members", "years")
        }
        plans = [p for p in self.households.values() if p.ok]
        existing_ids = [p.existing["id"] for p in plans if p.existing]
        years_by_household: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
        names = ["id", *[f.attname for f in snapshot_fields(HouseholdYear) if f.attname != "id"]]
        for chunk in _chunks(existing_ids):
            for values in HouseholdYear.objects.filter(household_id__in=chunk).values(*names):
                years_by_household[values["household_id"]][values["year"]] = values
        members_present = set(_member_fields_present(self.tables.get(MEMBERS.name)))
        phone_present = bool(self.tables.get(MEMBERS.name) and self.tables[MEMBERS.name].has("phone"))
        years_present = set(_year_fields_present(self.tables.get(INCOME.name)))
        self.writes = Writes()
        for plan in plans:
            self._plan_household(
                plan, years_by_household, members_present, phone_present, years_present, counts
            )
        report = self.report
        report.details = counts
        report.created = counts["households"]["created"]
        report.updated = sum(1 for p in plans if p.existing and p.changed)
        report.unchanged = sum(1 for p in plans if p.existing and not p.changed)

    def _plan_household(
        self,
        plan: HouseholdPlan,
        years_by_household,
        members_present: set[str],
        phone_present: bool,
        years_present: set[str],
        counts: dict,
    ) -> None:
        writes = self.writes
        existing = plan.existing
        registry_members = self.existing_members.get(existing["id"], []) if existing else []
        # the household itself
        if existing is None:
            village = plan.village
            values = {
                "number": plan.number,
                "village_id": village,
                "region_code": village,
                "household_type": plan.household_type,
                "no_labour": False,
                "relocated": False,
                "settlement": "",
                "address": "",
                "import_batch": self.batch,
            }
            writes.new_households.append(values)
            counts["households"]["created"] += 1
            plan.changed = True
        else:
            values = dict(existing)
            if plan.members:
                values["village_id"] = values["region_code"] = plan.village
                values["household_type"] = plan.household_type
        # members: file rows over registry rows
        by_key = {(m["id_index"] or f"name:{m['name']}"): m for m in registry_members}
        final_members: dict[str, dict[str, Any]] = {k: dict(m) for k, m in by_key.items()}
        for member in plan.members:
            old = by_key.get(member.key)
            if old is None and not member.id_index:
                old = None
            new = (
                dict(old)
                if old
                else {
                    **MEMBER_DEFAULTS,
                    "id_type": IdType.RESIDENT,
                    "id_index": "",
                    "id_masked": "",
                    "phone_masked": "",
                    "disability_grade": None,
                }
            )
            for name in members_present:
                if name in member.values:
                    new[name] = member.values[name]
            if member.id_index:
                new["id_index"] = member.id_index
                new["id_masked"] = mask_id_number(member.id_number)
                new["id_type"] = IdType.RESIDENT
            if phone_present:
                new["phone"] = member.phone or ""
                new["phone_masked"] = crypto.mask_phone(new["phone"])
            new["region_code"] = values["region_code"]
            final_members[member.key] = new
            member.values = {}  # now in ``new``: halve the memory of a county-sized file
            changed_fields = _changed(old, new, MEMBER_COMPARED)
            if old is None:
                writes.new_members.append((plan.number, member, new))
                counts["members"]["created"] += 1
            elif changed_fields:
                writes.changed_members.append((old, new, changed_fields))
                counts["members"]["updated"] += 1
            else:
                counts["members"]["unchanged"] += 1
            plan.changed = plan.changed or old is None or bool(changed_fields)
        if plan.members:
            values["no_labour"] = not any(m.get("labour") in Labour.able() for m in final_members.values())
        if existing is not None:
            changed_fields = _changed(existing, values, HOUSEHOLD_COMPARED)
            if changed_fields:
                values["import_batch"] = self.batch
                writes.changed_households.append((existing, values, changed_fields | {"import_batch"}))
                counts["households"]["updated"] += 1
                plan.changed = True
            else:
                counts["households"]["unchanged"] += 1
            if values["region_code"] != existing["region_code"]:
                writes.moved_households.append((existing["id"], values["region_code"]))
        # years
        member_count = len(final_members)
        uninsured = any(not m.get("medical_insured", True) for m in final_members.values())
        registry_years = years_by_household.get(existing["id"], {}) if existing else {}
        for entry in plan.years:
            old = registry_years.get(entry.year)
            new = dict(old) if old else {**YEAR_DEFAULTS, "year": entry.year}
            for name in years_present:
                if name in entry.values:
                    new[name] = entry.values[name]
            new["member_count"] = member_count
            new["uninsured_member"] = uninsured
            new["region_code"] = values["region_code"]
            changed_fields = _changed(old, new, YEAR_COMPARED)
            if old is None:
                writes.new_years.append((plan.number, new))
                counts["years"]["created"] += 1
            elif changed_fields:
                writes.changed_years.append((old, new, changed_fields))
                counts["years"]["updated"] += 1
            else:
                counts["years"]["unchanged"] += 1
            plan.changed = plan.changed or old is None or bool(changed_fields)

    # commit

    def _write(self) -> None:
        writes = self.writes
        now = timezone.now()
        stamp = Household._meta.get_field("updated_at").get_db_prep_save(now, connection)
        total = writes.size()
        done = 0
        changes: list[Change] = []

        def flush_changes(force: bool = False) -> None:
            if changes and (force or len(changes) >= 5000):
                record_changes(changes)
                changes.clear()

        # households
        insert_rows(
            Household,
            HOUSEHOLD_BULK_FIELDS,
            (
                (
                    v["number"],
                    v["village_id"],
                    v["region_code"],
                    v["household_type"],
                    v["no_labour"],
                    v["relocated"],
                    v["settlement"],
                    v["address"],
                    v["import_batch"],
                )
                for v in writes.new_households
            ),
        )
        household_ids: dict[str, int] = {}
        for chunk in _chunks([v["number"] for v in writes.new_households]):
            household_ids.update(Household.objects.filter(number__in=chunk).values_list("number", "id"))
        for values in writes.new_households:
            values["id"] = household_ids[values["number"]]
            changes.append(_change("create", Household, values, None, values))
            flush_changes()
        for plan in self.households.values():
            if plan.existing:
                household_ids[plan.number] = plan.existing["id"]
        self._update(Household, writes.changed_households, stamp, changes, flush_changes)
        for household_id, region_code in writes.moved_households:
            Member.objects.filter(household_id=household_id).update(region_code=region_code)
            HouseholdYear.objects.filter(household_id=household_id).update(region_code=region_code)
        done += len(writes.new_households) + len(writes.changed_households)
        self.progress(done, total, gettext_noop("Writing to the registry"))

        # members
        encrypt = crypto.encrypt
        for chunk in _chunks(writes.new_members, 5000):
            rows = []
            for number, member, new in chunk:
                new["household_id"] = household_ids[number]
                rows.append(
                    (
                        new["household_id"],
                        new["region_code"],
                        new["name"],
                        new["sex"],
                        new["id_type"],
                        encrypt(member.id_number) if member.id_number else "",
                        new["id_index"],
                        new["id_masked"],
                        new["birth_year"],
                        new["relation"],
                        new["ethnicity"],
                        new["education"],
                        new["schooling"],
                        new["health"],
                        new["disability_grade"],
                        new["labour"],
                        new["work_location"],
                        new["work_months"],
                        encrypt(new["phone"]) if new["phone"] else "",
                        new["phone_masked"],
                        new["medical_insured"],
                        new["pension_insured"],
                        new["dibao"],
                        new["tekun"],
                    )
                )
            insert_rows(Member, MEMBER_BULK_FIELDS, rows)
            self._read_back_member_ids(chunk)
            for _number, _member, new in chunk:
                changes.append(_change("create", Member, new, None, new))
            flush_changes()
            done += len(chunk)
            self.progress(done, total, gettext_noop("Writing to the registry"))
        self._update(Member, writes.changed_members, stamp, changes, flush_changes)
        done += len(writes.changed_members)

        # years
        for chunk in _chunks(writes.new_years, 5000):
            rows = []
            for number, new in chunk:
                new["household_id"] = household_ids[number]
                rows.append(
                    (
                        new["household_id"],
                        new["region_code"],
                        new["year"],
                        new["member_count"],
                        *(new[k] for k in YEAR_AMOUNTS),
                        new["housing_grade"],
                        new["water_secured"],
                        new["dropout"],
                        new["uninsured_member"],
                    )
                )
            insert_rows(HouseholdYear, YEAR_BULK_FIELDS, rows)
            ids: dict[tuple[int, int], int] = {}
            for id_chunk in _chunks(sorted({new["household_id"] for _n, new in chunk})):
                ids.update(
                    ((h, y), pk)
                    for pk, h, y in HouseholdYear.objects.filter(household_id__in=id_chunk).values_list(
                        "id", "household_id", "year"
                    )
                )
            for _number, new in chunk:
                new["id"] = ids[(new["household_id"], new["year"])]
                changes.append(_change("create", HouseholdYear, new, None, new))
            flush_changes()
            done += len(chunk)
            self.progress(done, total, gettext_noop("Writing to the registry"))
        self._update(HouseholdYear, writes.changed_years, stamp, changes, flush_changes)
        flush_changes(force=True)
        self.progress(total, total, gettext_noop("Writing to the registry"))

    def _read_back_member_ids(self, chunk: Sequence[tuple[str, MemberRow, dict[str, Any]]]) -> None:
        """Raw inserts return no keys: find each new member by (household, blind index or name)."""
        wanted = {
            (new["household_id"], new["id_index"] or f"name:{new['name']}"): new for _n, _m, new in chunk
        }
        for id_chunk in _chunks(sorted({new["household_id"] for _n, _m, new in chunk})):
            for pk, household_id, id_index, name in Member.objects.filter(
                household_id__in=id_chunk
            ).values_list(
                "id",
                "household_id",
                "id_index",
                "name",
            ):
                new = wanted.get((household_id, id_index or f"name:{name}"))
                if new is not None and "id" not in new:
                    new["id"] = pk

    def _update(self, model, items, stamp, changes: list[Change], flush) -> None:
        """One UPDATE statement per set of changed columns, run with executemany. Members are
        matched by their blind index, so an update never changes the ID number; a changed phone
        is encrypted afresh, an unchanged one is not touched."""
        groups: dict[tuple[str, ...], list[tuple]] = defaultdict(list)
        for old, new, changed_fields in items:
            if "phone" in changed_fields:
                changed_fields = changed_fields | {"phone_masked"}
            columns = tuple(sorted(changed_fields))
            values = []
            for name in columns:
                value = new[name]
                if name == "phone":
                    value = crypto.encrypt(value) if value else ""
                values.append(value)
            groups[columns].append((*values, stamp, old["id"]))
            new["id"] = old["id"]
            changes.append(_change("update", model, new, old, new))
            flush()
        opts = model._meta
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for columns, rows in groups.items():
                assignments = ", ".join(
                    f"{quote(opts.get_field(_field_name(model, c)).column)} = %s"
                    for c in (*columns, "updated_at")
                )
                sql = f"UPDATE {quote(opts.db_table)} SET {assignments} WHERE {quote(opts.pk.column)} = %s"
                cursor.executemany(sql, rows)


@dataclass
class Writes:
    new_households: list[dict[str, Any]] = field(default_factory=list)
    changed_households: list[tuple[dict, dict, set[str]]] = field(default_factory=list)
    moved_households: list[tuple[int, str]] = field(default_factory=list)
    new_members: list[tuple[str, MemberRow, dict[str, Any]]] = field(default_factory=list)
    changed_members: list[tuple[dict, dict, set[str]]] = field(default_factory=list)
    new_years: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    changed_years: list[tuple[dict, dict, set[str]]] = field(default_factory=list)

    def size(self) -> int:
        return (
            len(self.new_households)
            + len(self.changed_households)
            + len(self.new_members)
            + len(self.changed_members)
            + len(self.new_years)
            + len(self.changed_years)
        )


HOUSEHOLD_COMPARED = ("village_id", "region_code", "household_type", "no_labour")
MEMBER_COMPARED = (
    "region_code",
    "name",
    "sex",
    "id_index",
    "birth_year",
    "relation",
    "ethnicity",
    "education",
    "schooling",
    "health",
    "labour",
    "work_location",
    "work_months",
    "phone",
    "medical_insured",
    "pension_insured",
    "dibao",
    "tekun",
)
YEAR_COMPARED = (
    "region_code",
    "member_count",
    *YEAR_AMOUNTS,
    "housing_grade",
    "water_secured",
    "dropout",
    "uninsured_member",
)


def _member_fields_present(table: Table | None) -> Iterable[str]:
    """Member fields this file sets: its optional columns, plus what the ID number gives."""
    if table is None:
        return ()
    present = {field for field, column in MEMBER_COLUMNS.items() if table.has(column)}
    present |= {"sex", "birth_year"}
    return present


def _year_fields_present(table: Table | None) -> Iterable[str]:
    if table is None:
        return ()
    return {k for k in (*YEAR_AMOUNTS, "housing_grade", "water_secured", "dropout") if table.has(k)}


def _changed(old: dict[str, Any] | None, new: dict[str, Any], fields: Sequence[str]) -> set[str]:
    if old is None:
        return set(fields)
    changed = set()
    for name in fields:
        a, b = old.get(name), new.get(name)
        if a != b and not (a in (None, "") and b in (None, "")):
            changed.add(name)
    return changed


def _field_name(model, column_name: str) -> str:
    return {"village_id": "village", "household_id": "household"}.get(column_name, column_name)


_SNAPSHOT_NAMES: dict[type, list[str]] = {}


def _snapshot(model, values: dict[str, Any]) -> dict[str, Any]:
    """The same shape as :func:`shouwang.registry.audit.snapshot`, built from plain values."""
    names = _SNAPSHOT_NAMES.get(model)
    if names is None:
        names = _SNAPSHOT_NAMES[model] = [f.attname for f in snapshot_fields(model)]
    result = {}
    for name in names:
        value = values.get(name)
        result[name] = str(value) if isinstance(value, Decimal) else value
    return result


def _change(action: str, model, values: dict[str, Any], before: dict | None, after: dict | None) -> Change:
    repr_ = values.get("number") or values.get("id_masked") or values.get("name") or ""
    if model is HouseholdYear:
        repr_ = str(values.get("year", ""))
    return Change(
        action=action,
        object_type=model._meta.label_lower,
        object_id=values.get("id"),
        object_repr=str(repr_),
        region_code=values.get("region_code", ""),
        before=_snapshot(model, before) if before is not None else None,
        after=_snapshot(model, after) if after is not None else None,
    )


def import_registry(
    files: Sequence[tuple[bytes | str | Path | IO[bytes], str]],
    *,
    user=None,
    commit: bool = False,
    allow_partial: bool = False,
    progress: Progress | None = None,
) -> Report:
    """Check and (when ``commit``) import registry files; see the module docstring for the rules."""
    return RegistryImport(user, allow_partial=allow_partial, progress=progress).run(files, commit=commit)
