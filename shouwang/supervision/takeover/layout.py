"""The national system's export layout: its sheets, columns and code tables (national-layout.md).

One place for what the takeover import reads, the export writes and the synthetic generator
produces, so the three agree: :data:`PEOPLE` (the custom export 监测对象信息 / 基础信息 户信息: one row
per person, grouped by 户编号, header on the third row) and :data:`WORK` (the work-monitoring sheet
已外出务工: one row per work spell). Headers vary by export version and province: each column has
its synonyms here, and a county adds more in the synonym table (:mod:`.models`), never by letter.

Each column has a *kind*: ``person`` (one value per person row), ``household`` (the same on every
row of a household: incomes, guarantees, the monitoring record), or ``extra`` (kept as text and
written back, not modelled: land areas, the post-elimination block FI–FU...). A column in
:data:`EXPORT_ORDER` is written back in that order, which follows the column letters the public
checker names (E 户编号, M 监测对象类别, AO 在校生状况 ... FI–FU the post-elimination block).

The code tables map the national Chinese labels to Shouwang's values (model choices, catalogue
codes); labels are matched after folding full-width forms, spaces and case. Export writes the
label a person's row was imported with when it still means the current value, else the canonical
(first) label here.
"""

from __future__ import annotations

from dataclasses import dataclass

from shouwang.cases.casefiles.models import Category, EliminationMode
from shouwang.core.imports import Choices, Column, SheetSpec
from shouwang.registry.households.models import (
    Education,
    Health,
    HouseholdType,
    IdType,
    Labour,
    Relation,
    Schooling,
    Sex,
)

LAYOUT_VERSION = "national-2023-12"
TITLE_ROWS = 2  # the header is the third row

PERSON, HOUSEHOLD, EXTRA_PERSON, EXTRA_HOUSEHOLD = "person", "household", "extra_person", "extra_household"


@dataclass(frozen=True)
class NationalColumn:
    """A column of the national export: its key, canonical header, synonyms and kind."""

    key: str
    header: str
    synonyms: tuple[str, ...] = ()
    kind: str = PERSON
    required: bool = False
    id_cell: bool = False
    sensitive: str = ""
    max_length: int = 200

    def engine_column(self) -> Column:
        return Column(
            self.key, self.header, self.synonyms, required=self.required, id_cell=self.id_cell,
            numeric_from=16 if self.id_cell else 0, sensitive=self.sensitive, max_length=self.max_length,
        )


C = NationalColumn

# Measure columns of the monitoring record: header → measure-type code (cases.catalogue.seed).
MEASURE_COLUMNS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # (key, header, measure type code, synonyms)
    ("m_industry", "产业帮扶", "industry", ("产业帮扶措施",)),
    ("m_employment", "就业帮扶", "employment", ("就业帮扶措施",)),
    ("m_microcredit", "金融帮扶", "microcredit", ("金融帮扶措施", "小额信贷")),
    ("m_public_welfare_job", "公益岗位帮扶", "public_welfare_job", ("公益性岗位帮扶",)),
    ("m_health", "健康帮扶", "health", ("健康帮扶措施",)),
    ("m_compulsory_education", "义务教育保障", "compulsory_education", ("义务教育保障措施",)),
    ("m_other_education", "教育帮扶", "other_education", ("其他教育帮扶", "教育帮扶措施")),
    ("m_social_protection", "综合保障", "social_protection", ("综合保障措施", "兜底保障")),
    ("m_housing", "住房安全保障", "housing", ("住房安全保障措施",)),
    ("m_water", "饮水安全保障", "water", ("饮水安全保障措施",)),
    ("m_social_assistance", "社会帮扶", "social_assistance", ("社会帮扶措施",)),
    ("m_relocation", "搬迁", "relocation", ("易地扶贫搬迁", "搬迁帮扶")),
    ("m_living_conditions", "生产生活条件改善", "living_conditions", ()),
    ("m_infrastructure", "基础设施建设", "infrastructure", ()),
)
MEASURE_TYPE_OF = {key: code for key, _h, code, _s in MEASURE_COLUMNS}

