from __future__ import annotations

import csv
import io
import itertools
import re

import pytest

from labelkit.gs1 import AI82_CHARS
from labelkit.rendering.entries import (
    MANIFEST_COLUMNS,
    ManifestRow,
    entry_name,
    escape_component,
    manifest_csv,
    manifest_header,
    visible,
)

GTIN = "09506000134352"
SAFE_NAME = re.compile(r"^[0-9]{14}(_[A-Za-z0-9.~-]+)+\.[a-z]+$")
WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
}


@pytest.mark.parametrize(
    ("lot", "serial", "expected"),
    [
        ("LOT42", "SN0001", "09506000134352_LOT42_SN0001.png"),
        ("A/B", None, "09506000134352_A~2FB.png"),
        ('%&+"', "x_y", "09506000134352_~25~26~2B~22_x~5Fy~m3.png"),
        ("CON", "NUL", "09506000134352_CON_NUL.png"),
        ("lot1", None, "09506000134352_lot1~m7.png"),
        ("Lot1", None, "09506000134352_Lot1~m6.png"),
    ],
)
def test_examples(lot: str, serial: str | None, expected: str) -> None:
    assert entry_name(GTIN, lot, serial, ext="png") == expected


def test_kind_suffix() -> None:
    assert entry_name(GTIN, "L", "S", ext="svg", kind="qr") == "09506000134352_L_S_qr.svg"
    assert entry_name(GTIN, "L", "S", ext="svg", kind="1d") == "09506000134352_L_S_1d.svg"


def test_every_ai82_character_gives_a_safe_name() -> None:
    for ch in sorted(AI82_CHARS):
        for value in (ch, ch * 20, f"A{ch}", f"{ch}.", f".{ch}"):
            name = entry_name(GTIN, value, value, ext="png")
            assert SAFE_NAME.match(name), name
            assert len(name) < 200
            assert not name.endswith((".", " "))
            stem = name.split(".")[0].split("_")
            assert not any(part.upper() in WINDOWS_RESERVED for part in stem)


def test_names_unique_even_case_insensitively() -> None:
    # All 1-2 character lots over a case-heavy alphabet plus awkward characters.
    alphabet = "aAbB0/_~%."[:-2] + "%."
    values = ["".join(p) for n in (1, 2, 3) for p in itertools.product(alphabet, repeat=n)]
    names = [entry_name(GTIN, v, None, ext="png") for v in values]
    assert len(set(names)) == len(values)
    assert len({n.casefold() for n in names}) == len(values)
    # Lot/serial split cannot collide either: "A_B" + "C" vs "A" + "B_C".
    assert entry_name(GTIN, "A_B", "C", ext="png") != entry_name(GTIN, "A", "B_C", ext="png")


def test_escape_is_injective_over_random_values() -> None:
    import random

    rng = random.Random(7)
    chars = sorted(AI82_CHARS)
    seen: dict[str, str] = {}
    for _ in range(20_000):
        v = "".join(rng.choice(chars) for _ in range(rng.randint(1, 6)))
        key = escape_component(v).casefold()
        assert seen.setdefault(key, v) == v


def test_manifest_is_well_formed_csv_with_visible_gs() -> None:
    rows = [
        ManifestRow(
            "e1",
            "a.png",
            "GS1 DataMatrix",
            "]d2",
            visible("0109506000134352\x1d21S"),
            "(01)09506000134352(21)S",
        ),
        ManifestRow(
            "e2", "b.png", "GS1 DataMatrix", "]d2", visible('0109506000134352\x1d21A,"B'), '(21)A,"B'
        ),
        ManifestRow("e3", "c.png", "GS1 DataMatrix", "]d2", visible("10<GS>\x1d21X"), "(10)<GS>"),
    ]
    data = manifest_header() + manifest_csv(rows, header=False)
    assert data == manifest_csv(rows)
    assert b"\x1d" not in data
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert tuple(parsed[0]) == MANIFEST_COLUMNS
    assert [tuple(r) for r in parsed[1:]] == [r.as_tuple() for r in rows]
    assert parsed[2][4] == '0109506000134352{GS}21A,"B'
    # "<GS>" in real data stays distinguishable from the separator token.
    assert parsed[3][4] == "10<GS>{GS}21X"
    assert data.endswith(b"\r\n")
