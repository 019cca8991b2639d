"""QR Code module matrices through zxing-cpp's writer (zint inside): ~10x faster than pure-Python QR."""

from __future__ import annotations

from typing import Any, cast

import zxingcpp

from labelkit.rendering.model import BitMatrix
from labelkit.rendering.symbols.errors import SymbolEncodeError
from labelkit.rendering.symbols.matrix import bitmatrix_from_grey

EC_LEVELS = ("L", "M", "Q", "H")


def encode_qr(text: str, *, ec_level: str = "M") -> BitMatrix:
    """Encode `text` (a Digital Link URI) as a QR Code; return its modules without quiet zone.

    `create_barcode` silently ignores keyword arguments it does not know, so the result is
    checked: right symbology and the error-correction level actually applied.
    """
    if ec_level not in EC_LEVELS:
        raise ValueError(f"ec_level must be one of {EC_LEVELS}")
    try:
        symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=ec_level)
    except Exception as exc:  # zxing-cpp raises plain ValueError/RuntimeError with zint's message
        raise SymbolEncodeError(f"QR Code: {exc}") from None
    if symbol.format != zxingcpp.BarcodeFormat.QRCode or symbol.ec_level != ec_level:
        raise SymbolEncodeError(f"QR Code writer returned {symbol.format} at EC level {symbol.ec_level!r}")
    # scale 1 without quiet zone is exactly one pixel per module.
    image = symbol.to_image(scale=1, add_quiet_zones=False)
    height, width = image.shape
    # The image exposes the buffer protocol; zxing-cpp's stubs just do not declare it.
    pixels = bytes(memoryview(cast(Any, image)))
    return bitmatrix_from_grey(pixels, width, height)
