"""The chunk task: the render service's message to itself on its own topic (`TOPIC_CHUNKS`).

Nothing outside the render service reads or writes it, so it lives here and not in the shared
event contract: the planner publishes one per chunk, any replica's chunk worker takes it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from labelkit.field_errors import describe
from shared.events import CloudEvent, InvalidMessage, JobId, make_event

CHUNK_V1 = "labels.export.chunk.v1"


class ChunkTask(BaseModel):
    """Render chunk `chunk_index` (of `chunk_count`) of a planned job."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    job_id: JobId
    chunk_index: int = Field(ge=0)
    chunk_count: int = Field(ge=1)


def chunk_task_event(task: ChunkTask, *, source: str) -> CloudEvent:
    """The task as a CloudEvent whose id names the chunk: a re-published task is the same event."""
    return make_event(task, source=source, event_type=CHUNK_V1, event_id=f"{task.job_id}:{task.chunk_index}")


def parse_chunk_task(event: CloudEvent) -> ChunkTask:
    if event.type != CHUNK_V1:
        raise InvalidMessage(f"unexpected event type {event.type!r} on the chunks topic")
    try:
        return ChunkTask.model_validate(event.data)
    except ValidationError as exc:
        raise InvalidMessage(f"invalid {CHUNK_V1} data: {describe(exc)}") from None
