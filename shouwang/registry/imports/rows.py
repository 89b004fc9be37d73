"""The rows of an import: what a member row and an income row write, with the defaults of what the
file leaves out, and the parsed rows grouped by household; the import's batch mark; the digest of
what an import plans for a household.

These dataclasses are the seam other importers use (the national takeover builds
:class:`HouseholdPlan` objects from its own files and hands them to the registry's planning and
writing, see :mod:`.planning`): a plan carries its members and years as parsed values, plus
``extra`` household columns and its own ``batch`` mark.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
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
    """One household of an import: its parsed rows, and what planning found out about it.

    ``extra``: further :class:`~shouwang.registry.households.models.Household` columns (by attribute
    name, e.g. ``national_number``) written when the household is created and compared (and
    updated) when it exists. ``batch``: the provenance mark written with it (empty: the import's).
    ``digest``: :func:`household_digest` of the plan (empty: not computed, or rows with errors).
    ``trusted``: the registry holds this very digest, so the household is known to be unchanged
    and its members and years are neither read nor compared.
    """

    number: str
    members: list[MemberRow] = field(default_factory=list)
    years: list[YearRow] = field(default_factory=list)
    ok: bool = True
    existing: dict[str, Any] | None = None
    village: str = ""
    household_type: str = ""
    changed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    batch: str = ""
    digest: str = ""
    trusted: bool = False


Progress = Callable[[int, int, str], None]
CHUNK = 900  # ids per IN (...) list: under every database's parameter limit


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Bump when what the digest covers, or how planning turns rows into values, changes: every stored
# digest then differs once and the next import compares those households field by field again.
DIGEST_LAYOUT = "registry-import-digest-v1"


def household_digest(
    plan: HouseholdPlan,
    members_present: Iterable[str],
    phone_present: bool,
    years_present: Iterable[str],
) -> str:
    """SHA-256 over what an import sets for a household: the layout version, which fields the
    file has, the extra household values, and each member and year row as parsed (the phone in
    plain text: the digest is a one-way hash of a whole household). Planned from the same values,
    the same registry state gives the same result, so an equal stored digest means "unchanged"."""
    parts: list[Any] = [
        DIGEST_LAYOUT,
        tuple(sorted(members_present)),
        phone_present,
        tuple(sorted(years_present)),
        tuple(sorted(plan.extra.items())),
    ]
    # Each row's values as parsed, in the order the parser set them (one order per code version).
    for m in plan.members:
        parts.append((m.key, m.id_index, m.village, m.household_type, m.values, m.phone if phone_present else None))
    for y in plan.years:
        parts.append((y.year, y.values))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def select_in(model, columns: Sequence[str], column: str, values: Sequence[Any]) -> list[tuple]:
    """Rows of ``columns`` of ``model``'s table where ``column`` is one of ``values``: plain SQL in
    IN lists of :data:`CHUNK`, without the ORM's preparation of every value (hundreds of
    thousands of ids per import), through the column's index (:func:`index_lookups`). Columns
    are table columns (``household_id``), values already in database form (str, int)."""
    from django.db import connection

    quote = connection.ops.quote_name
    select = ", ".join(quote(c) for c in columns)
    found: list[tuple] = []
    with index_lookups(), connection.cursor() as cursor:
        for chunk in _chunks(values):
            cursor.execute(
                f"SELECT {select} FROM {quote(model._meta.db_table)} WHERE {quote(column)} "
                f"IN ({', '.join(['%s'] * len(chunk))})",
                list(chunk),
            )
            found.extend(cursor.fetchall())
    return found


@contextmanager
def index_lookups() -> Iterator[None]:
    """On PostgreSQL, look the rows of an import up through their index.

    Rows written by the import's own transaction are in no statistics yet, and a table written
    moments ago by another import may not be analysed yet either: the planner then takes a table
    of a county's households for a tiny one and scans it whole for every IN list of every chunk
    (quadratic: 21 of the 81 s of a 100,000-household commit, 2.5 of the 14 s of reading the same
    rows again). ``enable_seqscan`` is turned off for the lookups with ``SET LOCAL``: inside the
    caller's transaction, set back afterwards; outside one, the lookups run in a transaction of
    their own, whose end resets it (no session setting is left behind, even behind a pooler).
    SQLite plans by the indexes it has: nothing to do there."""
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)")
        before = cursor.fetchone()[0]
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [before])
        except DatabaseError:
            pass  # the transaction failed: its SET LOCAL goes with it (and the error that failed it is raised)


def batch_id(file_digests: Sequence[str]) -> str:
    """The import's provenance mark, stored on each household it writes: derived from the
    SHA-256 of the uploaded files, so the same files always give the same batch."""
    if not file_digests:
        return ""
    digest = hashlib.sha256("\n".join(sorted(file_digests)).encode())
    return "reg-" + digest.hexdigest()[:24]