RISK_KEYS = ("risk1", "risk2", "risk3", "risk4", "risk5")

# The post-elimination block FI–FU (national-layout.md §1.2), in order.
POST_ELIMINATION: tuple[tuple[str, str], ...] = (
    ("post_dropout", "风险消除后是否义务教育阶段适龄儿童少年失学辍学"),
    ("post_housing", "风险消除后是否住房损毁"),
    ("post_uninsured", "风险消除后是否有家庭成员未参加城乡居民（职工）基本医疗保险"),
    ("post_water", "风险消除后是否饮水设施损毁"),
    ("post_wage", "风险消除后工资性收入"),
    ("post_property", "风险消除后财产性收入"),
    ("post_transfer", "风险消除后转移性收入"),
    ("post_business", "风险消除后生产经营性收入"),
    ("post_costs", "风险消除后生产经营性支出"),
    ("post_net", "风险消除后家庭纯收入"),
    ("post_per_capita", "风险消除后家庭人均纯收入"),
    ("post_payouts", "风险消除后理赔收入"),
    ("post_out_of_pocket", "风险消除后合规自付支出"),
)

COLUMNS: tuple[NationalColumn, ...] = (
    # area and identity (A–L)
    C("city", "市", ("市（州）", "地市", "市州"), kind=EXTRA_HOUSEHOLD),
    C("county", "县", ("县(市、区、旗)", "县（市、区）", "县区", "区县", "县市区"), kind=EXTRA_HOUSEHOLD),
    C("township", "乡", ("乡(镇)", "乡（镇、街道）", "乡镇", "镇"), kind=HOUSEHOLD),
    C("village", "村", ("行政村", "村（社区）", "村名", "所在村"), kind=HOUSEHOLD, required=True),
    C("number", "户编号", ("户编码", "户码", "家庭编号"), kind=HOUSEHOLD, required=True, id_cell=True,
      max_length=40),
    C("person_number", "人编号", ("人口编号", "成员编号", "人员编号"), kind=EXTRA_PERSON, id_cell=True),
    C("name", "姓名", ("成员姓名", "人员姓名"), required=True, max_length=60),
    C("id_type", "证件类型", ("身份证件类型",)),
    C("id_number", "证件号码", ("身份证号码", "身份证号", "公民身份号码", "证件号"), required=True, id_cell=True,
      sensitive="id"),
    C("sex", "性别"),
    C("relation", "与户主关系", ("与户主的关系",), required=True),
    C("household_type", "户类型", ("农户类型", "户属性"), kind=HOUSEHOLD),
    C("category", "监测对象类别", ("监测对象类型", "监测户类别", "监测类别"), kind=HOUSEHOLD),
    # person
    C("birth", "出生日期", ("出生年月",), kind=EXTRA_PERSON),
    C("ethnicity", "民族", max_length=20),
    C("household_phone", "户联系电话", ("农户联系电话", "户主联系电话"), kind=HOUSEHOLD, sensitive="phone"),
    C("phone", "家庭成员联系电话", ("成员联系电话", "联系电话", "个人联系电话"), sensitive="phone"),
    C("education", "文化程度", ("学历",)),
    C("schooling", "在校生状况", ("在校生情况", "在校情况")),
    C("out_of_school_reason", "义务教育阶段未上学原因", ("失学或辍学原因", "失辍学原因"), kind=EXTRA_PERSON),
    C("health", "健康状况", ("健康情况",)),
    C("labour", "劳动技能", ("劳动能力",)),
    C("work_location", "务工所在地", ("务工地点", "务工所在地区"), max_length=100),
    C("work_months", "务工时间（月）", ("务工时长（月）", "务工月数", "务工时长")),
    C("public_job", "公益性岗位", ("公益岗位", "公益性岗位类型"), kind=EXTRA_PERSON),
    C("public_job_months", "公益性岗位(月数)", ("聘用月数",), kind=EXTRA_PERSON),
    C("medical_resident", "是否参加城乡居民基本医疗保险",
      ("是否参加新型农村合作医疗（城乡居民基本医疗保险）",)),
    C("medical_employee", "是否参加城镇职工基本医疗保险"),
    C("serious_illness_insured", "是否参加大病保险", kind=EXTRA_PERSON),
    C("pension_resident", "是否参加城乡居民基本养老保险"),
    C("pension_employee", "是否参加城镇职工基本养老保险"),
    C("medical_aid", "是否接受医疗救助", ("是否接受大病医疗救助",), kind=EXTRA_PERSON),
    C("dibao", "享受低保政策情况", ("是否享受低保", "享受低保")),
    C("tekun", "享受特困供养政策情况", ("是否特困供养人员", "享受特困供养")),
    # household conditions
    C("dangerous_house", "是否危房户", ("是否危房",), kind=HOUSEHOLD),
    C("water_secured", "是否解决安全饮用水", ("是否饮水安全", "饮水是否安全"), kind=HOUSEHOLD),
    C("toilet", "是否有卫生厕所", kind=EXTRA_HOUSEHOLD),
    C("electricity", "是否通生活用电", kind=EXTRA_HOUSEHOLD),
    C("road", "入户道路是否硬化", kind=EXTRA_HOUSEHOLD),
    C("house_area", "住房面积", ("住房面积（平方米）",), kind=EXTRA_HOUSEHOLD),
    C("farmland", "耕地面积（亩）", ("耕地面积",), kind=EXTRA_HOUSEHOLD),
    C("forest", "林地面积（亩）", ("林地面积",), kind=EXTRA_HOUSEHOLD),
    # the monitoring record (the same on every row of a household)
    C("no_labour_safety_net", "整户无劳动能力兜底保障户", ("是否兜底保障户", "是否整户无劳动能力兜底保障户"),
      kind=HOUSEHOLD),
    C("risk1", "致贫/返贫风险1", ("致贫返贫风险1", "致贫（返贫）风险1", "致贫/返贫风险", "致贫返贫风险", "致贫风险",
                             "返贫致贫风险", "风险类型"), kind=HOUSEHOLD),
    C("risk2", "致贫/返贫风险2", ("致贫返贫风险2", "致贫（返贫）风险2"), kind=HOUSEHOLD),
    C("risk3", "致贫/返贫风险3", ("致贫返贫风险3", "致贫（返贫）风险3"), kind=HOUSEHOLD),
    C("risk4", "致贫/返贫风险4", ("致贫返贫风险4", "致贫（返贫）风险4"), kind=HOUSEHOLD),
    C("risk5", "致贫/返贫风险5", ("致贫返贫风险5", "致贫（返贫）风险5"), kind=HOUSEHOLD),
    C("disaster_kind", "因自然灾害子项", ("自然灾害子项", "自然灾害类型"), kind=HOUSEHOLD),
    C("dropout", "是否义务教育阶段适龄儿童少年失学辍学", ("是否有失学辍学", "是否失学辍学"), kind=HOUSEHOLD),
    C("uninsured", "是否有家庭成员未参加城乡居民（职工）基本医疗保险",
      ("是否有成员未参加基本医疗保险",), kind=EXTRA_HOUSEHOLD),
    C("eliminated", "风险是否已消除", ("风险是否已消除0", "是否风险消除", "风险已消除"), kind=HOUSEHOLD),
    C("identified_month", "识别监测时间", ("识别时间", "纳入监测时间", "识别监测年月"), kind=HOUSEHOLD),
    C("elimination_mode", "风险消除方式", ("消除方式",), kind=HOUSEHOLD),
    C("eliminated_month", "消除监测时间", ("风险消除时间", "消除时间"), kind=HOUSEHOLD),
    C("contact_name", "信息采集人", ("监测联系人", "帮扶联系人"), kind=HOUSEHOLD, max_length=60),
    C("contact_phone", "信息采集人联系电话", ("监测联系人联系电话", "监测联系人电话", "帮扶联系人电话"), kind=HOUSEHOLD,
      sensitive="phone"),
    # income at identification (the year's incomes)
    C("per_capita", "人均纯收入（元）", ("人均纯收入", "家庭人均纯收入"), kind=HOUSEHOLD),
    C("net_income", "家庭纯收入", ("家庭纯收入（元）",), kind=EXTRA_HOUSEHOLD),
    C("wage_income", "工资性收入", ("工资性收入（元）",), kind=HOUSEHOLD),
    C("business_income", "生产经营性收入", ("生产经营性收入（元）",), kind=HOUSEHOLD),
    C("property_income", "财产性收入", ("财产性收入（元）",), kind=HOUSEHOLD),
    C("transfer_income", "转移性收入", ("转移性收入（元）",), kind=HOUSEHOLD),
    C("business_costs", "生产经营性支出", ("生产经营性支出（元）",), kind=HOUSEHOLD),
    C("compliant_out_of_pocket", "合规自付支出", ("合规自付支出（元）",), kind=HOUSEHOLD),
    C("insurance_payouts", "理赔收入", ("理赔收入（元）",), kind=HOUSEHOLD),
    C("tekun_allowance", "特困人员救助供养金", kind=EXTRA_HOUSEHOLD),
    # measures
    C("development", "实施开发式帮扶措施情况", ("开发式帮扶措施实施情况",), kind=EXTRA_HOUSEHOLD),
    *(C(key, header, synonyms, kind=HOUSEHOLD) for key, header, _code, synonyms in MEASURE_COLUMNS),
    C("public_job_note", "公益性岗位帮扶其他备注", ("公益岗位帮扶其他备注",), kind=EXTRA_HOUSEHOLD),
    # after elimination (FI–FU)
    *(C(key, header, kind=EXTRA_HOUSEHOLD) for key, header in POST_ELIMINATION),
)

