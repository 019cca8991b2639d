"""Kafka as another service sees it: publish our contract's events, read a topic until a record
shows up (the DLQ, the events topic)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from aiokafka import AIOKafkaProducer, ConsumerRecord

from devtools.kafka_admin import client_settings
from shared import events
from shared.kafka import make_consumer

Record = ConsumerRecord[bytes, bytes]


async def publish(producer: AIOKafkaProducer, topic: str, event: events.CloudEvent) -> None:
    """Like any publisher of the contract: keyed by the job id, with the content-type header."""
    assert event.subject is not None
    await producer.send_and_wait(
        topic, events.encode(event), key=event.subject.encode(), headers=[events.CONTENT_TYPE_HEADER]
    )


def headers_of(record: Record) -> dict[str, str]:
    return {name: value.decode() for name, value in record.headers}


async def wait_for_record(
    bootstrap_servers: str, topic: str, match: Callable[[Record], bool], *, timeout: float = 60
) -> Record:
    """The first record of `topic` (read from its start) that `match` accepts; fails after
    `timeout` seconds saying what it waited for."""
    consumer = make_consumer(
        client_settings(bootstrap_servers), topic, group_id=f"test-reader-{uuid.uuid4().hex}"
    )
    await consumer.start()
    try:
        async with asyncio.timeout(timeout):
            while True:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        if match(record):
                            return record
    except TimeoutError:
        raise AssertionError(f"no matching record on {topic} within {timeout:.0f} s") from None
    finally:
        await consumer.stop()
