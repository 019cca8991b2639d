"""The streaming part writer: each page is written to the sink the moment it is complete.

Per page it writes two objects — the page dictionary and its Flate-compressed content stream —
and keeps only their offsets (8 bytes each in an int array), so memory does not grow with the
page count beyond those offsets. Object numbers follow `parts.first_object_for`; pages name
the shared Pages node (object 2) as parent and the shared Helvetica font (object 3).
"""

from __future__ import annotations

import zlib
from array import array

from labelkit.rendering.pdf.numbering import OBJECTS_PER_PAGE, PartInfo
from labelkit.rendering.pdf.syntax import FONT_OBJECT, PAGES_OBJECT, Sink

FONT_RESOURCE = b"F1"


class PartWriter:
    """Writes the pages of one part to `sink`, numbering objects from `first_object`."""

    def __init__(
        self, sink: Sink, first_object: int, page_size_pt: tuple[float, float], compress_level: int = 6
    ) -> None:
        if first_object < 1:
            raise ValueError("first_object must be ≥ 1")
        if not -1 <= compress_level <= 9:
            raise ValueError("compress_level must be between -1 and 9")
        self._sink = sink
        self._first_object = first_object
        self._next_object = first_object
        self._level = compress_level
        self._position = 0
        self._offsets: array[int] = array("q")
        self._pages: array[int] = array("q")
        width, height = page_size_pt
        self._page_head = (
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.3f %.3f] "
            b"/Resources << /Font << /%b %d 0 R >> >> /Contents "
            % (PAGES_OBJECT, width, height, FONT_RESOURCE, FONT_OBJECT)
        )
        self._finished = False

    @property
    def page_count(self) -> int:
        return len(self._pages)

    @property
    def bytes_written(self) -> int:
        return self._position

    def add_page(self, content: bytes) -> int:
        """Write one page whose content stream is `content` (uncompressed); its object number."""
        if self._finished:
            raise RuntimeError("the part is finished")
        page = self._next_object
        stream = zlib.compress(content, self._level)
        page_obj = b"%d 0 obj\n%b%d 0 R >>\nendobj\n" % (page, self._page_head, page + 1)
        content_obj = b"%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n%b\nendstream\nendobj\n" % (
            page + 1,
            len(stream),
            stream,
        )
        self._offsets.append(self._position)
        self._offsets.append(self._position + len(page_obj))
        self._pages.append(page)
        self._sink.write(page_obj + content_obj)
        self._position += len(page_obj) + len(content_obj)
        self._next_object += OBJECTS_PER_PAGE
        return page

    def finish(self, first_label_index: int, label_count: int, labels_per_page: int) -> PartInfo:
        """Close the part; what the assembler needs to place it."""
        self._finished = True
        return PartInfo(
            first_label_index,
            label_count,
            labels_per_page,
            self._first_object,
            self._position,
            self._offsets,
            self._pages,
        )
