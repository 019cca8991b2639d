"""Our Code 128 / GS1-128 encoder (and the EAN-13, UPC-A and ITF tables) draw the same symbols as
the zint encoder inside zxing-cpp (the writer used before): bar for bar, on thousands of labels
of every shape the catalog allows
(digit runs of every length and parity, AI-82 punctuation, lower case, no expiry, no serial),
as GS1-128 and as plain Code 128 with its GS data character. And it is a real Code 128: every
symbol decodes, with its check character."""

from __future__ import annotations

import random

import pytest
import zxingcpp

from labelkit.gs1 import AI82_CHARS, GS1Data, bracketed, element_string, gtin_check_digit
from labelkit.gs1.gs1_128 import MAX_DATA_CHARACTERS
from labelkit.rendering.formats.layout import linear_matrix
from labelkit.rendering.formats.png import encode_png
from labelkit.rendering.symbols.code128 import bar_widths, codewords
from labelkit.rendering.symbols.ean_itf import ean13_widths, itf_widths
from labelkit.rendering.symbols.errors import SymbolEncodeError
from labelkit.rendering.symbols.linear import encode_linear
from tests.support.readers import decode_png, width_modules, zint_modules

ALPHABETS = ("0123456789", "0123456789A", "".join(sorted(AI82_CHARS)), "0123456789AZ-/a")


def random_labels(seed: int, count: int) -> list[GS1Data]:
    rng = random.Random(seed)

    def value() -> str:
        alphabet = rng.choice(ALPHABETS)
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 20)))

    labels = []
    for _ in range(count):
        body = "".join(rng.choice("0123456789") for _ in range(13))
        labels.append(
            GS1Data.create(
                gtin=body + str(gtin_check_digit(body)),
                lot=value(),
                serial=value() if rng.random() < 0.7 else None,
                expiry=rng.choice([None, "270630", "291231"]),
            )
        )
    return labels


@pytest.mark.parametrize("seed", range(4))
def test_the_same_symbols_as_zint(seed: int) -> None:
    gs1_checked = 0
    for data in random_labels(seed, 500):
        text = element_string(data, leading_fnc1=False)
        assert width_modules(bar_widths(codewords(text, gs1=False))) == zint_modules(
            text, zxingcpp.BarcodeFormat.Code128
        ), text
        if len(text) <= MAX_DATA_CHARACTERS:
            gs1_checked += 1
            ours = width_modules(bar_widths(codewords(text, gs1=True)))
            assert ours == zint_modules(bracketed(data), zxingcpp.BarcodeFormat.Code128, gs1=True), text
    assert gs1_checked > 150


def test_symbols_decode_with_their_check_character() -> None:
    for data in random_labels(99, 40):
        for kind, ident in (("code128", "]C0"), ("gs1_128", "]C1")):
            try:
                symbol = encode_linear(kind, data)
            except SymbolEncodeError:
                continue  # over 48 characters: test_gs1_128_capacity.py
            png = encode_png(linear_matrix(symbol, quiet=10), scale=2, quiet_x=0, quiet_y=0, dpi=300)
            assert decode_png(png) == [(ident, symbol.transmitted)]


@pytest.mark.parametrize("seed", range(2))
def test_ean_upc_and_itf_are_zints_too(seed: int) -> None:
    for data in random_labels(seed, 300):
        gtin = data.gtin
        assert width_modules(itf_widths(gtin)) == zint_modules(gtin, zxingcpp.BarcodeFormat.ITF)
        ean = gtin[1:13] + str(gtin_check_digit(gtin[1:13]))  # 13 digits, valid check digit
        assert width_modules(ean13_widths(ean)) == zint_modules(ean, zxingcpp.BarcodeFormat.EAN13)
        upc = gtin[2:13] + str(gtin_check_digit(gtin[2:13]))
        assert width_modules(ean13_widths("0" + upc)) == zint_modules(upc, zxingcpp.BarcodeFormat.UPCA)


def test_values_and_widths_of_a_known_symbol() -> None:
    # ISO/IEC 15417's own example shape: start C, FNC1, pairs, check, stop.
    values = codewords("0109506000134352", gs1=True)
    assert values[:2] == [105, 102] and values[2:-1] == [1, 9, 50, 60, 0, 13, 43, 52]
    assert values[-1] == (105 + sum(v * i for i, v in enumerate(values[:-1]) if i)) % 103
    widths = bar_widths(values)
    assert len(widths) == 6 * len(values) + 7 and sum(widths) == 11 * len(values) + 13


def test_only_ascii_data() -> None:
    with pytest.raises(SymbolEncodeError):
        codewords("LOT\u00e9", gs1=False)
    with pytest.raises(SymbolEncodeError):
        codewords("", gs1=True)
