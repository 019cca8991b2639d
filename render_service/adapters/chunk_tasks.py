"""The planner's `ChunkTasks` port on Kafka: chunk tasks on the render service's own topic."""

from __future__ import annotations

from render_service.chunks.task import ChunkTask, chunk_task_event
from shared import events
from shared.kafka import LazyProducer


class KafkaChunkTasks:
    def __init__(self, producer: LazyProducer, *, topic: str, source: str) -> None:
        self._producer = producer
        self._topic = topic
        self._source = source

    async def partitions(self) -> list[int]:
        producer = await self._producer.get()
        return sorted(await producer.partitions_for(self._topic))

    async def send(self, task: ChunkTask, *, partition: int) -> None:
        producer = await self._producer.get()
        await producer.send(
            self._topic,
            value=events.encode(chunk_task_event(task, source=self._source)),
            key=task.job_id.encode(),
            partition=partition,
            headers=[events.CONTENT_TYPE_HEADER],
        )

    async def flush(self) -> None:
        await (await self._producer.get()).flush()
