"""The confirmed monitoring lines of policy.md §2.1 and the default screening rule set.

Only lines the policy file marks confirmed are shipped: 2021 national 6,000 and Hunan 2023
7,500. Recollected figures marked [U] (national 2022 6,600, 2023 7,100) are left out on
purpose; counties enter their own lines. The data is written out here, not imported from
application code, so this migration means the same thing whenever it runs.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import migrations

LINES = [
    {
        "year": 2021, "region_code": "", "amount": Decimal("6000.00"),
        # Shown on Chinese pages as written: 1.5 × the national poverty standard of the
        # poverty-alleviation period, used as the national reference (national status inferred).
        "basis": "脱贫攻坚期国家扶贫标准的 1.5 倍，作为全国参考线（全国适用性系推断）。",
        "document_number": "",
        "source": "policy.md §2.1 [S05] http://xczx.cnhubei.com/zx/202207/t4451169.shtml",
    },
    {
        "year": 2023, "region_code": "43", "amount": Decimal("7500.00"),
        "basis": "省2023年收入监测范围以家庭人均纯收入7500元为基准线",
        "document_number": "",  # 湘委乡振组发〔20xx〕1号: the year is not legible in the source [U]
        "source": "policy.md §2.1 [S06] http://52niugu.com/zwgk/bmxxgkml/jxz/tzgg/20230907/i3093396.html",
    },
]

RULES = [
    ("INCOME_BELOW_LINE", "人均纯收入低于监测范围", "Per-capita income below the monitoring line", "", "high",
     "per_capita_income < line", {}),
    ("INCOME_DROP", "收入骤减", "Sharp drop in income", "", "medium",
     "income_change <= -drop and per_capita_income < line_multiple * line", {"drop": 0.3, "line_multiple": 1.5}),
    ("ADJUSTED_INCOME_BELOW_LINE", "扣除合规自付支出后人均收入低于监测范围",
     "Income after compliant out-of-pocket spending below the line", "", "high",
     "adjusted_per_capita_income < line", {}),
    ("MEDICAL_SPENDING", "医疗自付支出较大", "High out-of-pocket medical spending", "YB", "high",
     "(ex_poor and medical_out_of_pocket_12m >= ex_poor_amount)"
     " or (not ex_poor and medical_out_of_pocket_12m >= other_amount)"
     " or (medical_out_of_pocket_12m > 0 and medical_out_of_pocket_12m > income_share * net_income)",
     {"ex_poor_amount": 5000, "other_amount": 20000, "income_share": 0.5}),
    ("DROPOUT", "义务教育阶段适龄儿童少年失学辍学", "Compulsory-education dropout", "YX", "high", "dropout", {}),
    ("HOUSING_UNSAFE", "住房出现安全问题（C级或D级危房）", "Unsafe housing (grade C or D)", "QT", "high",
     'housing_grade in ("C", "D")', {}),
    ("WATER_UNSAFE", "饮水出现安全问题", "Drinking water not secured", "QT", "medium", "not water_secured", {}),
    ("UNINSURED_MEMBER", "家庭成员未参加基本医疗保险", "A member without basic medical insurance", "YB", "medium",
     "uninsured_member", {}),
    ("NEW_DIBAO_TEKUN", "新纳入低保或特困", "New minimum living allowance or extreme-poverty support", "", "medium",
     "new_dibao_tekun", {}),
    ("NEW_SEVERE_DISABILITY", "新增重度残疾", "New severe disability", "YC", "high", "new_severe_disability", {}),
    ("DISASTER_LOSS", "遭受自然灾害损失", "Loss from a natural disaster", "YZRZH", "high", "disaster_loss", {}),
    ("NO_LABOUR_NO_SAFETY_NET", "整户无劳动能力且未纳入兜底保障", "Whole household without labour and no safety net",
     "QLDL", "high", "(no_labour or labour_members == 0) and not safety_net", {}),
]


def forward(apps, schema_editor):
    MonitoringLine = apps.get_model("monitoring", "MonitoringLine")
    Rule = apps.get_model("monitoring", "Rule")
    RuleVersion = apps.get_model("monitoring", "RuleVersion")
    for line in LINES:
        MonitoringLine.objects.update_or_create(
            year=line["year"], region_code=line["region_code"], defaults=line,
        )
    for code, name_zh, name_en, risk_type, severity, expression, parameters in RULES:
        fields = {"name_zh": name_zh, "name_en": name_en, "risk_type": risk_type, "severity": severity,
                  "expression": expression, "parameters": parameters, "active": True}
        if Rule.objects.filter(code=code).exists():
            continue
        rule = Rule.objects.create(code=code, version=1, **fields)
        RuleVersion.objects.create(rule=rule, code=code, version=1, **fields)


def backward(apps, schema_editor):
    MonitoringLine = apps.get_model("monitoring", "MonitoringLine")
    Rule = apps.get_model("monitoring", "Rule")
    for line in LINES:
        MonitoringLine.objects.filter(year=line["year"], region_code=line["region_code"]).delete()
    Rule.objects.filter(code__in=[r[0] for r in RULES], warnings__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
