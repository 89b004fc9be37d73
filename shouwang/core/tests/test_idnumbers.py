"""Tests for shouwang.core.idnumbers; they run without Django settings."""

from __future__ import annotations

import random
from dataclasses import FrozenInstanceError
from datetime import date
from decimal import Decimal

import pytest

from shouwang.core.idnumbers import (
    ERROR_MESSAGES,
    WARNING_MESSAGES,
    IdNumber,
    IdNumberError,
    check_digit,
    is_valid_id_number,
    mask_id_number,
    parse_id_number,
    warning_message,
)

TODAY = date(2026, 11, 29)


def make(first17: str) -> str:
    """Complete 17 digits with their check character."""
    return first17 + check_digit(first17)


def error_code(value, **kwargs) -> str:
    with pytest.raises(IdNumberError) as info:
        parse_id_number(value, today=kwargs.pop("today", TODAY), **kwargs)
    return info.value.code


# --- checksum ---------------------------------------------------------------


def test_check_digit_known_values():
    assert check_digit("43312219850615123") == "X"
    assert check_digit("36042619910101007") == "1"
    assert check_digit("44011320141005001") == "X"
    assert check_digit("99042619911201007") == "4"
    assert check_digit("43310119600101011") == "5"


def test_check_digit_matches_iso7064_reference():
    mod_11_2 = pytest.importorskip("stdnum.iso7064.mod_11_2")
    rng = random.Random(11643)
    for _ in range(2000):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        assert check_digit(first17) == mod_11_2.calc_check_digit(first17)


@pytest.mark.parametrize("bad", ["", "1234", "4331221985061512X", "433122198506151234"])
def test_check_digit_rejects_non_17_digits(bad):
    with pytest.raises(ValueError):
        check_digit(bad)


# --- valid numbers ------------------------------------------------------------


def test_valid_luxi_number_with_x():
    result = parse_id_number("43312219850615123X", today=TODAY)
    assert isinstance(result, IdNumber)
    assert result.number == "43312219850615123X"
    assert result.birth_date == date(1985, 6, 15)
    assert result.sex == "M"  # 17th digit 3 is odd
    assert result.age == 41
    assert result.under_14 is False
    assert result.warnings == ()
    assert result.converted_from is None


def test_stdnum_vectors_valid():
    assert parse_id_number("360426199101010071", today=TODAY).number == "360426199101010071"
    lower = parse_id_number("44011320141005001x", today=TODAY)
    assert lower.number == "44011320141005001X"
    assert lower.birth_date == date(2014, 10, 5)


def test_stdnum_vector_bad_checksum():
    with pytest.raises(IdNumberError) as info:
        parse_id_number("36042619910102009X", today=TODAY)
    assert info.value.code == "bad_checksum"
    assert info.value.params == {"expected": "3"}
    assert "expected 3" in info.value.message


def test_stdnum_vector_bad_month():
    assert error_code("360426199113010079") == "bad_date"


def test_unknown_region_is_only_a_warning():
    seen = []

    def known(prefix: str) -> bool:
        seen.append(prefix)
        return False

    result = parse_id_number("990426199112010074", today=TODAY, known_regions=known)
    assert result.number == "990426199112010074"
    assert result.warnings == ("unknown_region",)
    assert seen == ["990426"]


def test_known_region_gives_no_warning():
    result = parse_id_number(
        "990426199112010074", today=TODAY, known_regions=lambda p: p == "990426"
    )
    assert result.warnings == ()


def test_old_jishou_number_accepted():
    # 433101 (old Jishou county-level code) must never be rejected.
    result = parse_id_number("433101196001010115", today=TODAY)
    assert result.number == "433101196001010115"
    assert result.birth_date == date(1960, 1, 1)
    assert result.sex == "M"
    assert result.age == 66


# --- normalisation ------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "４３３１２２１９８５０６１５１２３Ｘ",  # full-width digits and X
        "４３３１２２１９８５０６１５１２３ｘ",  # full-width lower-case x
        " 433122 19850615 123x ",
        "433122\u300019850615\u3000123X",  # ideographic space
        "433122\u00a019850615\t123X\n",  # NBSP, tab, newline
        "433122-19850615-123X",
        "433122－19850615－123X",  # full-width hyphen
        "\ufeff43312219850615123X",  # BOM from a CSV file
    ],
)
def test_normalisation(raw):
    assert parse_id_number(raw, today=TODAY).number == "43312219850615123X"


# --- numeric spreadsheet cells --------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        4.33122198506152e17,
        433122198506151230,  # int from a numeric cell
        Decimal("433122198506151234"),
        "4.33122E+17",
        "4.33122198506152e+17",
        "４.３３１２２Ｅ＋１７",
        "433122198506151234.0",
        " 433122198506151234.0 ",
    ],
)
def test_numeric_cell_rejected(raw):
    with pytest.raises(IdNumberError) as info:
        parse_id_number(raw, today=TODAY)
    assert info.value.code == "numeric_cell"
    assert "format the column as text" in info.value.message


# --- 15-digit conversion ------------------------------------------------------


