"""Where a label's symbol and HRI lines go inside its cell, and whether they fit at all.

The layout rule (all sizes in points inside the renderer, millimetres in messages):

1. The cell is shrunk by `padding_mm` on every side: nothing is drawn outside that inner box.
2. The symbol box is the symbol *with* its quiet zone: (modules + 2 × quiet zone) × module_mm.
   Text never enters the quiet zone; `text_gap_mm` more separates the two.
3. With no HRI lines the symbol is centred in the cell.
4. Otherwise two arrangements are tried: text *below* the symbol (symbol and text block each
   centred horizontally, the pair centred vertically) and text *beside* it (symbol left, text
   right, the pair centred horizontally, each centred vertically). For each, the largest font
   size is found at which the lines stack in the height left and the reference line
   ``(01)00000000000000`` (a GTIN line, always present) fits the width left, capped at
   `max_font_pt`. The arrangement with the larger size wins; on a tie (both capped), beside for
   a cell wider than tall, below otherwise. It must reach `min_font_pt`, or the label does not
   fit (a 422 at submit; `LabelDoesNotFit` at render).
5. At render time the same comparison is made with the label's widest actual line instead of
   the reference (so a very long lot may put one label's text below where its neighbours have
   it beside), and the font shrinks as far as that line needs: no line is ever clipped, however
   wide. Sizes are rounded down to 0.1 pt. Lines are left-aligned in their block, baseline to
   baseline LEADING em; the block's extent is taken from the font's full ascent and descent, so
   every glyph stays inside the inner box.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

from labelkit.sheets import helvetica
from labelkit.sheets.templates import PT_PER_MM, SheetTemplate

REFERENCE_LINE = "(01)00000000000000"
_REFERENCE_EM = helvetica.width_em(helvetica.encode(REFERENCE_LINE))


@dataclass(frozen=True, slots=True)
class LayoutOptions:
    padding_mm: float = 0.5
    text_gap_mm: float = 0.5
    min_font_pt: float = 4.0
    max_font_pt: float = 8.0


DEFAULT_LAYOUT = LayoutOptions()


class Arrangement(enum.StrEnum):
    ALONE = "alone"
    BELOW = "below"
    BESIDE = "beside"


@dataclass(frozen=True, slots=True)
class Fit:
    """The answer of `check_fit`: `reason` explains a refusal in words fit for an API error."""

    ok: bool
    reason: str | None = None
    arrangement: Arrangement | None = None
    font_pt: float = 0.0


@dataclass(frozen=True, slots=True)
class Placement:
    """One label, relative to its cell's bottom-left corner, in points."""

    symbol_x: float  # bottom-left of the symbol box (quiet zone included)
    symbol_y: float
    font_pt: float
    text_x: float  # start of every line
    baseline_y: float  # first line's baseline; later lines go down by LEADING × font_pt


class LabelDoesNotFit(ValueError):
    """A label's symbol (or its HRI lines) cannot be placed in the template's cell."""


def check_fit(
    template: SheetTemplate,
    symbol_modules: tuple[int, int],
    module_mm: float,
    hri_lines: int,
    options: LayoutOptions = DEFAULT_LAYOUT,
) -> Fit:
    """Does a symbol of `symbol_modules` (width, height, quiet zone included) at `module_mm`,
    with `hri_lines` lines of text, fit a label of `template`? For the 422 at submit time."""
    if not module_mm > 0:
        return Fit(False, f"module_mm must be greater than 0, not {module_mm:g}")
    cells = CellLayout(template, options)
    width, height = symbol_modules
    return cells.fit(
        width * module_mm * PT_PER_MM, height * module_mm * PT_PER_MM, hri_lines, symbol_modules, module_mm
    )


