"""What the planner needs from the outside world, as small Protocols.

Its decisions (refuse an invalid request or an unknown organization with a `failed` event, plan a
job once however often its request arrives, re-announce a finished job, render a small cheap job
inline, hand out the unfinished chunks of any other, cancel) are pure logic over these ports:
`render_service/app.py` wires the real adapters, and `tests/service/` runs the same decisions
in-process against fakes. Object storage and job events are the chunk worker's ports.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from labelkit.export_spec import ExportSpec
from render_service.chunks.task import ChunkTask
from render_service.domain.models import PlannedJob


class PlanStore(Protocol):
    """Planned jobs and their chunks (schema `render`), and who the organizations are."""

    async def get_job(self, job_id: str) -> PlannedJob | None: ...
    async def organization_exists(self, organization_id: uuid.UUID) -> bool: ...
    async def plan_job(
        self, *, job_id: str, organization_id: uuid.UUID, spec: ExportSpec, chunk_size: int, spread: int
    ) -> bool: ...
    async def pending_chunks(self, job_id: str) -> list[int]: ...
    async def fail_job(self, *, job_id: str, error: str) -> bool: ...


class ChunkTasks(Protocol):
    """The chunks topic: its partitions, and a task sent to one of them."""

    async def partitions(self) -> list[int]: ...
    async def send(self, task: ChunkTask, *, partition: int) -> None: ...
    async def flush(self) -> None: ...
