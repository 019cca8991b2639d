"""Projects `label-export.events` (and requests other services publish) into the read model.

Tenancy (docs/invariants.md#tenancy): an event changes a job only when it names the job's own
organization, and a completion only when its artifact key lies under that job's prefix; anything
else goes to the DLQ with the reason. A request reusing another organization's job id changes
nothing here (the render service answers it with a `failed` event under the requester's
organization, which this projection then dead-letters).
"""

from __future__ import annotations

import logging
import time
import uuid

import asyncpg
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api_service.adapters import jobs_repo, projection_repo
from api_service.adapters.projection_repo import Outcome
from api_service.metrics import JOB_TRANSITIONS, PROJECTION_LAG
from shared import events
from shared.consumer import Record
from shared.ownership import completed_key_problem, foreign_reason

log = logging.getLogger(__name__)

# Applying parked events in this order reaches the same state as the original order.
_PARKED_ORDER = {events.STARTED_V1: 0, events.PROGRESS_V1: 1, events.COMPLETED_V1: 2, events.FAILED_V1: 2}


class _AnyRequest(BaseModel):
    """Just enough of a request to record its job, so that an invalid request from another service
    still shows up as a failed job to its organization."""

    model_config = ConfigDict(extra="ignore")
    job_id: events.JobId
    organization_id: uuid.UUID
    scope: str = Field(default="", max_length=40)
    export_type: str = Field(default="", max_length=40)
    file_format: str = Field(default="", max_length=40)


class Projection:
    def __init__(self, *, pool: asyncpg.Pool, requested_topic: str) -> None:
        self._pool = pool
        self._requested_topic = requested_topic

    async def handle(self, record: Record) -> None:
        if record.topic == self._requested_topic:
            await self._on_request(record)
        else:
            await self._on_event(record)

    async def _on_request(self, record: Record) -> None:
        """A request from any publisher becomes a job the status route serves.

        Invalid requests are the render service's to dead-letter or fail; skipping them here keeps
        one DLQ entry per bad message.
        """
        try:
            event = events.decode(record.value)
            if event.type != events.REQUESTED_V1:
                return  # e.g. a cancel: it changes no job that does not exist here
            data = _AnyRequest.model_validate(event.data)
        except (events.InvalidMessage, ValidationError):
            return
        async with self._pool.acquire() as conn, conn.transaction():
            created = await jobs_repo.insert_job(
                conn,
                job_id=data.job_id,
                organization_id=data.organization_id,
                request=data.model_dump(mode="json") | _known_parts(event.data),
                source=event.source,
            )
            if created:
                await self._apply_parked(conn, data.job_id)
            elif await projection_repo.job_owner(conn, data.job_id) != data.organization_id:
                # Tenancy: the id is another organization's; its job stays as it is. Not
                # dead-lettered here: the render service refuses the same request with a `failed`
                # event, which reaches the DLQ from this projection (one entry per bad message).
                log.warning(
                    "ignored a request reusing another organization's job id",
                    extra={"job_id": data.job_id, "organization_id": str(data.organization_id)},
                )

    async def _apply_parked(self, conn: asyncpg.Connection, job_id: str) -> None:
        """Apply the events that arrived before their job did. One that names another organization
        than the job's (or none: parked by an older version) is dropped with a warning: its record
        was committed when it was parked, so there is nothing left to dead-letter."""
        for parked in sorted(
            await projection_repo.take_parked(conn, job_id=job_id),
            key=lambda r: (_PARKED_ORDER.get(r["event_type"], 3), r["received_at"]),
        ):
            try:
                parked_data = events.DATA_MODELS[parked["event_type"]].model_validate(parked["data"])
            except ValidationError as exc:
                log.warning("dropped a parked %s: %s", parked["event_type"], exc, extra={"job_id": job_id})
                continue
            outcome = await projection_repo.apply(conn, parked_data)
            if outcome is Outcome.CHANGED:
                _count_transition(parked_data)
            elif outcome is Outcome.FOREIGN:
                log.warning(
                    "dropped a parked event of another organization",
                    extra={"job_id": job_id, "organization_id": str(parked_data.organization_id)},
                )

    async def _on_event(self, record: Record) -> None:
        event = events.decode(record.value)
        data = events.parse_data(event)
        if isinstance(data, events.ExportRequested):
            raise events.InvalidMessage(f"{event.type} does not belong on the events topic")
        if isinstance(data, events.ExportCompleted) and (problem := completed_key_problem(data)):
            # Never recorded, so never presigned: the key points outside the job's own objects.
            raise events.InvalidMessage(problem)
        async with self._pool.acquire() as conn, conn.transaction():
            outcome = await projection_repo.apply(conn, data)
            if outcome is Outcome.FOREIGN:
                raise events.InvalidMessage(foreign_reason(event.type, data))
            if outcome is Outcome.MISSING:
                # The job's request has not reached us yet (another service's publish): keep the event.
                await projection_repo.park(
                    conn, event_id=event.id, event_type=event.type, data=data.model_dump(mode="json")
                )
                log.info("parked %s for unknown job %s", event.type, data.job_id)
        if outcome is Outcome.CHANGED:
            _count_transition(data)
        if event.time is not None:
            PROJECTION_LAG.set(max(0.0, time.time() - event.time.timestamp()))


def _known_parts(raw: dict[str, object]) -> dict[str, object]:
    """Filters and asset_config as published, when they are objects (shown back to the client)."""
    return {k: raw[k] for k in ("filters", "asset_config") if isinstance(raw.get(k), dict)}


_STATUS_OF = {
    events.ExportStarted: "processing",
    events.ExportCompleted: "completed",
    events.ExportFailed: "failed",
}


def _count_transition(data: events.JobData) -> None:
    status = _STATUS_OF.get(type(data))
    if status is not None:
        JOB_TRANSITIONS.labels(status).inc()
