"""A planned job's chunks: item ranges of at most the chunk size, spread evenly over the render
replicas and, for sheet PDFs, aligned to whole pages. Pure."""

from __future__ import annotations

import math

from labelkit.export_spec import ExportSpec
from labelkit.sheets.templates import DEFAULT_TEMPLATE_NAME, parse_template


def chunk_bounds(total: int, chunk_size: int, *, align: int = 1, spread: int = 1) -> list[tuple[int, int]]:
    """[first, end) item ranges; an empty job is still one (empty) chunk, so it completes the same way.

    `align`: chunk starts fall on multiples of it (a sheet PDF's labels per page: only the last
    part of a document may end mid-page). `spread`: a job of several chunks gets a multiple of
    this many (the chunks topic's partitions), so every partition — every replica — gets an equal
    share instead of one getting an extra chunk to do alone at the end.
    """
    if total == 0:
        return [(0, 0)]
    count = math.ceil(total / chunk_size)
    if count > 1 and spread > 1:
        count = math.ceil(count / spread) * spread
    size = math.ceil(total / count)
    size = max(align, size + (-size % align))  # round up to whole pages
    return [(start, min(start + size, total)) for start in range(0, total, size)]


def chunk_alignment(spec: ExportSpec) -> int:
    if spec.export_type != "sheet_pdf":
        return 1
    return parse_template(spec.asset_config.sheet_template or DEFAULT_TEMPLATE_NAME).labels_per_page
