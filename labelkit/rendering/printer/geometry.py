"""Where a printer label's parts go, in printer dots: one place for every language and the preview.

The printer-language writers (ZPL today) place the symbol and the HRI lines with these numbers and
the dashboard's drawing of a thermal label (label_svg) uses the same ones, so the preview cannot
drift from what the printer is told to print.
"""

from __future__ import annotations

from labelkit.gs1 import GS1Data, hri_lines
from labelkit.rendering.printer.language import PrinterSetup
from labelkit.rendering.printer.sizing import achieved_mm, mm_to_dots, module_dots

# GS1-128 nominal bar height at X = 0.495 mm is 31.75 mm: about 64 modules; labels are often
# shorter, so the bars take what the label leaves, down to 15% of the symbol width (GS1 minimum).
_LINEAR_HEIGHT_MODULES = 64
# HRI font height: about 2 mm, in dots, at least 10 (a printer's smallest readable scalable font).
_FONT_MM = 2.0
_MIN_FONT_DOTS = 10


class LabelGeometry:
    """The job-wide sizes in dots and the placement rules: 2D symbols at (quiet, quiet) with the
    HRI to their right; GS1-128 at (quiet, 0) with its one HRI line below the bars."""

    def __init__(self, setup: PrinterSetup) -> None:
        self.setup = setup
        self.linear = setup.symbol == "gs1_128"
        self.dots = module_dots(setup.module_mm, setup.dpi)
        self.x_mm = achieved_mm(self.dots, setup.dpi)
        self.width = mm_to_dots(setup.label_width_mm, setup.dpi)
        self.height = mm_to_dots(setup.label_height_mm, setup.dpi)
        self.quiet = setup.quiet_zone_modules * self.dots
        self.font = max(_MIN_FONT_DOTS, mm_to_dots(_FONT_MM, setup.dpi))
        self.line_step = self.font + self.font // 4
        self.bar_height = max(
            min(_LINEAR_HEIGHT_MODULES * self.dots, self.height - self.hri_height(1) - 2 * self.dots), 1
        )

    def hri_height(self, lines: int) -> int:
        return lines * self.line_step if self.setup.human_readable else 0

    def text_width(self, lines: list[str]) -> int:
        # A printer's scalable font is proportional; 0.6 of the height bounds its glyph width.
        return int(max(len(line) for line in lines) * self.font * 0.6) if self.setup.human_readable else 0

    def symbol_origin(self) -> tuple[int, int]:
        """Top-left dot of the symbol (its quiet zone is the space around it)."""
        return (self.quiet, 0) if self.linear else (self.quiet, self.quiet)

    def text_origin(self, side: int) -> tuple[int, int]:
        """Top-left dot of the first HRI line, for a 2D symbol `side` dots wide."""
        if self.linear:
            return self.quiet, self.bar_height + self.dots
        return side + 2 * self.quiet, self.quiet

    def hri(self, data: GS1Data) -> list[str]:
        """The HRI lines as printed (none without human_readable): one line under a GS1-128."""
        if not self.setup.human_readable:
            return []
        lines = hri_lines(data)
        return ["".join(lines)] if self.linear else lines

    def line_y(self, text_y: int, n: int) -> int:
        return text_y + n * self.line_step
