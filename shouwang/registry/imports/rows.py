"""The rows of an import: what a member row and an income row write, with the defaults of what the
file leaves out, and the parsed rows grouped by household; the import's batch mark.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..households.models import Health, Labour, Schooling

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
