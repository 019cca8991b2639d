"""Publishes job events on `label-export.events` (docs/events.md), keyed by job id.

Every event names the organization it is about (tenancy): the job's own, or for a refused request
the organization that request named.
"""

from __future__ import annotations

import uuid

from shared import events
from shared.kafka import LazyProducer, publish_event


class EventEmitter:
    def __init__(self, *, producer: LazyProducer, topic: str, source: str) -> None:
        self._producer = producer
        self._topic = topic
        self._source = source

    async def emit(self, data: events.JobData) -> None:
        producer = await self._producer.get()
        await publish_event(producer, self._topic, events.make_event(data, source=self._source))

    async def started(self, job_id: str, organization_id: uuid.UUID, total: int) -> None:
        await self.emit(
            events.ExportStarted(job_id=job_id, organization_id=organization_id, total_items=total)
        )

    async def progress(self, job_id: str, organization_id: uuid.UUID, processed: int, total: int) -> None:
        await self.emit(
            events.ExportProgress(
                job_id=job_id,
                organization_id=organization_id,
                processed_items=min(processed, total),
                total_items=total,
            )
        )

    async def failed(self, job_id: str, organization_id: uuid.UUID, error: str) -> None:
        await self.emit(events.ExportFailed(job_id=job_id, organization_id=organization_id, error=error))
