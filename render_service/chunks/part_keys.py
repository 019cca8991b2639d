"""Where a multi-chunk job keeps its parts until assembly (docs/design.md#scaling-one-job). Pure.

Each chunk leaves its archive bytes plus a small sidecar: for a ZIP the chunk's central-directory
records and its deflated manifest rows; for a sheet PDF the parts' object tables (`PartInfo`). Keys
are deterministic, so a chunk rendered twice overwrites itself instead of adding a second copy.
(The sidecar names changed with their formats, so parts left by an older version fail loudly.)
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.ownership import job_prefix


@dataclass(frozen=True, slots=True)
class PartKeys:
    data: str
    records: str  # ZIP: central-directory records, framed per batch (`zip_parts`)
    manifest: str  # ZIP: manifest.csv rows, no header, as a `DeflatedPiece`
    pdf_parts: str  # PDF: JSON list of PartInfo


def part_prefix(organization_id: object, job_id: str) -> str:
    return f"{job_prefix(organization_id, job_id)}parts/"


def part_keys(organization_id: object, job_id: str, chunk_index: int) -> PartKeys:
    stem = f"{part_prefix(organization_id, job_id)}{chunk_index:05d}"
    return PartKeys(
        data=f"{stem}.part", records=f"{stem}.records", manifest=f"{stem}.manifest", pdf_parts=f"{stem}.json"
    )
