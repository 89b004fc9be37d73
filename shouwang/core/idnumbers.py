"""Normalise and validate Chinese resident identity numbers (GB 11643-1999).

Every resident ID number the system reads (forms, spreadsheet imports, APIs)
goes through :func:`parse_id_number`, so the rules live in one place.

Why not ``stdnum.cn.ric``: it rejects numbers whose 6-digit region prefix is
missing from its bundled table (and can raise ``KeyError`` instead of a
validation error). Older residents legitimately carry county codes that have
since been abolished or renumbered, so an unknown region must only ever be a
*warning* here. The MOD 11-2 checksum itself is a few lines, so we implement
it directly and avoid the dependency.

Why numeric input is refused: a spreadsheet cell formatted as a number is
read back as ``float`` (or ``int``/``Decimal`` by some readers). Excel keeps
only 15 significant digits, so the last digits of an 18-digit number are
already gone and ``X`` cannot be stored at all. Integers typed in Python code
are not a real input path, so every numeric type (``int``, ``float``,
``Decimal``, numpy scalars ...) is rejected with code ``numeric_cell`` and the
user is told to format the column as text. Strings that are obviously the
text rendering of such a float (``'4.33122E+17'``, ``'433122198506151234.0'``)
are rejected the same way.
"""

from __future__ import annotations

import numbers
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from operator import mul
from typing import Any

_django_gettext: Callable[[str], str] | None
try:  # Settings may not be configured; only call gettext when rendering.
    from django.utils.translation import gettext as _django_gettext
except ImportError:  # pragma: no cover - Django is a project dependency
    _django_gettext = None


def gettext_noop(message: str) -> str:
    """Mark a msgid for makemessages (matched by this keyword name).

    Django's own gettext_noop reads settings.USE_I18N, which fails at import
    time when settings are not configured, hence this identity twin.
    """
    return message


__all__ = [
    "ERROR_MESSAGES",
    "WARNING_MESSAGES",
    "IdNumber",
    "IdNumberError",
    "check_digit",
    "is_valid_id_number",
    "mask_id_number",
    "parse_id_number",
    "warning_message",
]

# --- messages -------------------------------------------------------------
# msgids are English and marked with gettext_noop so makemessages finds them;
# they are translated only when a message is actually rendered.

ERROR_MESSAGES: dict[str, str] = {
    "empty": gettext_noop("The ID number is empty."),
    "numeric_cell": gettext_noop(
        "The ID number was stored as a number in the spreadsheet and has lost "
        "digits; format the column as text and enter it again."
    ),
    "bad_format": gettext_noop(
        "The ID number may only contain digits, with an X allowed as the last "
        "character."
    ),
    "bad_length": gettext_noop(
        "The ID number must have 18 characters (or 15 for an old number); "
        "got {length}."
    ),
    "bad_checksum": gettext_noop("Check digit is wrong: expected {expected}."),
    "bad_date": gettext_noop(
        "The birth date {date} in the ID number is not a valid date."
    ),
    "future_date": gettext_noop(
        "The birth date {date} in the ID number is in the future."
    ),
    "too_old": gettext_noop(
        "The birth date {date} in the ID number is before 1900."
    ),
}

WARNING_MESSAGES: dict[str, str] = {
    "converted_15": gettext_noop(
        "Old 15-digit ID number was converted to the 18-digit form."
    ),
    "unknown_region": gettext_noop(
        "The region code of the ID number is not in the current region list; "
        "it may be an abolished county code."
    ),
}


def _translate(msgid: str) -> str:
    """Translate via Django when it is usable, else return the English msgid.

    Without configured settings (plain pytest, scripts) Django raises
    ImproperlyConfigured / AppRegistryNotReady; the English text is the right
    fallback there.
    """
    if _django_gettext is None:  # pragma: no cover
        return msgid
    try:
        return _django_gettext(msgid)
    except Exception:  # ImproperlyConfigured, AppRegistryNotReady
        return msgid


def warning_message(code: str) -> str:
    """Human (translated when possible) text for a warning code."""
    return _translate(WARNING_MESSAGES[code])


class IdNumberError(ValueError):
    """Raised when an ID number is rejected.

    ``code`` is stable and machine-readable (one of ``ERROR_MESSAGES``);
    ``message`` is rendered on access so that the active language at display
    time is used, not the one at parse time.
    """

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(ERROR_MESSAGES[code].format(**params))

    @property
    def message(self) -> str:
        return _translate(ERROR_MESSAGES[self.code]).format(**self.params)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"IdNumberError({self.code!r}, **{self.params!r})"


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A validated, normalised 18-character ID number and derived facts."""

    number: str
    birth_date: date
    sex: str  # 'M' or 'F'
    age: int  # whole years at the reference date used for parsing
    under_14: bool
    warnings: tuple[str, ...]
    converted_from: str | None  # original 15-digit number, if converted


# --- checksum ---------------------------------------------------------------
# ISO 7064 MOD 11-2: weight of position i (0-based, 17 positions) is
# 2**(17 - i) mod 11; the remainder of the weighted sum indexes _CHECK_MAP.
_WEIGHTS: tuple[int, ...] = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK_MAP = "10X98765432"
_MIN_BIRTH_DATE = date(1900, 1, 1)


def check_digit(first17: str) -> str:
    """Return the check character ('0'-'9' or 'X') for 17 ASCII digits."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("check_digit() needs exactly 17 ASCII digits")
    total = sum(map(mul, map(int, first17), _WEIGHTS))
    return _CHECK_MAP[total % 11]


