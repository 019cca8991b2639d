"""Catalog request models and their GS1 rules (docs/contract.md#catalog). Pure."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from labelkit.gs1 import expiry_yymmdd, normalize_gtin, validate_ai82
from labelkit.limits import MAX_BULK, MAX_GTIN_INPUT, MAX_SERIAL_PREFIX, ProductName

MAX_SERIAL_LEN = 20  # AI 21


def _ai82(value: str) -> str:
    return validate_ai82(value, field="value")


# An AI-82 string validated per item, so an error's path names the index (e.g. `lots.3.lot_number`).
Ai82 = Annotated[str, StringConstraints(max_length=MAX_SERIAL_LEN), AfterValidator(_ai82)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProductIn(_Body):
    gtin: Annotated[str, StringConstraints(max_length=MAX_GTIN_INPUT)]
    name: ProductName

    @field_validator("gtin")
    @classmethod
    def _gtin(cls, value: str) -> str:
        return normalize_gtin(value)


def _gs1_expiry(value: dt.date | None) -> dt.date | None:
    # Refused here, not at render time: a date outside the GS1 century window (49 years back,
    # 50 ahead) cannot be written as YYMMDD, and would fail every export of the organization.
    if value is not None:
        expiry_yymmdd(value, field="expiry_date")
    return value


class LotIn(_Body):
    lot_number: Ai82
    expiry_date: Annotated[dt.date | None, AfterValidator(_gs1_expiry)] = None


class LotsBulkIn(_Body):
    product_id: uuid.UUID
    lots: Annotated[list[LotIn], Field(min_length=1, max_length=MAX_BULK)]


class GenerateSerials(_Body):
    count: int = Field(ge=1, le=MAX_BULK)
    prefix: Annotated[str, StringConstraints(max_length=MAX_SERIAL_PREFIX)] = ""

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        return validate_ai82(value, field="prefix") if value else value


class SerialsBulkIn(_Body):
    lot_id: uuid.UUID
    serial_numbers: Annotated[list[Ai82], Field(min_length=1, max_length=MAX_BULK)] | None = None
    generate: GenerateSerials | None = None

    @model_validator(mode="after")
    def _one_source(self) -> SerialsBulkIn:
        if (self.serial_numbers is None) == (self.generate is None):
            raise ValueError("give exactly one of serial_numbers or generate")
        return self


class ActivePatch(_Body):
    is_active: bool


def generated_serials(*, prefix: str, start: int, count: int) -> list[str]:
    """`prefix` + a zero-padded counter, as wide as the largest number needs (at least 6 digits)."""
    width = max(6, len(str(start + count - 1)))
    if len(prefix) + width > MAX_SERIAL_LEN:
        raise ValueError(f"prefix too long: serials would exceed {MAX_SERIAL_LEN} characters")
    return [f"{prefix}{n:0{width}d}" for n in range(start, start + count)]


def duplicates(values: list[str]) -> list[str]:
    seen: set[str] = set()
    dup: list[str] = []
    for v in values:
        if v in seen and v not in dup:
            dup.append(v)
        seen.add(v)
    return dup
