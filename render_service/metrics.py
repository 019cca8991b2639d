"""Render service metrics."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

ITEMS_RENDERED = Counter(
    "label_export_items_rendered_total", "Labels rendered into artifacts", ["export_type", "file_format"]
)
RENDER_SECONDS_PER_ITEM = Histogram(
    "label_export_render_seconds_per_item",
    "Wall time per label of each rendered batch (pool work included)",
    ["export_type"],
    buckets=(0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05),
)
CHUNK_SECONDS = Histogram(
    "label_export_chunk_duration_seconds",
    "Time to render one chunk",
    ["export_type"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160),
)
ASSEMBLY_SECONDS = Histogram(
    "label_export_assembly_duration_seconds",
    "Time to assemble a multi-chunk artifact",
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160),
)
JOBS_FINISHED = Counter("label_export_render_jobs_finished_total", "Jobs this replica finished", ["status"])
