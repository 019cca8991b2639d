"""PDF syntax: the few byte-level pieces every other module of this package writes.

Object numbers 1–3 are fixed for every sheet document, so parts rendered apart can refer to
them: 1 = Catalog, 2 = the one Pages node (written last, when all pages are known), 3 = the
Helvetica font. Page objects start at 4.
"""

from __future__ import annotations

from typing import Protocol

CATALOG_OBJECT = 1
PAGES_OBJECT = 2
FONT_OBJECT = 3
FIRST_PAGE_OBJECT = 4

#: The binary comment marks the file as binary for transfer tools.
VERSION_LINE = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
#: Classic xref entries are 10-digit offsets: past this a document needs an xref stream.
MAX_OFFSET = 9_999_999_999

_STRING_ESCAPES = (
    (b"\\", b"\\\\"),
    (b"(", b"\\("),
    (b")", b"\\)"),
    (b"\r", b"\\r"),
)


class Sink(Protocol):
    """Anything bytes can be written to: a file, a BytesIO, an upload buffer."""

    def write(self, data: bytes, /) -> object: ...


def indirect(number: int, body: bytes) -> bytes:
    """`number 0 obj … endobj` around a serialised object."""
    return b"%d 0 obj\n%b\nendobj\n" % (number, body)


def literal_string(encoded: bytes) -> bytes:
    """A PDF literal string `( … )` holding `encoded` exactly."""
    for raw, escaped in _STRING_ESCAPES:
        encoded = encoded.replace(raw, escaped)
    return b"(" + encoded + b")"