# --- normalisation ----------------------------------------------------------
# Characters dropped after NFKC folding: hyphen/dash variants that people and
# office software put between digit groups, and invisible zero-width
# characters / BOMs that arrive with CSV files. Whitespace (incl. NBSP and
# U+3000) is removed separately with str.split().
_DROP = str.maketrans(
    "",
    "",
    "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
    "\u200b\u200c\u200d\u2060\ufeff",
)
# Text rendering of a float: scientific notation, or an integer with '.0'.
_FLOAT_TEXT = re.compile(
    r"[+-]?(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+|\d+\.0+"
)


def _normalise(value: object) -> str:
    """Turn raw input into an upper-case, separator-free candidate string."""
    if value is None:
        raise IdNumberError("empty")
    if isinstance(value, bool):
        raise IdNumberError("bad_format")
    if isinstance(value, numbers.Number):
        # int, float, Decimal, numpy scalars: a numeric spreadsheet cell.
        raise IdNumberError("numeric_cell")
    if not isinstance(value, str):
        raise IdNumberError("bad_format")
    if value.isascii():
        # Fast path for the common clean case: bare digits, optional x/X last.
        if value.isdigit() or (value[-1:] in ("X", "x") and value[:-1].isdigit()):
            return value.upper()
        s = value
    else:
        s = unicodedata.normalize("NFKC", value)
    s = "".join(s.split())
    if _FLOAT_TEXT.fullmatch(s):
        raise IdNumberError("numeric_cell")
    s = s.translate(_DROP).upper()
    if not s:
        raise IdNumberError("empty")
    return s


def _birth_date(digits: str, today: date) -> date:
    """Parse YYYYMMDD and check it lies within [1900-01-01, today]."""
    try:
        born = date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise IdNumberError("bad_date", date=digits) from None
    if born > today:
        raise IdNumberError("future_date", date=born.isoformat())
    if born < _MIN_BIRTH_DATE:
        raise IdNumberError("too_old", date=born.isoformat())
    return born


def parse_id_number(
    value: object,
    *,
    today: date | None = None,
    known_regions: Callable[[str], bool] | None = None,
) -> IdNumber:
    """Normalise and validate one resident ID number.

    Accepts 18-character numbers and first-generation 15-digit numbers (the
    latter are converted and flagged with the ``converted_15`` warning).
    ``today`` is the reference date for the future-date check and the age
    (default: ``date.today()``). ``known_regions`` is called with the 6-digit
    prefix; a False result only adds the ``unknown_region`` warning.

    Raises :class:`IdNumberError` on rejection.
    """
    s = _normalise(value)
    if today is None:
        today = date.today()

    body = s[:-1] if s[-1] == "X" else s
    if not (body.isascii() and body.isdigit()):
        raise IdNumberError("bad_format")
    n = len(s)
    if n not in (15, 18):
        raise IdNumberError("bad_length", length=n)

    warnings: list[str] = []
    converted_from: str | None = None
    if n == 15:
        if body is not s:  # 15-digit numbers have no check character
            raise IdNumberError("bad_format")
        born = _birth_date("19" + s[6:12], today)
        first17 = s[:6] + "19" + s[6:]
        converted_from = s
        s = first17 + check_digit(first17)
        warnings.append("converted_15")
    else:
        born = _birth_date(s[6:14], today)
        expected = check_digit(s[:17])
        if s[17] != expected:
            raise IdNumberError("bad_checksum", expected=expected)

    if known_regions is not None and not known_regions(s[:6]):
        warnings.append("unknown_region")

    age = today.year - born.year - (
        (today.month, today.day) < (born.month, born.day)
    )
    return IdNumber(
        number=s,
        birth_date=born,
        sex="M" if int(s[16]) % 2 else "F",
        age=age,
        under_14=age < 14,
        warnings=tuple(warnings),
        converted_from=converted_from,
    )


def is_valid_id_number(value: object, *, today: date | None = None) -> bool:
    """True if :func:`parse_id_number` accepts ``value``; never raises."""
    try:
        parse_id_number(value, today=today)
    except IdNumberError:
        return False
    except Exception:  # defensive: odd objects must not break callers
        return False
    return True


def mask_id_number(number: str | None) -> str:
    """Mask an ID number for display and logs.

    18 characters: first 6 (region) + 8 '*' + last 4. Anything else: all but
    the last 4 characters masked; strings of 4 or fewer characters are masked
    completely so that nothing short is ever shown in full.
    """
    s = "" if number is None else str(number).strip()
    if len(s) == 18:
        return s[:6] + "*" * 8 + s[-4:]
    if len(s) <= 4:
        return "*" * len(s)
    return "*" * (len(s) - 4) + s[-4:]
