"""Data Matrix (ECC 200) through libdmtx, called directly via pylibdmtx's ctypes bindings.

`pylibdmtx.encode()` cannot make GS1 symbols (no FNC1) and renders a 24-bit image at 5 px per
module with a margin. Here libdmtx draws 1 px per module, no margin, 8-bit grey, which *is* the
module matrix; and `DmtxPropFnc1 = 0x1D` turns every GS byte of the input into the FNC1
codeword, so an input starting with GS yields a GS1 DataMatrix (readers report `]d2`).
"""

from __future__ import annotations

import ctypes
import warnings
from typing import Any

with warnings.catch_warnings():
    # pylibdmtx compares libdmtx versions with distutils' LooseVersion at import time.
    warnings.simplefilter("ignore", DeprecationWarning)
    from pylibdmtx import wrapper as _dmtx

from labelkit.rendering.model import BitMatrix
from labelkit.rendering.symbols.errors import SymbolEncodeError
from labelkit.rendering.symbols.matrix import bitmatrix_from_grey

_P = _dmtx.DmtxProperty
_PROP_SCHEME = int(_P.DmtxPropScheme)
_PROP_SIZE = int(_P.DmtxPropSizeRequest)
_PROP_MODULE = int(_P.DmtxPropModuleSize)
_PROP_MARGIN = int(_P.DmtxPropMarginSize)
_PROP_FNC1 = int(_P.DmtxPropFnc1)
_PROP_PACKING = int(_P.DmtxPropPixelPacking)

# ASCII scheme: digit pairs pack into one codeword and FNC1 is an ASCII-mode codeword (232), so
# GS1 data stays compact and every reader handles it. AutoBest is slower and libdmtx's FNC1
# handling is only solid in ASCII mode.
_SCHEME_ASCII = int(_dmtx.DmtxScheme.DmtxSchemeAscii)
# GS1 DataMatrix prefers square symbols.
_SQUARE_AUTO = int(_dmtx.DmtxSymbolSize.DmtxSymbolSquareAuto)
_PACK_8BPP_K = int(_dmtx.DmtxPackOrder.DmtxPack8bppK)
_GS = 0x1D

_create: Any = _dmtx.dmtxEncodeCreate
_destroy: Any = _dmtx.dmtxEncodeDestroy
_set_prop: Any = _dmtx.dmtxEncodeSetProp
_encode: Any = _dmtx.dmtxEncodeDataMatrix
_UBYTE_P: Any = _dmtx.c_ubyte_p

# libdmtx builds codewords in fixed-size buffers; the largest symbol (144x144) holds 1558 data
# codewords, and a byte costs at most two codewords, so longer input can never fit and is refused
# before it reaches C.
MAX_DATA_BYTES = 1558


def encode_datamatrix(data: bytes | str, *, gs1: bool) -> BitMatrix:
    """Encode `data` as a square Data Matrix and return its modules (no quiet zone).

    With `gs1=True`, `data` must be a GS1 element string starting with GS (the leading FNC1),
    e.g. from `labelkit.gs1.element_string`. With `gs1=False` it is plain content (a Digital Link
    URI); then a GS byte has no special meaning.
    """
    raw = data.encode("latin-1") if isinstance(data, str) else data
    if gs1 and (not raw or raw[0] != _GS):
        raise SymbolEncodeError("GS1 DataMatrix data must start with the FNC1 marker (GS, 0x1D)")
    if not raw:
        raise SymbolEncodeError("Data Matrix data is empty")
    if len(raw) > MAX_DATA_BYTES:
        raise SymbolEncodeError(f"Data Matrix data is {len(raw)} bytes; too long for one symbol")
    # One encoder per symbol: libdmtx allocates the message and image inside dmtxEncodeDataMatrix
    # and only frees them in dmtxEncodeDestroy, so reusing an encoder would leak. Create/destroy
    # costs about a microsecond.
    enc = _create()
    if not enc:
        raise MemoryError("dmtxEncodeCreate failed")
    try:
        _set_prop(enc, _PROP_SCHEME, _SCHEME_ASCII)
        _set_prop(enc, _PROP_SIZE, _SQUARE_AUTO)
        _set_prop(enc, _PROP_MODULE, 1)
        _set_prop(enc, _PROP_MARGIN, 0)
        _set_prop(enc, _PROP_PACKING, _PACK_8BPP_K)
        if gs1:
            _set_prop(enc, _PROP_FNC1, _GS)
        if not _encode(enc, len(raw), ctypes.cast(ctypes.c_char_p(raw), _UBYTE_P)):
            raise SymbolEncodeError(f"libdmtx could not encode {len(raw)} bytes as Data Matrix")
        # Read the DmtxImage struct directly: three fewer foreign calls per symbol.
        image = enc[0].image[0]
        width, height, stride = image.width, image.height, image.rowSizeBytes
        pixels = ctypes.string_at(image.pxl, stride * height)
    finally:
        _destroy(ctypes.byref(enc))
    return bitmatrix_from_grey(pixels, width, height, stride)
