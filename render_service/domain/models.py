"""A planned job and its chunks as the render service reads them: small frozen values, typed once
when they leave the database (jobs_repo), so no code downstream reads a row by string keys."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from labelkit.export_spec import AssetConfig, ExportType, FileFormat, Scope

LIVE = ("rendering", "assembling")  # a job in these states is still being worked on


@dataclass(frozen=True, slots=True)
class Output:
    """What a job's artifact is made of: its validated spec but the filters. Those served
    planning only (the snapshot holds their result), and up to 10,000 ids each would cost
    milliseconds of the event loop to type again at every read of the job."""

    scope: Scope
    export_type: ExportType
    file_format: FileFormat
    asset_config: AssetConfig


@dataclass(frozen=True, slots=True)
class StoredArtifact:
    """What a completed job produced (what its `completed` event says)."""

    key: str
    output_filename: str
    file_size_bytes: int
    content_type: str
    sha256: str


@dataclass(frozen=True, slots=True)
class PlannedJob:
    job_id: str
    organization_id: uuid.UUID
    output: Output
    status: str  # rendering, assembling, completed or failed
    total_items: int
    chunk_count: int
    planned_at: dt.datetime  # also the timestamp of every ZIP entry (a re-render is byte-identical)
    error: str | None
    artifact: StoredArtifact | None  # set once completed

    @property
    def live(self) -> bool:
        return self.status in LIVE


@dataclass(frozen=True, slots=True)
class Chunk:
    """Items [first_seq, end_seq) of a job's snapshot."""

    chunk_index: int
    first_seq: int
    end_seq: int
    status: str  # pending or done
    part_size: int | None  # bytes of the part, once done

    @property
    def item_count(self) -> int:
        return self.end_seq - self.first_seq


@dataclass(frozen=True, slots=True)
class JobOwner:
    """Just enough of a job to delete its objects."""

    job_id: str
    organization_id: uuid.UUID
