"""How far the render planner has consumed the requests topic: its group's committed offsets.

The planner commits a record's offset only once it has handled the record (planned, refused or
dead-lettered it: at-least-once, `shared/consumer.py`), so a committed offset past a request's
offset proves the render service took that request. The stale-job sweep uses it to tell a request
the render service consumed and never answered from one still queued behind a backlog.

One OffsetFetch to the group coordinator per call (a FindCoordinator first), asked only for the
partitions the caller names; the admin client is started on first use and dropped after an error,
so a broker restart costs one failed call, not a wedged client.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata, TopicPartition

from shared.settings import CommonSettings


class PlannerOffsets:
    def __init__(self, settings: CommonSettings, *, group_id: str, timeout: float) -> None:
        self._settings = settings
        self._group_id = group_id
        self._timeout = timeout
        self._admin: AIOKafkaAdminClient | None = None

    async def committed(self, topic: str, partitions: list[int]) -> dict[int, int]:
        """The group's committed offset (the next record it will handle) per partition of `topic`;
        a partition it has committed nothing on is left out. Raises on a broker error or timeout."""
        if not partitions:
            return {}
        try:
            answer = await asyncio.wait_for(self._fetch(topic, partitions), self._timeout)
        except BaseException:
            await self.close()
            raise
        return {tp.partition: m.offset for tp, m in answer.items() if tp.topic == topic and m.offset >= 0}

    async def _fetch(self, topic: str, partitions: list[int]) -> dict[TopicPartition, OffsetAndMetadata]:
        if self._admin is None:
            admin = AIOKafkaAdminClient(
                bootstrap_servers=self._settings.kafka_bootstrap_servers,
                client_id=self._settings.kafka_client_id,
                request_timeout_ms=int(self._timeout * 1000),
            )
            try:
                await admin.start()
            except BaseException:
                await admin.close()
                raise
            self._admin = admin
        result: dict[TopicPartition, OffsetAndMetadata] = await self._admin.list_consumer_group_offsets(
            self._group_id, partitions=[TopicPartition(topic, p) for p in sorted(set(partitions))]
        )
        return result

    async def close(self) -> None:
        admin, self._admin = self._admin, None
        if admin is not None:
            with contextlib.suppress(Exception):
                await admin.close()
