"""The layout rule: fit checks for submit time, and placements that never clip."""

from __future__ import annotations

import random

import pytest

from labelkit.rendering.pdf import (
    BUILTIN_TEMPLATES,
    Arrangement,
    LabelDoesNotFit,
    LayoutOptions,
    check_fit,
)
from labelkit.sheets import helvetica
from labelkit.sheets.layout import CellLayout
from labelkit.sheets.templates import PT_PER_MM

EPS = 1e-6


def test_default_sheet_fits_a_typical_datamatrix() -> None:
    fit = check_fit(BUILTIN_TEMPLATES["63up_1in_letter"], (22 + 4, 22 + 4), 0.5, 4)
    assert fit.ok and fit.reason is None
    assert fit.arrangement is Arrangement.BELOW
    assert 4 <= fit.font_pt <= 8


def test_symbol_too_large_says_so_in_millimetres() -> None:
    fit = check_fit(BUILTIN_TEMPLATES["80up_0.5x1.75in_letter"], (36, 36), 0.5, 4)
    assert not fit.ok and fit.reason is not None
    assert "18.00 × 18.00 mm (36 × 36 modules with quiet zone at 0.5 mm)" in fit.reason
    assert "44.45 × 12.7 mm label" in fit.reason and "module_mm" in fit.reason


def test_symbol_alone_may_fill_the_inner_box() -> None:
    t = BUILTIN_TEMPLATES["63up_1in_letter"]
    assert check_fit(t, (48, 48), 0.5, 0).arrangement is Arrangement.ALONE  # 24 mm ≤ 24.4 mm
    assert not check_fit(t, (49, 49), 0.5, 0).ok


def test_text_that_cannot_reach_the_minimum_size_is_refused() -> None:
    t = BUILTIN_TEMPLATES["63up_1in_letter"]
    fit = check_fit(t, (36, 36), 0.5, 4)
    assert not fit.ok and fit.reason is not None
    assert "4 human-readable line(s) of at least 4 pt" in fit.reason
    assert check_fit(t, (36, 36), 0.5, 2).ok  # fewer lines fit
    assert check_fit(t, (36, 36), 0.5, 4, LayoutOptions(min_font_pt=3.5)).ok


def test_wide_labels_put_text_beside_the_symbol() -> None:
    assert (
        check_fit(BUILTIN_TEMPLATES["30up_1x2.625in_letter"], (26, 26), 0.3, 4).arrangement
        is Arrangement.BESIDE
    )
    assert (
        check_fit(BUILTIN_TEMPLATES["80up_0.5x1.75in_letter"], (26, 26), 0.3, 3).arrangement
        is Arrangement.BESIDE
    )


def test_bad_module_size() -> None:
    fit = check_fit(BUILTIN_TEMPLATES["63up_1in_letter"], (20, 20), 0, 1)
    assert not fit.ok and "module_mm" in (fit.reason or "")


def test_render_time_refusal_matches_check_fit() -> None:
    cells = CellLayout(BUILTIN_TEMPLATES["63up_1in_letter"])
    with pytest.raises(LabelDoesNotFit, match=r"inside its 0\.5 mm padding"):
        cells.place(30 * PT_PER_MM, 30 * PT_PER_MM, [9.0])


def _inside(inner: tuple[float, float, float, float], box: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = inner
    a0, b0, a1, b1 = box
    return a0 >= x0 - EPS and b0 >= y0 - EPS and a1 <= x1 + EPS and b1 <= y1 + EPS


def _disjoint(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[2] <= b[0] + EPS or b[2] <= a[0] + EPS or a[3] <= b[1] + EPS or b[3] <= a[1] + EPS


@pytest.mark.parametrize("name", sorted(BUILTIN_TEMPLATES))
def test_placements_never_clip_or_overlap(name: str) -> None:
    rng = random.Random(name)
    opts = LayoutOptions()
    cells = CellLayout(BUILTIN_TEMPLATES[name], opts)
    pad = opts.padding_mm * PT_PER_MM
    inner = (pad, pad, cells.cell_w - pad, cells.cell_h - pad)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz%&'*+,-./:;<=>?_!\"()W"
    placed = 0
    for _ in range(400):
        side = rng.randint(10, 60) * rng.choice((0.25, 0.3, 0.5)) * PT_PER_MM
        lines = [helvetica.encode("(01)" + "".join(rng.choices("0123456789", k=14)))]
        lines += [
            helvetica.encode(f"({ai})" + "".join(rng.choices(alphabet, k=rng.randint(1, 20))))
            for ai in rng.sample(["10", "17", "21"], rng.randint(0, 3))
        ]
        widths = [helvetica.width_em(line) for line in lines]
        try:
            p = cells.place(side, side, widths)
        except LabelDoesNotFit:
            continue
        placed += 1
        symbol = (p.symbol_x, p.symbol_y, p.symbol_x + side, p.symbol_y + side)
        assert _inside(inner, symbol)
        bearing = p.font_pt * helvetica.SIDE_BEARING
        top = p.baseline_y + p.font_pt * helvetica.ASCENT
        text = (
            p.text_x - bearing,
            top - p.font_pt * helvetica.block_height_em(len(lines)),
            p.text_x + p.font_pt * max(widths) + bearing,
            top,
        )
        assert _inside(inner, text), (name, side, lines, p)
        gap = opts.text_gap_mm * PT_PER_MM
        assert _disjoint((symbol[0] - gap, symbol[1] - gap, symbol[2] + gap, symbol[3] + gap), text)
        assert p.font_pt <= opts.max_font_pt
        assert round(p.font_pt * 10) == pytest.approx(p.font_pt * 10)
    assert placed > 50
