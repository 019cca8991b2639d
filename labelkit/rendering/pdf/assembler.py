"""Joins parts into one PDF: constant header, the parts' bytes as they are, then the trailer.

    HEADER | part 0 | part 1 | … | Pages node (object 2) | xref | trailer

The header is the same for every document (version line, Catalog 1, Font 3), so it can be
written by anyone — e.g. by the worker of the first chunk in front of its part. The trailer
needs only the parts' `PartInfo`s: absolute offsets are `len(HEADER)` + the lengths of the
parts before + the part-relative offsets. The assembler never reads part bytes, so parts can
be joined by concatenating files or by server-side copies of S3 objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import BinaryIO

from labelkit.rendering.pdf.numbering import OBJECTS_PER_PAGE, PartInfo, first_object_for
from labelkit.rendering.pdf.syntax import (
    CATALOG_OBJECT,
    FIRST_PAGE_OBJECT,
    FONT_OBJECT,
    MAX_OFFSET,
    PAGES_OBJECT,
    VERSION_LINE,
    Sink,
    indirect,
)

_CATALOG = indirect(CATALOG_OBJECT, b"<< /Type /Catalog /Pages %d 0 R >>" % PAGES_OBJECT)
_FONT = indirect(
    FONT_OBJECT, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
)
HEADER = VERSION_LINE + _CATALOG + _FONT
_CATALOG_OFFSET = len(VERSION_LINE)
_FONT_OFFSET = len(VERSION_LINE) + len(_CATALOG)

#: xref entries and page references are written in batches of this many, to bound memory.
_BATCH = 4096
_COPY_CHUNK = 1 << 20


class EmptyDocument(ValueError):
    """A sheet document must have at least one page (docs/contract.md#filters: fail instead)."""


class PartsMismatch(ValueError):
    """The parts given do not form one document: gaps, overlaps, misaligned or foreign parts."""


def check_parts(parts: Iterable[PartInfo]) -> list[PartInfo]:
    """The parts in label order, once shown to form one document; raises PartsMismatch."""
    ordered = sorted(parts, key=lambda part: part.first_label_index)
    next_label = 0
    for i, part in enumerate(ordered):
        where = f"part at label {part.first_label_index}"
        if part.first_label_index != next_label:
            raise PartsMismatch(
                f"{where}: expected a part starting at label {next_label} (gap or overlap between parts)"
            )
        if part.labels_per_page != ordered[0].labels_per_page:
            raise PartsMismatch(
                f"{where}: {part.labels_per_page} labels per page, not "
                f"{ordered[0].labels_per_page} like the first part"
            )
        try:
            expected = first_object_for(part.first_label_index, part.labels_per_page)
        except ValueError as exc:
            raise PartsMismatch(f"{where}: {exc}") from None
        if part.first_object != expected:
            raise PartsMismatch(f"{where}: numbered from object {part.first_object}, not {expected}")
        last = i == len(ordered) - 1
        if not last and part.label_count % part.labels_per_page:
            raise PartsMismatch(
                f"{where}: {part.label_count} labels end on a partly filled page, "
                "which only the last part may do"
            )
        pages = -(-part.label_count // part.labels_per_page)
        if part.page_count != pages or len(part.offsets) != OBJECTS_PER_PAGE * pages:
            raise PartsMismatch(
                f"{where}: {part.page_count} pages and {len(part.offsets)} objects "
                f"for {part.label_count} labels"
            )
        next_label += part.label_count
    if next_label == 0:
        raise EmptyDocument("the document has no labels, so no pages")
    return ordered


def write_trailer(parts: Sequence[PartInfo], sink: Sink, *, start: int = len(HEADER)) -> int:
    """Write the Pages node, xref and trailer for `parts`, which the sink holds from byte
    `start` on (right after HEADER); returns the bytes written."""
    ordered = check_parts(parts)
    pages_offset = start + sum(part.length for part in ordered)
    page_count = sum(part.page_count for part in ordered)
    written = _write_all(sink, _pages_node(ordered, page_count))
    xref_offset = pages_offset + written
    if xref_offset > MAX_OFFSET:
        raise ValueError("document too large for a classic cross-reference table")
    size = ordered[-1].end_object
    written += _write_all(sink, _xref(ordered, start, pages_offset, size))
    written += _write_all(
        sink,
        [
            b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (size, CATALOG_OBJECT, xref_offset)
        ],
    )
    return written


def join_pdf_parts(parts: Sequence[tuple[PartInfo, bytes | BinaryIO]], sink: Sink) -> int:
    """Write a whole document from parts and their bytes (or readable files); returns its size."""
    ordered = check_parts(info for info, _ in parts)
    by_start = {info.first_label_index: data for info, data in parts}
    written = _write_all(sink, [HEADER])
    for info in ordered:
        data = by_start[info.first_label_index]
        copied = _write_all(sink, [data] if isinstance(data, bytes) else _chunks(data))
        if copied != info.length:
            raise PartsMismatch(
                f"part at label {info.first_label_index}: {copied} bytes, its record says {info.length}"
            )
        written += copied
    return written + write_trailer(ordered, sink, start=len(HEADER))


def _pages_node(ordered: Sequence[PartInfo], page_count: int) -> Iterator[bytes]:
    yield b"%d 0 obj\n<< /Type /Pages /Count %d /Kids [\n" % (PAGES_OBJECT, page_count)
    for part in ordered:
        pages = part.page_objects
        for i in range(0, len(pages), _BATCH):
            yield b"".join(b"%d 0 R\n" % number for number in pages[i : i + _BATCH])
    yield b"] >>\nendobj\n"


def _xref(ordered: Sequence[PartInfo], start: int, pages_offset: int, size: int) -> Iterator[bytes]:
    yield b"xref\n0 %d\n0000000000 65535 f \n" % size
    fixed = {CATALOG_OBJECT: _CATALOG_OFFSET, PAGES_OBJECT: pages_offset, FONT_OBJECT: _FONT_OFFSET}
    yield b"".join(b"%010d 00000 n \n" % fixed[number] for number in range(1, FIRST_PAGE_OBJECT))
    base = start
    for part in ordered:
        offsets = part.offsets
        for i in range(0, len(offsets), _BATCH):
            yield b"".join(b"%010d 00000 n \n" % (base + offset) for offset in offsets[i : i + _BATCH])
        base += part.length


def _chunks(source: BinaryIO) -> Iterator[bytes]:
    while chunk := source.read(_COPY_CHUNK):
        yield chunk


def _write_all(sink: Sink, pieces: Iterable[bytes]) -> int:
    total = 0
    for piece in pieces:
        sink.write(piece)
        total += len(piece)
    return total
