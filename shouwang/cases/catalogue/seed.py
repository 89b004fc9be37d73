"""Seed rows of the risk-type and measure-type catalogues (policy.md §4.1, §4.2).

Kept outside the migrations so the migrations can be regenerated: a data migration calls
``seed_catalogues`` with the historical models. Seeding is idempotent (update_or_create by code).
"""

from __future__ import annotations

from typing import Any

# (code, name_zh, name_en, parent code)
RISK_TYPES: list[tuple[str, str, str, str | None]] = [
    ("YB", "因病", "Illness", None),
    ("YX", "因学", "Schooling costs", None),
    ("YC", "因残", "Disability", None),
    ("YZRZH", "因自然灾害", "Natural disaster", None),
    ("YZRZH_HL", "洪涝灾害", "Flood", "YZRZH"),
    ("YZRZH_DZ", "地质灾害", "Geological disaster", "YZRZH"),
    ("YZRZH_HZ", "旱灾", "Drought", "YZRZH"),
    ("YZRZH_SW", "生物灾害", "Biological disaster", "YZRZH"),
    ("YZRZH_QX", "气象灾害", "Meteorological disaster", "YZRZH"),
    ("YZRZH_DZZ", "地震灾害", "Earthquake", "YZRZH"),
    ("YZRZH_QT", "其他自然灾害", "Other natural disaster", "YZRZH"),
    ("YYWSG", "因意外事故", "Accident", None),
    ("YCYXMSB", "因产业项目失败", "Failure of a farming or business project", None),
    ("YWGJYBW", "因务工就业不稳", "Unstable employment", None),
    ("QLDL", "缺劳动力", "Lack of labour", None),
    ("QT", "其他", "Other", None),
]

# (code, name_zh, name_en, is_development)
MEASURE_TYPES: list[tuple[str, str, str, bool]] = [
    ("industry", "产业帮扶", "Industry support", True),
    ("employment", "就业帮扶", "Employment support", True),
    ("microcredit", "金融帮扶", "Financial support (microcredit)", False),
    ("public_welfare_job", "公益岗位帮扶", "Public-welfare job", False),
    ("health", "健康帮扶", "Health support", False),
    ("compulsory_education", "义务教育保障", "Compulsory-education guarantee", False),
    ("other_education", "其他教育帮扶", "Other education support", False),
    ("social_protection", "综合保障", "Comprehensive social protection", False),
    ("housing", "住房安全保障", "Housing-safety guarantee", False),
    ("water", "饮水安全保障", "Water-safety guarantee", False),
    ("social_assistance", "社会帮扶", "Social assistance", False),
    ("relocation", "搬迁", "Relocation", False),
    ("living_conditions", "生产生活条件改善", "Production and living-condition improvement", False),
    ("infrastructure", "基础设施建设", "Infrastructure", False),
]


def seed_catalogues(risk_type_model: Any, measure_type_model: Any) -> None:
    """Create or refresh the seeded rows; rows a county added itself are left alone."""
    by_code: dict[str, Any] = {}
    for sort, (code, zh, en, parent) in enumerate(RISK_TYPES, start=1):
        by_code[code], _ = risk_type_model.objects.update_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "parent": by_code.get(parent) if parent else None,
                                 "sort": sort * 10},
        )
    for sort, (code, zh, en, development) in enumerate(MEASURE_TYPES, start=1):
        measure_type_model.objects.update_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "is_development": development, "sort": sort * 10},
        )
