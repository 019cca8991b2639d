"""GS1 AI encodable character set 82 and the lot (AI 10) / serial (AI 21) rules built on it."""

from __future__ import annotations

from .errors import GS1ValidationError

# GS1 General Specifications, figure 7.11-1: the only characters AI 10 and AI 21 may hold.
# Notably absent: space, '#', '$', '@', '[', ']', '\\', '^', '`', '{', '|', '}', '~' and all
# control characters (so a value can never contain the GS separator itself).
AI82_CHARS = frozenset("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
assert len(AI82_CHARS) == 82

MAX_LOT_LENGTH = 20
MAX_SERIAL_LENGTH = 20


def validate_ai82(value: str, *, field: str, max_length: int = 20) -> str:
    """Return `value` if it is 1..`max_length` AI-82 characters, else raise naming the first bad one."""
    if not isinstance(value, str):
        raise GS1ValidationError(field, f"must be a string, got {type(value).__name__}")
    if not value:
        raise GS1ValidationError(field, "is empty; it needs 1 to 20 characters")
    if len(value) > max_length:
        raise GS1ValidationError(field, f"has {len(value)} characters; at most {max_length} are allowed")
    for pos, ch in enumerate(value, start=1):
        if ch not in AI82_CHARS:
            raise GS1ValidationError(
                field,
                f"character {pos} ({ch!r}) is not allowed; GS1 allows A-Z a-z 0-9 and !\"%&'()*+,-./:;<=>?_",
            )
    return value


def validate_lot(value: str, *, field: str = "lot") -> str:
    """Batch/lot number for AI 10."""
    return validate_ai82(value, field=field, max_length=MAX_LOT_LENGTH)


def validate_serial(value: str, *, field: str = "serial") -> str:
    """Serial number for AI 21."""
    return validate_ai82(value, field=field, max_length=MAX_SERIAL_LENGTH)
