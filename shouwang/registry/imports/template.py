"""The downloadable registry template: the two sheets with their headers and an example row.

The ID-number and phone columns are formatted as text (``@``) for the whole column, so what a
user types there stays text and keeps all 18 digits; the example ID number is synthetic and
valid (built from the check digit, never a real person's).
"""

from __future__ import annotations

import io
from datetime import date

import xlsxwriter

from ..demo.synthetic import make_id_number
from .columns import INCOME, MEMBERS

MEMBER_HEADERS = [
    "户编号",
    "村代码",
    "村名",
    "户类型",
    "姓名",
    "证件号码",
    "与户主关系",
    "性别",
    "民族",
    "文化程度",
    "在校生情况",
    "健康状况",
    "劳动技能",
    "务工所在地",
    "务工时长(月)",
    "联系电话",
    "参加基本医疗保险",
    "享受低保",
    "特困供养",
]
INCOME_HEADERS = [
    "户编号",
    "年度",
    "工资性收入",
    "生产经营性收入",
    "财产性收入",
    "转移性收入",
    "生产经营性支出",
    "合规自付支出",
    "住房安全等级",
    "饮水安全",
    "义务教育辍学",
]
TEXT_COLUMNS = {"户编号", "村代码", "证件号码", "联系电话"}
EXAMPLE_VILLAGE = ("433122102201", "")  # a Luxi village code; the name column may stay empty


def example_member() -> list[str]:
    number = make_id_number("433122", date(1978, 4, 12), 31, female=False)
    return [
        "HH4331221022010001",
        EXAMPLE_VILLAGE[0],
        EXAMPLE_VILLAGE[1],
        "脱贫户",
        "张三",
        number,
        "户主",
        "男",
        "苗族",
        "初中",
        "非在校生",
        "健康",
        "普通劳动力",
        "浙江省宁波市",
        "10",
        "13800000000",
        "是",
        "否",
        "否",
    ]


def example_year() -> list[str]:
    return [
        "HH4331221022010001",
        str(date.today().year - 1),
        "24000",
        "3500",
        "0",
        "2,400.50",
        "1200",
        "800",
        "A",
        "是",
        "否",
    ]


INSTRUCTIONS = [
    "农户档案导入模板填写说明",
    "",
    "1. 本模板有两个工作表：「家庭成员」每行一名成员，「收支情况」每行一户一个年度。表头名称请勿修改，"
    "可增加其他列（导入时忽略）。",
    "2. 户编号：同一户的所有成员填写相同的户编号；收支情况按户编号对应到户。",
    "3. 村代码：12位统计用区划代码（优先）；也可只填村名，但村名在您的辖区内必须唯一。",
    "4. 证件号码：18位居民身份证号码，必须以文本格式填写（本列已设为文本）。以数字格式保存的号码会丢失末尾数字，"
    "导入时将被拒绝。",
    "5. 每户必须有且只有一名「户主」。与户主关系可填：户主、配偶、之子、之女、之儿媳、之女婿、之孙子女、之父母、"
    "之岳父母/公婆、之祖父母、之兄弟姐妹、其他。",
    "6. 户类型：脱贫户、脱贫户(含监测)、一般农户。",
    "7. 健康状况：健康、长期慢性病、患有大病、残疾。劳动技能：技能劳动力、普通劳动力、弱劳动力或半劳动力、丧失劳动力、"
    "无劳动力。",
    "8. 是/否列可填：是/否、Y/N、1/0。金额单位为元，可带“元”、千位分隔符或全角数字。",
    "9. 住房安全等级：A、B、C、D。年度填四位年份，如 2024。",
    "10. 先选择「仅校验」查看问题清单（工作表、行号、列、原因），修改后再「校验并导入」。"
    "重复导入同一文件不会产生重复数据。",
]


def build_template() -> bytes:
    """The template workbook as bytes."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    text = workbook.add_format({"num_format": "@"})
    for name, headers, example in (
        (MEMBERS.name, MEMBER_HEADERS, example_member()),
        (INCOME.name, INCOME_HEADERS, example_year()),
    ):
        sheet = workbook.add_worksheet(name)
        for col, title in enumerate(headers):
            width = 22 if title == "证件号码" else max(10, len(title) * 2 + 2)
            sheet.set_column(col, col, width, text if title in TEXT_COLUMNS else None)
            sheet.write_string(0, col, title, header)
        for col, value in enumerate(example):
            sheet.write_string(1, col, value, text if headers[col] in TEXT_COLUMNS else None)
        sheet.freeze_panes(1, 0)
    notes = workbook.add_worksheet("填写说明")
    notes.set_column(0, 0, 120)
    for row, line in enumerate(INSTRUCTIONS):
        notes.write_string(row, 0, line)
    workbook.close()
    return buffer.getvalue()