BY_KEY = {c.key: c for c in COLUMNS}
EXPORT_ORDER = tuple(c.key for c in COLUMNS)
PERSON_KEYS = tuple(c.key for c in COLUMNS if c.kind == PERSON)
HOUSEHOLD_KEYS = tuple(c.key for c in COLUMNS if c.kind == HOUSEHOLD)
EXTRA_PERSON_KEYS = tuple(c.key for c in COLUMNS if c.kind == EXTRA_PERSON)
EXTRA_HOUSEHOLD_KEYS = tuple(c.key for c in COLUMNS if c.kind == EXTRA_HOUSEHOLD)
PHONE_KEYS = frozenset({"phone", "household_phone", "contact_phone"})  # kept encrypted, never as raw text
INCOME_KEYS = (
    "wage_income", "business_income", "property_income", "transfer_income", "business_costs",
    "compliant_out_of_pocket", "insurance_payouts",
)

PEOPLE_NAMES = ("监测对象信息", "自定义基础表", "基础信息", "（自定义）监测对象信息", "（基础信息）户信息")

# The work-monitoring sheet 已外出务工: several rows per person, one per work spell.
WORK_COLUMNS: tuple[NationalColumn, ...] = (
    C("number", "户编号", ("户编码", "户码"), kind=HOUSEHOLD, required=True, id_cell=True, max_length=40),
    C("id_number", "证件号码", ("身份证号码", "身份证号", "公民身份号码"), required=True, id_cell=True, sensitive="id"),
    C("start", "开始时间", ("务工开始时间",), required=True),
    C("end", "结束时间", ("务工结束时间",)),
    C("working", "是否已务工"),
    C("work_county", "务工所在县", ("务工所在地", "务工地点"), max_length=100),
    C("monthly_wage", "务工月收入", ("月收入",)),
    C("employer", "务工企业名称", ("企业名称",)),
    C("industry", "所属行业"),
    C("channel", "就业渠道"),
    C("point_to_point", "是否点对点输送"),
    C("transport_subsidy", "年度交通费补助", ("交通费补助",)),
)
WORK_ORDER = tuple(c.key for c in WORK_COLUMNS)

