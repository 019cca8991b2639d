"""Our own encoder's symbol for a printer label: what `graphic` mode sends and the preview draws."""

from __future__ import annotations

from labelkit.gs1 import GS1Data, digital_link_uri, element_string
from labelkit.rendering.model import BitMatrix
from labelkit.rendering.printer.language import PrinterSetup
from labelkit.rendering.symbols.datamatrix import encode_datamatrix
from labelkit.rendering.symbols.linear import encode_linear
from labelkit.rendering.symbols.qr import encode_qr


def own_matrix(setup: PrinterSetup, data: GS1Data) -> BitMatrix:
    """The 2D symbol's modules: QR of the Digital Link URI, or GS1 DataMatrix of the element string."""
    if setup.symbol == "qr":
        return encode_qr(digital_link_uri(data, setup.digital_link_base))
    return encode_datamatrix(element_string(data), gs1=True)


def own_bars(data: GS1Data) -> bytes:
    """GS1-128 bar modules (one byte a module, 1 = bar, no quiet zone)."""
    return encode_linear("gs1_128", data).modules
