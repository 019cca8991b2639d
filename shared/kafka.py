"""aiokafka clients configured from settings, and the DLQ convention (docs/events.md)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from shared import events
from shared.backoff import Backoff, LogThrottle
from shared.kafka_security import client_options
from shared.settings import CommonSettings

log = logging.getLogger(__name__)


# The one place that builds Kafka clients: every producer, consumer and admin client of both
# services, devtools and the tests' helpers comes from here, so each carries the security settings
# (KAFKA_SECURITY_PROTOCOL, SASL, TLS; docs/security.md). tests/unit/test_kafka_clients_built_once.py
# checks that nothing else constructs one.


def _connection(settings: CommonSettings) -> dict[str, Any]:
    return {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "client_id": settings.kafka_client_id,
        **client_options(settings),
    }


def make_producer(settings: CommonSettings, **overrides: Any) -> AIOKafkaProducer:
    options: dict[str, Any] = {
        **_connection(settings),
        "enable_idempotence": settings.kafka_enable_idempotence,
        "acks": "all",
        "linger_ms": 5,
        "request_timeout_ms": 15_000,
        "max_request_size": settings.kafka_max_message_bytes,
    }
    options.update(overrides)
    return AIOKafkaProducer(**options)


#: Room for what the producer adds to an encoded value (key, headers, record batch framing).
RECORD_OVERHEAD_BYTES = 4_096


def fits_one_message(value: bytes, *, max_message_bytes: int) -> bool:
    """Whether a value (with a job-id key and our headers) stays under the producers' limit."""
    return len(value) + RECORD_OVERHEAD_BYTES <= max_message_bytes


def make_consumer(
    settings: CommonSettings, *topics: str, group_id: str | None, **overrides: Any
) -> AIOKafkaConsumer:
    options: dict[str, Any] = {
        **_connection(settings),
        "group_id": group_id,
        "enable_auto_commit": False,  # offsets are committed after the effect is durable
        "auto_offset_reset": "earliest",
        "session_timeout_ms": settings.kafka_session_timeout_ms,
        "heartbeat_interval_ms": settings.kafka_heartbeat_interval_ms,
        "max_poll_interval_ms": settings.kafka_max_poll_interval_ms,
        "fetch_max_wait_ms": settings.kafka_fetch_max_wait_ms,
    }
    if settings.kafka_group_instance_id:
        # One id per consumer of the process: a pod runs one consumer per group.
        options["group_instance_id"] = f"{settings.kafka_group_instance_id}-{group_id}"
    options.update(overrides)
    return AIOKafkaConsumer(*topics, **options)


def make_admin(settings: CommonSettings, **overrides: Any) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(**(_connection(settings) | overrides))


async def publish_event(producer: AIOKafkaProducer, topic: str, event: events.CloudEvent) -> None:
    await producer.send_and_wait(
        topic,
        value=events.encode(event),
        key=(event.subject or "").encode(),
        headers=[events.CONTENT_TYPE_HEADER],
    )


def _dlq_headers(record: ConsumerRecord[bytes, bytes], reason: str) -> list[tuple[str, bytes]]:
    return [
        ("dlq-reason", reason.encode("utf-8", "replace")[:1000]),
        ("dlq-source-topic", record.topic.encode()),
        ("dlq-source-partition", str(record.partition).encode()),
        ("dlq-source-offset", str(record.offset).encode()),
    ]


#: The key of a bounded copy is cut to this much: a key can be as large as a value.
BOUNDED_KEY_BYTES = 256


def bounded_copy(
    record: ConsumerRecord[bytes, bytes], *, reason: str, error: str, excerpt_bytes: int
) -> bytes:
    """The DLQ value sent when the full copy could not be: enough to find, size and recognise the
    original (its first bytes, its size, its SHA-256), whatever its size or content."""
    value = record.value or b""
    return orjson.dumps(
        {
            "dlq_bounded_copy": 1,
            "reason": reason[:1000],
            "full_copy_error": error[:1000],
            "source": {"topic": record.topic, "partition": record.partition, "offset": record.offset},
            "original_size": len(value),
            "sha256": hashlib.sha256(value).hexdigest(),
            "key_size": len(record.key or b""),
            "head_base64": base64.b64encode(value[:excerpt_bytes]).decode(),
        }
    )


async def send_to_dlq(
    producer: AIOKafkaProducer,
    dlq_topic: str,
    record: ConsumerRecord[bytes, bytes],
    reason: str,
    *,
    excerpt_bytes: int,
) -> None:
    """Keep the original bytes and say where they came from and why they were refused.

    If the full copy cannot be sent (too large for the producer or the broker, or refused), a
    bounded copy goes instead (`bounded_copy`, header `dlq-bounded: 1`). An error of that second
    send is the caller's: it must still move the offset on.
    """
    headers = _dlq_headers(record, reason)
    try:
        await producer.send_and_wait(dlq_topic, value=record.value, key=record.key, headers=headers)
        bounded = False
    except KafkaError as exc:
        if exc.retriable:
            raise  # the broker is away: the bounded copy would fail the same way
        copy = bounded_copy(
            record, reason=reason, error=f"{type(exc).__name__}: {exc}", excerpt_bytes=excerpt_bytes
        )
        await producer.send_and_wait(
            dlq_topic,
            value=copy,
            key=(record.key or b"")[:BOUNDED_KEY_BYTES],
            headers=[*headers, ("dlq-bounded", b"1")],
        )
        bounded = True
    log.warning(
        "sent message to DLQ",
        extra={
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "reason": reason,
            "bounded_copy": bounded,
        },
    )


class LazyProducer:
    """Starts a producer in the background and keeps trying until the broker answers.

    The API must boot and take jobs while Kafka is down (no lost job: the outbox holds them), so
    nothing at start-up may wait for the broker.
    """

    def __init__(self, settings: CommonSettings, **overrides: Any) -> None:
        self._settings = settings
        self._overrides = overrides
        self._producer: AIOKafkaProducer | None = None
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._connect(), name="kafka-producer-connect")

    async def _connect(self) -> None:
        backoff = Backoff(initial=0.2, cap=5.0)
        quiet = LogThrottle(interval=60)
        while True:
            producer = make_producer(self._settings, **self._overrides)
            try:
                await producer.start()
            except Exception as exc:
                await producer.stop()
                delay = backoff.next()
                if (held := quiet.ready()) is not None:
                    log.warning("Kafka not reachable (%s; %d tries not logged); retrying", exc, held)
                await asyncio.sleep(delay)
                continue
            self._producer = producer
            self._ready.set()
            return

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    async def get(self) -> AIOKafkaProducer:
        await self._ready.wait()
        assert self._producer is not None
        return self._producer

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._producer is not None:
            await self._producer.stop()
