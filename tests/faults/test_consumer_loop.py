"""Regression test for a loss found by this suite (scenario 2 stalled until the stale-job
republish rescued it): while a handler works, `ConsumerLoop` polls to stay in the group; that poll
used to pause only the batch's partitions, so it consumed records of the *other* partitions and
threw them away (positions advanced, nothing handled) — lost chunk tasks, requests and events.

Against a real (Tansu) broker of its own: a slow record on partition 0, and while it is handled
records arrive on partitions 1-3; every one of them must be handled.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from devtools.kafka_admin import client_settings
from devtools.ports import free_port
from devtools.system import LOCAL_KAFKA
from devtools.tansu import TansuBroker
from shared.consumer import ConsumerLoop, Record
from shared.kafka import make_consumer, make_producer
from tests.faults.waiting import wait_for


class _NoDlq:
    async def get(self) -> AIOKafkaProducer:
        raise AssertionError("nothing here should be dead-lettered")


@pytest.fixture(scope="module")
async def broker(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TansuBroker]:
    tansu = TansuBroker(
        data_dir=Path(tmp_path_factory.mktemp("tansu")), port=free_port(), topics=["work"], partitions=4
    )
    await tansu.start()
    try:
        yield tansu
    finally:
        await tansu.stop()


async def test_records_of_other_partitions_are_not_lost_while_a_handler_works(broker: TansuBroker) -> None:
    settings = client_settings(broker.bootstrap_servers)
    producer = make_producer(settings, linger_ms=0)
    await producer.start()
    handled: list[tuple[int, bytes]] = []

    async def handler(record: Record) -> None:
        handled.append((record.partition, record.value))
        if record.value == b"slow":
            for p in (1, 2, 3):
                await producer.send_and_wait("work", f"during-{p}".encode(), partition=p)
            await asyncio.sleep(2.5)  # several keep-alive polls happen meanwhile

    consumer = make_consumer(
        settings,
        "work",
        group_id=f"loop-{secrets.token_hex(3)}",
        session_timeout_ms=int(LOCAL_KAFKA["KAFKA_SESSION_TIMEOUT_MS"]),
        heartbeat_interval_ms=int(LOCAL_KAFKA["KAFKA_HEARTBEAT_INTERVAL_MS"]),
    )
    await producer.send_and_wait("work", b"slow", partition=0)
    await consumer.start()
    loop = ConsumerLoop(
        consumer=consumer,
        handler=handler,
        producer=_NoDlq(),  # type: ignore[arg-type]
        dlq_topic="dlq",
        name="test",
        max_records=1,
    )
    task = asyncio.create_task(loop.run())
    try:

        async def all_handled() -> bool:
            return len(handled) == 4

        await wait_for(all_handled, timeout=10, what="all four records to be handled")
    finally:
        loop.stop()
        await asyncio.wait_for(task, 10)
        await consumer.stop()
        await producer.stop()
    assert sorted(handled) == [(0, b"slow"), (1, b"during-1"), (2, b"during-2"), (3, b"during-3")]
