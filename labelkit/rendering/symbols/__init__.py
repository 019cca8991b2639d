"""Symbol encoders: data in, `BitMatrix` (2D) or bar widths (1D) out. No drawing here."""

from labelkit.rendering.symbols.errors import SymbolEncodeError

__all__ = ["SymbolEncodeError"]
