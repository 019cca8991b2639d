"""Where consumer groups stand on a topic, and where a topic ends (the broker's own bookkeeping).

The stale-job sweep reads two groups through it. The render planner commits a request's offset only
once it has handled the request (planned, refused or dead-lettered it: at-least-once,
`shared/consumer.py`), so its committed offset past a re-published request proves the render
service took it; whatever it answered was published before that commit, so it lies below the
events topic's end offsets read afterwards. The API's projection commits an event's offset only
once the read model has it, so its committed offsets reaching those end offsets prove the answer,
if there was one, is in the read model.

Every call is a request or two to the broker (Metadata, FindCoordinator + OffsetFetch, ListOffsets),
bounded by `timeout`; the clients start on first use and are dropped after an error, so a broker
restart costs one failed call, not a wedged client.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition

from shared.kafka import make_admin, make_consumer
from shared.settings import CommonSettings

T = TypeVar("T")


class KafkaPositions:
    def __init__(self, settings: CommonSettings, *, timeout: float) -> None:
        self._settings = settings
        self._timeout = timeout
        self._admin: AIOKafkaAdminClient | None = None
        self._reader: AIOKafkaConsumer | None = None  # no group: only asks for end offsets

    async def committed(
        self, group_id: str, topic: str, partitions: list[int] | None = None
    ) -> dict[int, int]:
        """The group's committed offset (the next record it will handle) per partition of `topic`
        (all of them when `partitions` is None); a partition it never committed on is left out."""

        async def fetch() -> dict[int, int]:
            admin = await self._admin_client()
            wanted = sorted(set(partitions)) if partitions is not None else await self._partitions(topic)
            if not wanted:
                return {}
            answer = await admin.list_consumer_group_offsets(
                group_id, partitions=[TopicPartition(topic, p) for p in wanted]
            )
            return {tp.partition: m.offset for tp, m in answer.items() if tp.topic == topic and m.offset >= 0}

        return await self._bounded(fetch())

    async def end_offsets(self, topic: str) -> dict[int, int]:
        """The offset the next record of each partition of `topic` will get."""

        async def fetch() -> dict[int, int]:
            tps = [TopicPartition(topic, p) for p in await self._partitions(topic)]
            reader = await self._reader_client()
            ends: dict[TopicPartition, int] = await reader.end_offsets(tps) if tps else {}
            return {tp.partition: offset for tp, offset in ends.items()}

        return await self._bounded(fetch())

    async def _bounded(self, call: Awaitable[T]) -> T:
        try:
            return await asyncio.wait_for(call, self._timeout)
        except BaseException:
            await self.close()
            raise

    async def _partitions(self, topic: str) -> list[int]:
        admin = await self._admin_client()
        described: list[dict[str, Any]] = await admin.describe_topics([topic])
        return sorted(
            p.get("partition", p.get("partition_index"))
            for t in described
            if t.get("topic", t.get("name")) == topic
            for p in t["partitions"]
        )

    async def _admin_client(self) -> AIOKafkaAdminClient:
        if self._admin is None:
            admin = make_admin(self._settings, request_timeout_ms=int(self._timeout * 1000))
            await _started(admin.start, admin.close)
            self._admin = admin
        return self._admin

    async def _reader_client(self) -> AIOKafkaConsumer:
        if self._reader is None:
            reader = make_consumer(self._settings, group_id=None)
            await _started(reader.start, reader.stop)
            self._reader = reader
        return self._reader

    async def close(self) -> None:
        admin, self._admin = self._admin, None
        reader, self._reader = self._reader, None
        if admin is not None:
            with contextlib.suppress(Exception):
                await admin.close()
        if reader is not None:
            with contextlib.suppress(Exception):
                await reader.stop()


async def _started(start: Callable[[], Awaitable[None]], stop: Callable[[], Awaitable[None]]) -> None:
    """Start a client; one that fails to start is stopped again (it may hold connections)."""
    try:
        await start()
    except BaseException:
        await stop()
        raise
