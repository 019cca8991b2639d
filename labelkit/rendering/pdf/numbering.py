"""Parts of a sheet document and their object numbering, so chunks render apart and join later.

A job's labels are split into chunks (docs/design.md#scaling-one-job); each chunk is rendered as a *part*:
the page objects of its labels and their content streams, and nothing else. The final document is

    header (Catalog 1, Font 3) + part 0 + part 1 + … + Pages node 2, xref, trailer

Numbering scheme — exact, collision-free and gap-free, with no renumbering: every page uses two
objects (page, then content stream; symbols are inline image masks inside the content), so the
page with global index p is object 4 + 2p and its content 5 + 2p. A part beginning at label
`first_label_index` begins at page `first_label_index / labels_per_page`, which requires chunk
boundaries on page boundaries: a page can only come from one part. Only the last part may end
on a partly filled page. The assembler checks all of this before writing a byte.

A part records offsets relative to its own first byte; the assembler adds the header length
and the lengths of the parts before it, so parts are opaque byte ranges it never reads.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from labelkit.rendering.pdf.syntax import FIRST_PAGE_OBJECT

OBJECTS_PER_PAGE = 2


def first_object_for(first_label_index: int, labels_per_page: int) -> int:
    """The first object number of the part that starts at `first_label_index`."""
    if first_label_index < 0 or labels_per_page < 1:
        raise ValueError("first_label_index must be ≥ 0 and labels_per_page ≥ 1")
    page, rest = divmod(first_label_index, labels_per_page)
    if rest:
        raise ValueError(
            f"a part must start on a page boundary: label {first_label_index} is "
            f"not a multiple of {labels_per_page} labels per page"
        )
    return FIRST_PAGE_OBJECT + OBJECTS_PER_PAGE * page


def page_aligned_chunks(
    total_labels: int, labels_per_page: int, target_labels: int
) -> Iterator[tuple[int, int]]:
    """(first_label_index, label_count) of chunks of about `target_labels` labels, every
    boundary on a page boundary (rounded up to whole pages, at least one page)."""
    if labels_per_page < 1 or total_labels < 0:
        raise ValueError("labels_per_page must be ≥ 1 and total_labels ≥ 0")
    size = max(1, -(-target_labels // labels_per_page)) * labels_per_page
    for start in range(0, total_labels, size):
        yield start, min(size, total_labels - start)


@dataclass(frozen=True, slots=True)
class PartInfo:
    """What the assembler needs to know about one rendered part, besides its bytes.

    `offsets[i]` is where object `first_object + i` starts, counted from the part's first byte;
    `page_objects` are the part's page objects in order. Both are compact int arrays.
    """

    first_label_index: int
    label_count: int
    labels_per_page: int
    first_object: int
    length: int
    offsets: array[int]
    page_objects: array[int]

    @property
    def page_count(self) -> int:
        return len(self.page_objects)

    @property
    def end_object(self) -> int:
        """One past the last object number the part uses."""
        return self.first_object + len(self.offsets)

    def to_json(self) -> dict[str, object]:
        """A JSON-ready form to store beside the part's bytes (e.g. an S3 sidecar)."""
        return {
            "first_label_index": self.first_label_index,
            "label_count": self.label_count,
            "labels_per_page": self.labels_per_page,
            "first_object": self.first_object,
            "length": self.length,
            "offsets": self.offsets.tolist(),
            "page_objects": self.page_objects.tolist(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> PartInfo:
        def integer(key: str) -> int:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"part info {key} must be an integer")
            return value

        def integers(key: str) -> array[int]:
            value = data[key]
            if not isinstance(value, list) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in value
            ):
                raise ValueError(f"part info {key} must be a list of integers")
            return array("q", value)

        return cls(
            integer("first_label_index"),
            integer("label_count"),
            integer("labels_per_page"),
            integer("first_object"),
            integer("length"),
            integers("offsets"),
            integers("page_objects"),
        )