WORK_NAMES = ("已外出务工", "务工月监测已外出务工表", "已外出务工信息", "（务工月监测）已外出务工信息")


def people_spec(extra_synonyms: dict[str, tuple[str, ...]] | None = None) -> SheetSpec:
    """The person sheet, with the county's own header synonyms (key → headers) added."""
    return _spec("监测对象信息", PEOPLE_NAMES, COLUMNS, extra_synonyms)


def work_spec(extra_synonyms: dict[str, tuple[str, ...]] | None = None) -> SheetSpec:
    return _spec("已外出务工", WORK_NAMES, WORK_COLUMNS, extra_synonyms)


def _spec(name, names, columns, extra_synonyms) -> SheetSpec:
    extra = extra_synonyms or {}
    engine = []
    for column in columns:
        col = column.engine_column()
        if extra.get(column.key):
            col = Column(col.key, col.label, (*col.synonyms, *extra[column.key]), col.required, col.id_cell,
                         col.numeric_from, col.sensitive, col.max_length)
        engine.append(col)
    return SheetSpec(name=name, sheet_names=names, columns=tuple(engine))


# --- code tables ------------------------------------------------------------------------------------

YES, NO = "是", "否"

# Each table: canonical labels (first is written on export) → value, then accepted synonyms.
TABLES: dict[str, tuple[dict[str, object], dict[str, object]]] = {
    "category": (
        {"脱贫不稳定户": Category.UNSTABLE_EX_POOR, "边缘易致贫户": Category.EDGE,
         "突发严重困难户": Category.SUDDEN},
        {"脱贫不稳定": Category.UNSTABLE_EX_POOR, "边缘易致贫": Category.EDGE, "突发严重困难": Category.SUDDEN,
         "边缘户": Category.EDGE, "突发困难户": Category.SUDDEN},
    ),
    "household_type": (
        {"脱贫户": HouseholdType.EX_POOR, "一般农户": HouseholdType.ORDINARY},
        {"一般户": HouseholdType.ORDINARY, "农户": HouseholdType.ORDINARY, "非脱贫户": HouseholdType.ORDINARY,
         "建档立卡户": HouseholdType.EX_POOR, "脱贫户(含监测)": HouseholdType.EX_POOR},
    ),
    "risk": (
        {"因病": "YB", "因学": "YX", "因残": "YC", "因自然灾害": "YZRZH", "因意外事故": "YYWSG",
         "因产业项目失败": "YCYXMSB", "因务工就业不稳": "YWGJYBW", "缺劳动力": "QLDL", "其他": "QT"},
        {"因灾": "YZRZH", "自然灾害": "YZRZH", "因意外": "YYWSG", "意外事故": "YYWSG", "因产业失败": "YCYXMSB",
         "因务工不稳": "YWGJYBW", "务工就业不稳": "YWGJYBW", "缺劳力": "QLDL", "其它": "QT"},
    ),
    "disaster_kind": (
        {"洪涝灾害": "YZRZH_HL", "地质灾害": "YZRZH_DZ", "旱灾": "YZRZH_HZ", "生物灾害": "YZRZH_SW",
         "气象灾害": "YZRZH_QX", "地震灾害": "YZRZH_DZZ", "其他自然灾害": "YZRZH_QT"},
        {"洪涝": "YZRZH_HL", "地质": "YZRZH_DZ", "旱": "YZRZH_HZ", "干旱": "YZRZH_HZ", "生物": "YZRZH_SW",
         "气象": "YZRZH_QX", "地震": "YZRZH_DZZ", "其他": "YZRZH_QT", "其它": "YZRZH_QT"},
    ),
    "elimination_mode": (
        {"帮扶消除": EliminationMode.ASSISTANCE, "自然消除": EliminationMode.NATURAL},
        {"帮扶": EliminationMode.ASSISTANCE, "自然": EliminationMode.NATURAL},
    ),
    "sex": (
        {"男": Sex.MALE, "女": Sex.FEMALE},
        {"1": Sex.MALE, "2": Sex.FEMALE, "男性": Sex.MALE, "女性": Sex.FEMALE},
    ),
    "id_type": (
        {"居民身份证": IdType.RESIDENT, "残疾人证": IdType.DISABILITY, "其他": IdType.OTHER},
        {"身份证": IdType.RESIDENT, "居民身份证(户口簿)": IdType.RESIDENT, "户口簿": IdType.RESIDENT,
         "第二代居民身份证": IdType.RESIDENT, "残疾证": IdType.DISABILITY, "其它": IdType.OTHER},
    ),
    "relation": (
        {"户主": Relation.HEAD, "配偶": Relation.SPOUSE, "之子": Relation.SON, "之女": Relation.DAUGHTER,
         "之儿媳": Relation.DAUGHTER_IN_LAW, "之女婿": Relation.SON_IN_LAW, "之孙子": Relation.GRANDCHILD,
         "之父": Relation.PARENT, "之岳父": Relation.PARENT_IN_LAW, "之祖父": Relation.GRANDPARENT,
         "之兄弟姐妹": Relation.SIBLING, "其他": Relation.OTHER},
        {**dict.fromkeys(("之孙女", "之外孙子", "之外孙女", "之曾孙子", "之曾孙女"), Relation.GRANDCHILD),
         "之母": Relation.PARENT,
         **dict.fromkeys(("之岳母", "之公公", "之婆婆"), Relation.PARENT_IN_LAW),
         **dict.fromkeys(("之祖母", "之外祖父", "之外祖母"), Relation.GRANDPARENT),
         **dict.fromkeys(("之侄儿", "之侄女", "之兄弟媳妇", "之叔伯", "其它"), Relation.OTHER)},
    ),
    "education": (
        {"学龄前儿童": Education.PRESCHOOL, "文盲或半文盲": Education.ILLITERATE, "小学": Education.PRIMARY,
         "初中": Education.JUNIOR, "高中": Education.SENIOR, "中专": Education.VOCATIONAL,
         "大专": Education.COLLEGE},
        {"文盲": Education.ILLITERATE, "半文盲": Education.ILLITERATE, "中职": Education.VOCATIONAL,
         "中专(中职)": Education.VOCATIONAL, "技师": Education.VOCATIONAL, "高职高专": Education.COLLEGE,
         "本科及以上": Education.COLLEGE, "本科": Education.COLLEGE, "本科及研究生及以上": Education.COLLEGE,
         "大专及以上": Education.COLLEGE, "研究生": Education.COLLEGE, "学龄前": Education.PRESCHOOL},
    ),
    "schooling": (
        {"非在校生": Schooling.NONE, "学前教育": Schooling.PRESCHOOL, "小学": Schooling.PRIMARY,
         "七年级": Schooling.JUNIOR, "普通高中一年级": Schooling.SENIOR, "中职一年级": Schooling.SECONDARY_VOCATIONAL,
         "高职高专一年级": Schooling.HIGHER_VOCATIONAL, "本科一年级": Schooling.UNDERGRADUATE},
        {"学龄前儿童": Schooling.NONE, "不在校": Schooling.NONE, "无": Schooling.NONE,
         **dict.fromkeys(("八年级", "九年级", "初中"), Schooling.JUNIOR),
         **dict.fromkeys(("普通高中二年级", "普通高中三年级", "高中一年级", "高中二年级", "高中三年级", "高中"),
                         Schooling.SENIOR),
         **dict.fromkeys(("中职二年级", "中职三年级", "技师学院一年级", "技师学院二年级", "技师学院三年级",
                          "技师学院四年级"), Schooling.SECONDARY_VOCATIONAL),
         **dict.fromkeys(("高职高专二年级", "高职高专三年级"), Schooling.HIGHER_VOCATIONAL),
         **dict.fromkeys(("本科二年级", "本科三年级", "本科四年级", "本科五年级", "硕士研究生及以上", "硕士生及以上"),
                         Schooling.UNDERGRADUATE)},
    ),
    "health": (
        {"健康": Health.HEALTHY, "长期慢性病": Health.CHRONIC, "患有大病": Health.SERIOUS, "残疾": Health.DISABLED},
        {"慢性病": Health.CHRONIC, "大病": Health.SERIOUS},
    ),
    "labour": (
        {"普通劳动力": Labour.ORDINARY, "技能劳动力": Labour.SKILLED, "弱劳动力或半劳动力": Labour.WEAK,
         "丧失劳动力": Labour.LOST, "无劳动力": Labour.NONE},
        {"弱劳动力": Labour.WEAK, "半劳动力": Labour.WEAK, "丧失劳动能力": Labour.LOST, "无劳动能力": Labour.NONE},
    ),
    "dibao": (
        {"农村低保": True, "城市低保": True, "未享受": False},
        {"不享受": False, "否": False, "是": True, "享受": True, "无": False},
    ),
    "tekun": (
        {"农村特困": True, "城市特困": True, "不享受": False},
        {"未享受": False, "否": False, "是": True, "享受": True, "无": False},
    ),
    "yesno": ({YES: True, NO: False}, {"有": True, "无": False, "1": True, "0": False}),
}