def test_15_digit_conversion():
    result = parse_id_number("433122850615123", today=TODAY)
    assert result.number == "43312219850615123X"
    assert result.number[-1] == check_digit(result.number[:17])
    assert result.converted_from == "433122850615123"
    assert result.warnings == ("converted_15",)
    assert result.birth_date == date(1985, 6, 15)
    assert result.sex == "M"


def test_15_digit_conversion_with_unknown_region():
    result = parse_id_number("433122850615124", today=TODAY, known_regions=lambda p: False)
    assert result.number == make("43312219850615124")
    assert result.sex == "F"
    assert result.warnings == ("converted_15", "unknown_region")


def test_15_digit_bad_date():
    assert error_code("433122850230123") == "bad_date"  # 1985-02-30


def test_15_digit_with_x_is_bad_format():
    assert error_code("43312285061512X") == "bad_format"


# --- dates --------------------------------------------------------------------


def test_future_date_rejected():
    assert error_code(make("43312220261130123")) == "future_date"
    # Born today is fine.
    result = parse_id_number(make("43312220261129123"), today=TODAY)
    assert result.age == 0
    assert result.under_14 is True


def test_before_1900_rejected():
    assert error_code(make("43312218991231123")) == "too_old"
    assert parse_id_number(make("43312219000101123"), today=TODAY).age == 126


def test_bad_day_rejected():
    assert error_code(make("43312219850231123")) == "bad_date"  # Feb 31
    assert error_code(make("43312219850600123")) == "bad_date"  # day 00
    assert error_code(make("43312219010229123")) == "bad_date"  # 1901 not leap


def test_default_today_is_used():
    assert is_valid_id_number("43312219850615123X")
    assert not is_valid_id_number(make("43312299991231123"))


# --- derived fields -----------------------------------------------------------


def test_sex_from_17th_digit():
    assert parse_id_number(make("43312219850615122"), today=TODAY).sex == "F"
    assert parse_id_number(make("43312219850615120"), today=TODAY).sex == "F"
    assert parse_id_number(make("43312219850615129"), today=TODAY).sex == "M"


def test_age_birthday_not_yet_reached():
    number = make("43312220121130123")  # born 2012-11-30
    before = parse_id_number(number, today=date(2026, 11, 29))
    assert before.age == 13
    assert before.under_14 is True
    on_birthday = parse_id_number(number, today=date(2026, 11, 30))
    assert on_birthday.age == 14
    assert on_birthday.under_14 is False


def test_age_for_leap_day_birthday():
    number = make("43312220000229123")
    assert parse_id_number(number, today=date(2014, 2, 28)).age == 13
    assert parse_id_number(number, today=date(2014, 3, 1)).age == 14


def test_result_is_frozen():
    result = parse_id_number("43312219850615123X", today=TODAY)
    with pytest.raises(FrozenInstanceError):
        result.number = "x"  # type: ignore[misc]


# --- malformed input ------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", " - "])
def test_empty(raw):
    assert error_code(raw) == "empty"


def test_bad_length():
    with pytest.raises(IdNumberError) as info:
        parse_id_number("43312219850615123", today=TODAY)
    assert info.value.code == "bad_length"
    assert info.value.params == {"length": 17}
    assert "got 17" in info.value.message
    assert error_code("4331221985061512345") == "bad_length"
    assert error_code("1234X") == "bad_length"


@pytest.mark.parametrize(
    "raw",
    [
        "ABCDEFGHIJKLMNOPQR",
        "4331221985061512X3",  # X not last
        "43312219850615123Y",
        "433122.19850615123X",
        "٤٣٣١٢٢١٩٨٥٠٦١٥١٢٣X",  # Arabic-Indic digits are not accepted
        True,
        ["43312219850615123X"],
    ],
)
def test_bad_format(raw):
    assert error_code(raw) == "bad_format"


# --- error and warning messages -------------------------------------------------


def test_error_is_value_error_with_english_message():
    with pytest.raises(ValueError) as info:
        parse_id_number(4.33122198506152e17, today=TODAY)
    err = info.value
    assert isinstance(err, IdNumberError)
    assert err.message == ERROR_MESSAGES["numeric_cell"]
    assert str(err) == err.message
    assert "numeric_cell" in repr(err)


def test_every_error_code_has_a_message():
    assert set(ERROR_MESSAGES) == {
        "empty",
        "numeric_cell",
        "bad_format",
        "bad_length",
        "bad_checksum",
        "bad_date",
        "future_date",
        "too_old",
    }


def test_warning_messages():
    assert set(WARNING_MESSAGES) == {"converted_15", "unknown_region"}
    assert warning_message("converted_15") == WARNING_MESSAGES["converted_15"]


# --- helpers --------------------------------------------------------------------


def test_is_valid_id_number_never_raises():
    assert is_valid_id_number("43312219850615123X") is True
    assert is_valid_id_number("433122850615123") is True
    for bad in (None, "", 4.33122198506152e17, "36042619910102009X", object(), b"x"):
        assert is_valid_id_number(bad) is False


def test_mask_id_number():
    assert mask_id_number("433122198506151234") == "433122********1234"
    assert mask_id_number("43312219850615123X") == "433122********123X"
    assert mask_id_number("433122850615123") == "***********5123"
    assert mask_id_number("12345") == "*2345"
    assert mask_id_number("1234") == "****"
    assert mask_id_number("") == ""
    assert mask_id_number(None) == ""