class CellLayout:
    """Places labels in the cells of one template; remembers the arrangement per symbol size."""

    def __init__(self, template: SheetTemplate, options: LayoutOptions = DEFAULT_LAYOUT) -> None:
        self.template = template
        self.options = options
        self.cell_w = template.label_width_mm * PT_PER_MM
        self.cell_h = template.label_height_mm * PT_PER_MM
        pad = options.padding_mm * PT_PER_MM
        self.inner_w = self.cell_w - 2 * pad
        self.inner_h = self.cell_h - 2 * pad
        self.gap = options.text_gap_mm * PT_PER_MM
        self._fits: dict[tuple[float, float, int], Fit] = {}
        self._room_cache: dict[tuple[float, float, int], list[_Room]] = {}

    def fit(
        self,
        sym_w: float,
        sym_h: float,
        lines: int,
        modules: tuple[int, int] | None = None,
        module_mm: float | None = None,
    ) -> Fit:
        key = (sym_w, sym_h, lines)
        found = self._fits.get(key)
        if found is None:
            found = self._fits[key] = self._fit(sym_w, sym_h, lines, modules, module_mm)
        return found

    def _fit(
        self, sym_w: float, sym_h: float, lines: int, modules: tuple[int, int] | None, module_mm: float | None
    ) -> Fit:
        opts = self.options
        if sym_w > self.inner_w + 1e-9 or sym_h > self.inner_h + 1e-9:
            what = f"{sym_w / PT_PER_MM:.2f} × {sym_h / PT_PER_MM:.2f} mm"
            if modules is not None and module_mm is not None:
                what += f" ({modules[0]} × {modules[1]} modules with quiet zone at {module_mm:g} mm)"
            return Fit(
                False,
                f"the symbol is {what} but a {self.template.label_width_mm:g} × "
                f"{self.template.label_height_mm:g} mm label of sheet template "
                f"{self.template.name!r} leaves {self.inner_w / PT_PER_MM:.2f} × "
                f"{self.inner_h / PT_PER_MM:.2f} mm inside its {opts.padding_mm:g} mm "
                "padding; use a smaller module_mm or a larger label",
            )
        if lines <= 0:
            return Fit(True, None, Arrangement.ALONE, 0.0)
        arrangement, font = _best(self._rooms(sym_w, sym_h, lines), _REFERENCE_EM)
        if font < opts.min_font_pt:
            return Fit(
                False,
                f"the symbol fits a {self.template.label_width_mm:g} × "
                f"{self.template.label_height_mm:g} mm label of sheet template "
                f"{self.template.name!r}, but {lines} human-readable line(s) of at "
                f"least {opts.min_font_pt:g} pt do not fit below or beside it "
                f"(at most {max(font, 0.0):.1f} pt would); use a smaller module_mm, "
                "human_readable false, or a larger label",
            )
        return Fit(True, None, arrangement, font)

    def _rooms(self, sym_w: float, sym_h: float, lines: int) -> list[_Room]:
        """Per arrangement, in tie-break order: the largest font the height allows (capped at
        max_font_pt) and the width left for text."""
        key = (sym_w, sym_h, lines)
        rooms = self._room_cache.get(key)
        if rooms is None:
            block_em = helvetica.block_height_em(lines)
            cap = self.options.max_font_pt
            below = _Room(
                Arrangement.BELOW, min(cap, (self.inner_h - sym_h - self.gap) / block_em), self.inner_w
            )
            beside = _Room(
                Arrangement.BESIDE, min(cap, self.inner_h / block_em), self.inner_w - sym_w - self.gap
            )
            rooms = self._room_cache[key] = [beside, below] if self.cell_w > self.cell_h else [below, beside]
        return rooms

    def place(self, sym_w: float, sym_h: float, line_widths_em: Sequence[float]) -> Placement:
        """Placement of one label whose symbol box is `sym_w` × `sym_h` pt and whose lines are
        `line_widths_em` wide at 1 pt. Raises LabelDoesNotFit."""
        fit = self.fit(sym_w, sym_h, len(line_widths_em))
        if not fit.ok:
            raise LabelDoesNotFit(fit.reason)
        if fit.arrangement is Arrangement.ALONE:
            return Placement((self.cell_w - sym_w) / 2, (self.cell_h - sym_h) / 2, 0.0, 0.0, 0.0)
        widest = max(line_widths_em)
        arrangement, font = _best(self._rooms(sym_w, sym_h, len(line_widths_em)), widest)
        font = _round_down(font)
        line_em = widest + 2 * helvetica.SIDE_BEARING
        text_w = font * line_em
        text_h = font * helvetica.block_height_em(len(line_widths_em))
        bearing = font * helvetica.SIDE_BEARING
        if arrangement is Arrangement.BELOW:
            top = (self.cell_h + sym_h + self.gap + text_h) / 2
            sym_x, sym_y = (self.cell_w - sym_w) / 2, top - sym_h
            text_x = (self.cell_w - text_w) / 2 + bearing
            block_top = sym_y - self.gap
        else:
            left = (self.cell_w - (sym_w + self.gap + text_w)) / 2
            sym_x, sym_y = left, (self.cell_h - sym_h) / 2
            text_x = left + sym_w + self.gap + bearing
            block_top = (self.cell_h + text_h) / 2
        return Placement(sym_x, sym_y, font, text_x, block_top - font * helvetica.ASCENT)


@dataclass(frozen=True, slots=True)
class _Room:
    arrangement: Arrangement
    font_cap: float  # the largest font size the height allows, capped at max_font_pt
    width: float  # the width left for text, pt


def _best(rooms: Sequence[_Room], widest_em: float) -> tuple[Arrangement, float]:
    """The arrangement giving the largest font to lines `widest_em` wide; earlier wins ties."""
    line_em = widest_em + 2 * helvetica.SIDE_BEARING
    best = rooms[0].arrangement, min(rooms[0].font_cap, rooms[0].width / line_em)
    for room in rooms[1:]:
        font = min(room.font_cap, room.width / line_em)
        if font > best[1]:
            best = room.arrangement, font
    return best


def _round_down(font: float) -> float:
    rounded = math.floor(font * 10) / 10
    return rounded if rounded > 0 else font
