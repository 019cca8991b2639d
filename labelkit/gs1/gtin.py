"""GTIN check digit and normalisation to the 14-digit form every GS1 data carrier uses."""

from __future__ import annotations

from .errors import GS1ValidationError

GTIN_LENGTHS = (8, 12, 13, 14)


def gtin_check_digit(payload: str) -> int:
    """The GS1 mod-10 check digit for `payload` (all digits of a GTIN but the last).

    Weights alternate 3, 1, 3, ... starting from the rightmost payload digit, which is why the same
    function serves GTIN-8/12/13/14 (and SSCC/GLN) without padding.
    """
    total = 0
    for i, ch in enumerate(reversed(payload)):
        total += (ord(ch) - 48) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10


def normalize_gtin(value: str, *, field: str = "gtin") -> str:
    """Return `value` as a 14-digit GTIN, or raise `GS1ValidationError` saying which position is wrong.

    Accepts GTIN-8/12/13/14 with spaces or dashes between digits (as printed under barcodes).
    Positions in messages are 1-based positions in the string as given, so a user can find them.
    """
    if not isinstance(value, str):
        raise GS1ValidationError(field, f"must be a string of digits, got {type(value).__name__}")
    # Fast path for the stored 14-digit form: every label of a job comes through here.
    stored = len(value) == 14 and value.isascii() and value.isdigit()
    gtin = value if stored else _digits(value, field)
    expected = gtin_check_digit(gtin[:-1])
    if int(gtin[-1]) != expected:
        raise GS1ValidationError(
            field,
            f"check digit (digit {len(gtin)} of {len(gtin)}) is {gtin[-1]} but should be {expected}",
        )
    return gtin.zfill(14)


def _digits(value: str, field: str) -> str:
    digits: list[str] = []
    for pos, ch in enumerate(value, start=1):
        if "0" <= ch <= "9":
            digits.append(ch)
        elif ch not in " -":
            raise GS1ValidationError(field, f"character {pos} ({ch!r}) is not a digit, space or dash")
    if not digits:
        raise GS1ValidationError(field, "is empty; a GTIN has 8, 12, 13 or 14 digits")
    if len(digits) not in GTIN_LENGTHS:
        raise GS1ValidationError(field, f"has {len(digits)} digits; a GTIN has 8, 12, 13 or 14")
    return "".join(digits)


def is_valid_gtin14(value: str) -> bool:
    """Cheap guard for values that should already be normalised (e.g. a job snapshot)."""
    return (
        len(value) == 14
        and value.isascii()
        and value.isdigit()
        and (int(value[-1]) == gtin_check_digit(value[:-1]))
    )