# Which code table each column's cells are read with (columns not named here are text or numbers).
COLUMN_TABLES: dict[str, str] = {
    "category": "category", "household_type": "household_type", "sex": "sex", "id_type": "id_type",
    "relation": "relation", "education": "education", "schooling": "schooling", "health": "health",
    "labour": "labour", "dibao": "dibao", "tekun": "tekun", "elimination_mode": "elimination_mode",
    "disaster_kind": "disaster_kind",
    **dict.fromkeys(RISK_KEYS, "risk"),
    **dict.fromkeys(("medical_resident", "medical_employee", "pension_resident", "pension_employee",
                     "dangerous_house", "water_secured", "no_labour_safety_net", "dropout", "eliminated",
                     "post_dropout", "post_housing", "post_uninsured", "post_water"), "yesno"),
}
# Multi-select cells: comma-joined labels (健康状况 "残疾,长期慢性病"; the measure columns).
MULTI_SEPARATORS = ",，、;；/"
# The most serious of a combined health cell is kept (as the registry importer does).
HEALTH_ORDER = (Health.SERIOUS, Health.DISABLED, Health.CHRONIC, Health.HEALTHY)

# Tables a county may extend in the synonym table, with the values a synonym may point to.
EXTENSIBLE_TABLES = tuple(TABLES)


def table_choices(table: str, extra: dict[str, object] | None = None) -> Choices:
    """A code table as engine :class:`Choices`, with the county's synonyms (label → value) added."""
    labels, synonyms = TABLES[table]
    return Choices(labels, {**synonyms, **(extra or {})})


def canonical_label(table: str, value: object, sex: str = "") -> str:
    """The label written for ``value`` (a relation that depends on sex takes the person's sex)."""
    if table == "relation" and sex == Sex.FEMALE:
        female = {Relation.GRANDCHILD: "之孙女", Relation.PARENT: "之母", Relation.PARENT_IN_LAW: "之岳母",
                  Relation.GRANDPARENT: "之祖母"}
        if value in female:
            return female[value]
    labels, _synonyms = TABLES[table]
    return next((label for label, v in labels.items() if v == value), "")
