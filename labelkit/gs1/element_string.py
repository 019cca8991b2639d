"""One entity's GS1 data and its three spellings: element string, HRI text and bracketed input.

The order is fixed by the contract (docs/contract.md#label-content): 01, 17, 10, 21. AIs 01 and 17 have
predefined lengths, so only 10 (when 21 follows) needs a separator; AI 21 is always last.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .charset import validate_lot, validate_serial
from .dates import expiry_yymmdd
from .gtin import normalize_gtin

# In-band marker for FNC1. Encoders are configured so this byte becomes the FNC1 codeword
# (libdmtx `DmtxPropFnc1`), and a scanner transmits a separator FNC1 as this same byte, so the
# string we encode is byte-for-byte what a reader returns after the symbology identifier.
GS = "\x1d"
FNC1 = GS


@dataclass(frozen=True, slots=True)
class GS1Data:
    """Validated, normalised GS1 data of one label. Build it with `GS1Data.create`."""

    gtin: str  # 14 digits, check digit verified
    expiry: str | None = None  # YYMMDD
    lot: str | None = None
    serial: str | None = None

    @classmethod
    def create(
        cls,
        *,
        gtin: str,
        lot: str | None = None,
        serial: str | None = None,
        expiry: dt.date | str | None = None,
        today: dt.date | None = None,
    ) -> GS1Data:
        """Validate every part (raising `GS1ValidationError` naming the field) and normalise."""
        return cls(
            gtin=normalize_gtin(gtin),
            expiry=None if expiry is None else expiry_yymmdd(expiry, today=today),
            lot=None if lot is None else validate_lot(lot),
            serial=None if serial is None else validate_serial(serial),
        )

    def pairs(self) -> list[tuple[str, str]]:
        """(AI, value) in contract order, absent parts left out."""
        out = [("01", self.gtin)]
        if self.expiry is not None:
            out.append(("17", self.expiry))
        if self.lot is not None:
            out.append(("10", self.lot))
        if self.serial is not None:
            out.append(("21", self.serial))
        return out


# AIs whose value length is not predefined by the GS1 table, so a following AI needs a separator.
_VARIABLE_LENGTH = frozenset({"10", "21"})


def element_string(data: GS1Data, *, leading_fnc1: bool = True) -> str:
    """The GS1 element string, e.g. `\\x1d0109506000134352172512311012345\\x1d21ABC`.

    With `leading_fnc1` (the default) it starts with the FNC1 marker that makes a symbol GS1
    (`]d2`/`]C1`); without it, it is exactly what a scanner transmits after the identifier.
    """
    return pairs_element_string(data.pairs(), leading_fnc1=leading_fnc1)


def pairs_element_string(pairs: Sequence[tuple[str, str]], *, leading_fnc1: bool = True) -> str:
    """`element_string` of any (AI, value) pairs in the given order, e.g. one symbol's share of
    a label split over two GS1-128 symbols."""
    parts: list[str] = [FNC1] if leading_fnc1 else []
    last = len(pairs) - 1
    for i, (ai, value) in enumerate(pairs):
        parts.append(ai)
        parts.append(value)
        if ai in _VARIABLE_LENGTH and i != last:
            parts.append(GS)
    return "".join(parts)


def hri(data: GS1Data) -> str:
    """Human-readable interpretation: `(01)09506000134352(17)251231(10)LOT(21)SER`."""
    return pairs_hri(data.pairs())


def pairs_hri(pairs: Sequence[tuple[str, str]]) -> str:
    """`hri` of any (AI, value) pairs."""
    return "".join(f"({ai}){value}" for ai, value in pairs)


def hri_lines(data: GS1Data) -> list[str]:
    """HRI split one AI per line, for text under a narrow 2D symbol."""
    return [f"({ai}){value}" for ai, value in data.pairs()]


def bracketed(data: GS1Data) -> str:
    """`[01]...[10]...` form, the GS1 input syntax of zint (zxing-cpp's writer).

    Square brackets are not in the AI-82 set, so unlike the parenthesised HRI this cannot be
    confused by a lot such as `A(10)B`.
    """
    return "".join(f"[{ai}]{value}" for ai, value in data.pairs())
