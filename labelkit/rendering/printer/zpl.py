"""Zebra ZPL II: one `^XA ... ^XZ` block per label, ASCII only, opened by a `^FX` manifest line.

`native` lets the printer encode (`^BX`/`^BQ`/`^BC`, see zpl_fields for the GS1 rules);
`graphic` sends our own encoder's modules as a `^GF` bitmap, for firmware that encodes GS1 wrong.
"""

from __future__ import annotations

from labelkit.gs1 import GS1Data, digital_link_uri, element_string, hri_lines
from labelkit.gs1.gs1_128 import MAX_DATA_CHARACTERS, data_characters, too_long_message
from labelkit.rendering.model import BitMatrix
from labelkit.rendering.printer.dm_size import square_side
from labelkit.rendering.printer.geometry import LabelGeometry
from labelkit.rendering.printer.language import LanguageSpec, PrinterLabel, PrinterSetup
from labelkit.rendering.printer.own_symbol import own_bars, own_matrix
from labelkit.rendering.printer.sizing import FitError
from labelkit.rendering.printer.zpl_fields import DM_ESCAPE, comment_safe, datamatrix_field, gs1_128_field
from labelkit.rendering.printer.zpl_graphic import graphic_field, matrix_graphic
from labelkit.rendering.symbols.errors import SymbolEncodeError

CONTENT_TYPE = "application/vnd.zebra-zpl"
# ^BQ magnification and ^BY module width are 1..10 dots in the printer's firmware.
_NATIVE_MAX_DOTS = 10
_QR_SPARE_MODULES = 8


class ZplWriter:
    def __init__(self, setup: PrinterSetup) -> None:
        self.setup = setup
        self.geo = geo = LabelGeometry(setup)
        self.dots, self.x_mm, self.width, self.height = geo.dots, geo.x_mm, geo.width, geo.height
        self.quiet, self.font = geo.quiet, geo.font
        if setup.symbols == "native" and setup.symbol != "datamatrix" and self.dots > _NATIVE_MAX_DOTS:
            raise FitError(
                f"module {self.dots} dots at {setup.dpi} dpi exceeds the printer's native "
                f"{setup.symbol} limit of {_NATIVE_MAX_DOTS} dots; "
                "use zpl_symbols 'graphic' or a smaller module_mm"
            )

    def needed_size(self, data: GS1Data) -> tuple[int, int]:
        """(width, height) in dots of symbol + quiet zone + HRI: 2D text to the right, 1D below."""
        q = self.quiet
        if self.setup.symbol == "gs1_128":
            modules = len(own_bars(data))
            width = max(modules * self.dots + 2 * q, self.geo.text_width(["".join(hri_lines(data))]) + q)
            # GS1 minimum bar height: 15% of the symbol width.
            return width, int(0.15 * modules * self.dots) + 2 * self.dots + self.geo.hri_height(1)
        if self.setup.symbol == "qr" and self.setup.symbols == "native":
            side = self._native_qr_side(data) + 2 * q
        else:
            side = self._matrix(data).width * self.dots + 2 * q
        lines = hri_lines(data)
        return side + self.geo.text_width(lines), max(side, q + self.geo.hri_height(len(lines)))

    def _native_qr_side(self, data: GS1Data) -> int:
        # The printer picks its own QR version (often one larger than ours, +4 modules) and
        # draws ^BQ a few dots below ^FO: room for both so the HRI never overlaps the symbol.
        return (self._matrix(data).width + _QR_SPARE_MODULES) * self.dots

    def check_fit(self, data: GS1Data) -> None:
        """Raise FitError naming the sizes when symbol + HRI does not fit the label."""
        w, need_h = self.needed_size(data)
        if w > self.width or need_h > self.height:
            raise FitError(
                f"the {self.setup.symbol} symbol needs {w} x {need_h} dots "
                f"({w * 25.4 / self.setup.dpi:.1f} x {need_h * 25.4 / self.setup.dpi:.1f} mm) at "
                f"{self.setup.dpi} dpi with X = {self.x_mm} mm; "
                f"the label is {self.width} x {self.height} dots "
                f"({self.setup.label_width_mm} x {self.setup.label_height_mm} mm)"
            )

    def _matrix(self, data: GS1Data) -> BitMatrix:
        return own_matrix(self.setup, data)

    def symbol_side(self, data: GS1Data) -> int:
        """Dots a 2D symbol takes across (its HRI starts a quiet zone beyond), 0 for GS1-128:
        the printer's own Data Matrix size for native (the same as our encoder's), room for a
        larger QR version for native QR (see _native_qr_side)."""
        if self.setup.symbol == "gs1_128":
            return 0
        if self.setup.symbols == "graphic":
            return self._matrix(data).width * self.dots
        if self.setup.symbol == "qr":
            return self._native_qr_side(data)
        return square_side(element_string(data)) * self.dots

    # -- one label ------------------------------------------------------------------------
    def block(self, label: PrinterLabel) -> str:
        data = label.data
        encoded = (
            digital_link_uri(data, self.setup.digital_link_base)
            if self.setup.symbol == "qr"
            else "".join(hri_lines(data))
        )
        out = [
            "^XA",
            f"^FXentity={comment_safe(label.entity_id)} data={comment_safe(encoded)} "
            f"x_mm={self.x_mm} dots={self.dots} dpi={self.setup.dpi}",
            f"^PW{self.width}^LL{self.height}^LH0,0",
        ]
        x, y = self.geo.symbol_origin()
        if self.setup.symbol == "gs1_128":
            count = data_characters(tuple(data.pairs()))
            if count > MAX_DATA_CHARACTERS:  # the printer's ^BC would draw it, non-compliant
                raise SymbolEncodeError(too_long_message(count))
            bar_h = self.geo.bar_height
            if self.setup.symbols == "graphic":
                bars = own_bars(data)
                out.append(f"^FO{x},{y}" + graphic_field((bars,), self.dots, row_repeat=bar_h) + "^FS")
            else:
                out.append(f"^FO{x},{y}^BY{self.dots}^BCN,{bar_h},N,N,N,N^FD{gs1_128_field(data)}^FS")
            side = 0
        elif self.setup.symbols == "graphic":
            matrix = self._matrix(data)
            out.append(f"^FO{x},{y}" + matrix_graphic(matrix, self.dots) + "^FS")
            side = matrix.width * self.dots
        elif self.setup.symbol == "qr":
            side = self._native_qr_side(data)
            uri = digital_link_uri(data, self.setup.digital_link_base)
            # Error correction M, automatic input mode; the URI has no FNC1 (plain QR, ]Q1).
            out.append(f"^FO{x},{y}^BQN,2,{self.dots}^FDMA,{uri}^FS")
        else:
            element = element_string(data)  # once: sizing and the field both need it
            side = square_side(element) * self.dots
            out.append(f"^FO{x},{y}^BXN,{self.dots},200,,,,{DM_ESCAPE}^FD{datamatrix_field(element)}^FS")
        text_x, text_y = self.geo.text_origin(side)
        for n, line in enumerate(self.geo.hri(data)):
            out.append(f"^FO{text_x},{self.geo.line_y(text_y, n)}^A0N,{self.font},{self.font}^FD{line}^FS")
        out.append("^XZ\n")
        return "\n".join(out)


# ZPL: Zebra's registered type; spoolers pass it raw and browsers download it.
ZPL = LanguageSpec(file_format="zpl", content_type=CONTENT_TYPE, writer=ZplWriter)
