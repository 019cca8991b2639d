from __future__ import annotations

import biip
import pytest

from labelkit.gs1 import GS1ValidationError, gtin_check_digit, is_valid_gtin14, normalize_gtin


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("09506000134352", "09506000134352"),
        ("9506000134352", "09506000134352"),  # GTIN-13
        ("950-6000-13435-2", "09506000134352"),
        ("9 506000 134352", "09506000134352"),
        ("036000291452", "00036000291452"),  # GTIN-12 (UPC-A)
        ("96385074", "00000096385074"),  # GTIN-8
        ("10614141000415", "10614141000415"),  # GTIN-14 with indicator digit
    ],
)
def test_normalize_accepts_all_lengths_and_separators(given: str, expected: str) -> None:
    assert normalize_gtin(given) == expected
    assert is_valid_gtin14(expected)
    # Independent oracle: biip agrees it is a valid GTIN with the same 14-digit value.
    assert biip.parse(expected).gtin is not None
    assert biip.parse(expected).gtin.as_gtin_14() == expected  # type: ignore[union-attr]


def test_check_digit_matches_biip_for_many_payloads() -> None:
    for n in range(0, 10**12, 7_777_777_777):
        payload = f"{n:013d}"
        gtin = payload + str(gtin_check_digit(payload))
        assert biip.parse(gtin).gtin is not None, gtin


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ("09506000134353", "check digit (digit 14 of 14) is 3 but should be 2"),
        ("9506000134353", "check digit (digit 13 of 13) is 3 but should be 2"),
        ("0950600013435x", "character 14 ('x') is not a digit"),
        ("0950600013435", "check digit (digit 13 of 13)"),
        ("095060001343", "check digit"),
        ("12345", "has 5 digits; a GTIN has 8, 12, 13 or 14"),
        ("", "is empty"),
        (" - ", "is empty"),
        ("095060001343521", "has 15 digits"),
        ("0950600013435２", "character 14"),  # full-width digit is not an ASCII digit
    ],
)
def test_normalize_rejects_with_position_and_reason(given: str, fragment: str) -> None:
    with pytest.raises(GS1ValidationError) as info:
        normalize_gtin(given, field="filters.gtins.0")
    assert info.value.field == "filters.gtins.0"
    assert fragment in info.value.reason
    assert str(info.value).startswith("filters.gtins.0: ")


def test_non_string_is_rejected() -> None:
    with pytest.raises(GS1ValidationError, match="must be a string"):
        normalize_gtin(9506000134352)  # type: ignore[arg-type]


def test_is_valid_gtin14_guards() -> None:
    assert not is_valid_gtin14("9506000134352")
    assert not is_valid_gtin14("09506000134353")
    assert not is_valid_gtin14("0950600013435٢")
