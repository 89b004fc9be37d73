"""Cells of the registry spreadsheet into values: the import's messages and the parsers of the cells
that need more than the engine's (phone numbers, schooling, health, household type, relation).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_noop

from shouwang.core.idnumbers import ERROR_MESSAGES as ID_ERRORS
from shouwang.core.idnumbers import IdNumberError
from shouwang.core.imports import REQUIRED, Problem, fold, parse_bool, parse_int, parse_text

from ..households.models import Health, Labour, Schooling
from .columns import (
    _HEALTH_ORDER,
    _SCHOOLING_PATTERNS,
    EDUCATION,
    HEALTH,
    HOUSEHOLD_TYPES,
    HOUSING,
    LABOUR,
    RELATIONS,
    SCHOOLING,
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
    # Said when the number belongs to a household the importer may not see: it must not tell
    # them that the person is registered, nor where (the county office can look).
    "id_not_accepted": gettext_noop(
        "This ID number cannot be added from your account; ask the county office to check this row."
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


def _problem(code: str, /, **params: Any) -> Problem:
    return Problem(code, MESSAGES[code], params)


def _id_problem(exc: IdNumberError) -> Problem:
    return Problem(exc.code, ID_ERRORS[exc.code], dict(exc.params))


_MOBILE = re.compile(r"1[3-9]\d{9}")
_PLAIN_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"(0\d{2,3})?(\d{7,8})")


def parse_phone(text: Any) -> tuple[str, Problem | None]:
    """An 11-digit mobile ('+86 138-1234-5678' too) or a landline ('0743-4221234', '(0743)4221234')."""
    if text.__class__ is str and len(text) == 11 and _PLAIN_MOBILE.fullmatch(text):
        return text, None  # the usual cell, already as stored
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
