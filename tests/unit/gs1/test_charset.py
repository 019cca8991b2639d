from __future__ import annotations

import string

import pytest

from labelkit.gs1 import AI82_CHARS, GS1ValidationError, validate_lot, validate_serial


def test_ai82_set_is_exactly_the_gs1_table() -> None:
    specials = set("!\"%&'()*+,-./:;<=>?_")
    assert set(string.ascii_letters) | set(string.digits) | specials == AI82_CHARS
    for ch in " #$@[\\]^`{|}~\x1d\t":
        assert ch not in AI82_CHARS


@pytest.mark.parametrize(
    "value", ["A", "LOT-42", 'a/b%c&d+e"f', "12345678901234567890", "!\"%&'()*+,-./:;<=>?_"]
)
def test_valid_values_pass_unchanged(value: str) -> None:
    assert validate_lot(value) == value
    assert validate_serial(value) == value


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "is empty"),
        ("1" * 21, "has 21 characters; at most 20"),
        ("LOT 1", "character 4 (' ') is not allowed"),
        ("LOT#1", "character 4 ('#') is not allowed"),
        ("AB\x1dC", "character 3 ('\\x1d') is not allowed"),
        ("Lötz", "character 2 ('ö') is not allowed"),
        ("A~B", "character 2 ('~')"),
    ],
)
def test_invalid_values_name_field_and_position(value: str, fragment: str) -> None:
    with pytest.raises(GS1ValidationError) as info:
        validate_lot(value, field="lots.3.lot_number")
    assert info.value.field == "lots.3.lot_number"
    assert fragment in info.value.reason
    with pytest.raises(GS1ValidationError) as info2:
        validate_serial(value)
    assert info2.value.field == "serial"
