"""How much one GS1-128 symbol may carry, and how a longer label is split over two symbols.

GS1 General Specifications (GS1-128 symbology characteristics): at most 48 data characters in
one symbol, counting every AI digit, every value character and every FNC1 used as a separator,
but not the FNC1 in first position, start, check or stop characters. So the count is the length
of the element string as a reader transmits it (`element_string(..., leading_fnc1=False)`).

A label over 48 characters is either refused or split (docs/contract.md#gs1-128-capacity,
asset_config `gs1_128_overflow`). The split fills the first symbol with the AIs in contract
order (01, 17, 10) while they fit and puts the rest (21) in the second symbol. Every symbol
starts with its own FNC1, a variable-length AI that ends a symbol needs no separator, and each
element string appears exactly once, so the two transmissions joined with a GS are the
entity's element string. With the contract's limits (20-character lot and serial) the first
symbol never holds more than 46 characters and the second 22: two symbols always suffice.
"""

from __future__ import annotations

from typing import Literal

from .element_string import GS1Data, pairs_element_string

MAX_DATA_CHARACTERS = 48

Pairs = tuple[tuple[str, str], ...]
Overflow = Literal["split", "refuse"]
DEFAULT_OVERFLOW: Overflow = "split"


def data_characters(pairs: Pairs) -> int:
    """GS1-128 data characters of `pairs` in one symbol (separator FNC1s included)."""
    return len(pairs_element_string(pairs, leading_fnc1=False))


def too_long_message(count: int) -> str:
    """The reason a label is refused: the count and the limit, and what would print it."""
    return (
        f"its GS1-128 data is {count} characters; one GS1-128 symbol holds at most "
        f"{MAX_DATA_CHARACTERS} (GS1 General Specifications). asset_config.gs1_128_overflow "
        "'split' prints it as two GS1-128 symbols, or use a 2D symbol"
    )


def symbol_groups(data: GS1Data) -> tuple[Pairs, ...]:
    """The AIs of each GS1-128 symbol of `data`: one group when they fit in one symbol, else two."""
    pairs = tuple(data.pairs())
    if data_characters(pairs) <= MAX_DATA_CHARACTERS:
        return (pairs,)
    first: list[tuple[str, str]] = []
    for pair in pairs:
        if data_characters((*first, pair)) > MAX_DATA_CHARACTERS:
            break
        first.append(pair)
    return tuple(first), pairs[len(first) :]
