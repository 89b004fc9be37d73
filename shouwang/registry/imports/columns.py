"""The registry spreadsheet's layout and vocabulary: its two sheets with their columns (headers and
the synonyms a county's files use for them), and the Chinese values of its cells mapped to the
model choices.
"""

from __future__ import annotations

import re

from shouwang.core.imports import Choices, Column, SheetSpec

from ..households.models import (
    Education,
    Health,
    HouseholdType,
    HousingGrade,
    Labour,
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
        **dict.fromkeys(("子", "儿子", "长子", "次子", "三子", "四子", "五子", "独子", "养子", "继子", "之长子",
                         "之次子", "之三子", "之养子", "之继子"), Relation.SON),
        **dict.fromkeys(("女", "女儿", "长女", "次女", "三女", "四女", "五女", "独女", "养女", "继女", "之长女",
                         "之次女", "之三女", "之养女", "之继女"), Relation.DAUGHTER),
        **dict.fromkeys(("儿媳", "媳妇", "儿媳妇", "之媳"), Relation.DAUGHTER_IN_LAW),
        "女婿": Relation.SON_IN_LAW,
        **dict.fromkeys(("孙子", "孙女", "孙子女", "之孙子", "之孙女", "外孙", "外孙子", "外孙女", "之外孙子",
                         "之外孙女", "之外孙子女", "外孙子女", "曾孙", "之曾孙子", "之曾孙女", "曾孙子女", "之曾孙子女",
                         "孙媳", "之孙媳", "孙女婿"), Relation.GRANDCHILD),
        **dict.fromkeys(("父", "母", "父亲", "母亲", "父母", "之父", "之母", "继父", "继母", "养父",
                         "养母"), Relation.PARENT),
        **dict.fromkeys(("岳父", "岳母", "公公", "婆婆", "公婆", "岳父母", "之岳父", "之岳母", "之公公", "之婆婆",
                         "之公婆", "之岳父母"), Relation.PARENT_IN_LAW),
        **dict.fromkeys(("祖父", "祖母", "祖父母", "外祖父", "外祖母", "外祖父母", "之祖父", "之祖母", "之外祖父",
                         "之外祖母", "之外祖父母", "爷爷", "奶奶"), Relation.GRANDPARENT),
        **dict.fromkeys(("兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹", "兄弟姐妹", "之兄", "之弟", "之姐",
                         "之妹", "之兄弟", "之姐妹", "兄弟", "姐妹", "兄妹", "姐弟"), Relation.SIBLING),
        **dict.fromkeys(("之其他", "其它", "侄子", "侄女", "之侄子", "之侄女", "外甥", "外甥女", "之外甥", "之外甥女",
                         "其他亲属", "非亲属"), Relation.OTHER),
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
