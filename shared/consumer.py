"""One consumer loop for every Kafka entry point: at-least-once, poison-proof, responsive.

- Offsets are committed only after the handler's effect is durable (at-least-once).
- `InvalidMessage` from a handler sends the record to the DLQ with the reason, and consumption goes
  on (poison isolation). Other errors are retried with backoff: transient ones (`shared.transient`)
  without limit, since dropping them would lose a job; anything else `max_attempts` times, then DLQ.
- Dead-lettering itself may fail (too large, broker errors): a bounded copy is sent instead, and
  if even that fails the record is logged and skipped. The offset always moves on (poison
  isolation); so does a failed commit, which the next commit covers.
- `consuming` is the one way both services start a consumer: it waits for the broker with
  backoff and runs the loop supervised (restarted with backoff if it ends), stopping gracefully.
- While a handler runs, the partitions are paused and the loop keeps calling `getmany`, so a long
  render never exceeds `max_poll_interval_ms` (unblocked event loop).
- `stop()` lets the records in hand finish, commits, and returns (graceful shutdown); the caller then
  stops the consumer, which leaves the group.
- Records of different partitions are handled concurrently, up to `concurrency` partitions at
  once; within a partition they stay in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeAlias

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from shared.backoff import Backoff, LogThrottle
from shared.events import InvalidMessage
from shared.kafka import LazyProducer, send_to_dlq
from shared.lifecycle import Loops
from shared.metrics import CONSUMER_LAG, HANDLE_SECONDS, KAFKA_ERRORS, MESSAGES_HANDLED
from shared.transient import is_transient as shared_is_transient

log = logging.getLogger(__name__)

Record: TypeAlias = ConsumerRecord[bytes, bytes]
Handler = Callable[[Record], Awaitable[None]]

#: Tries of a dead-letter send the broker refused for being away, before the record is skipped.
DLQ_SEND_TRIES = 3


class ConsumerLoop:
    def __init__(
        self,
        *,
        consumer: AIOKafkaConsumer,
        handler: Handler,
        producer: LazyProducer,
        dlq_topic: str,
        name: str,
        dlq_excerpt_bytes: int = 4096,
        max_attempts: int = 5,
        max_records: int = 50,
        concurrency: int = 1,
        is_transient: Callable[[BaseException], bool] | None = None,
    ) -> None:
        self._consumer = consumer
        self._handler = handler
        self._producer = producer
        self._dlq_topic = dlq_topic
        self._dlq_excerpt_bytes = dlq_excerpt_bytes
        self._name = name
        self._max_attempts = max_attempts
        self._max_records = max_records
        self._concurrency = concurrency
        self._is_transient = is_transient or shared_is_transient
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        next_lag_sample = 0.0
        while not self._stopping.is_set():
            if time.monotonic() >= next_lag_sample:
                next_lag_sample = time.monotonic() + 5
                await self._sample_lag()
            batches = await self._consumer.getmany(timeout_ms=200, max_records=self._max_records)
            if not batches:
                continue
            work = asyncio.create_task(self._process(batches), name=f"{self._name}-batch")
            try:
                while not work.done():
                    # FIX (fault-injection suite): pause *every* assigned partition, not only the
                    # batch's, and again before each poll (a rebalance may have added some). The
                    # keep-alive poll's result is thrown away, so any record it returned from
                    # another partition was consumed (position advanced) and silently lost — a
                    # chunk task, a request or an event, rescued only by the stale-job republish.
                    # Paused partitions return nothing; their buffered records are re-fetched.
                    self._consumer.pause(*self._consumer.assignment())
                    done, _ = await asyncio.wait({work}, timeout=0.5)
                    if not done:
                        await self._consumer.getmany(timeout_ms=0)
                offsets = work.result()
            finally:
                if not work.done():
                    work.cancel()
                self._consumer.resume(*self._consumer.assignment())
            await self._commit(offsets)

    async def _process(self, batches: dict[TopicPartition, list[Record]]) -> dict[TopicPartition, int]:
        """Partitions run concurrently (up to `concurrency`), each in order; offsets of what finished."""
        offsets: dict[TopicPartition, int] = {}
        limit = asyncio.Semaphore(self._concurrency)

        async def one_partition(tp: TopicPartition, records: list[Record]) -> None:
            async with limit:
                for record in records:
                    if self._stopping.is_set():
                        return  # hand the rest back: the next owner sees them again
                    await self._handle(record)
                    offsets[tp] = record.offset + 1

        await asyncio.gather(*(one_partition(tp, records) for tp, records in batches.items()))
        return offsets

    async def _sample_lag(self) -> None:
        """Messages between each owned partition's position and its end, summed per topic."""
        lag: dict[str, int] = {}
        for tp in self._consumer.assignment():
            try:
                position = await self._consumer.position(tp)
            except KafkaError:
                continue
            # The end offset comes with fetch responses; before the first one, nothing is known
            # beyond our position. (Tansu's end_offsets() is unreliable: docs/design.md#local-infrastructure.)
            end = self._consumer.highwater(tp) or position
            lag[tp.topic] = lag.get(tp.topic, 0) + max(0, end - position)
        for topic, value in lag.items():
            CONSUMER_LAG.labels(self._name, topic).set(value)

    async def _handle(self, record: Record) -> None:
        started = time.perf_counter()
        try:
            await self._handle_with_retries(record)
        finally:
            HANDLE_SECONDS.labels(self._name).observe(time.perf_counter() - started)

    async def _handle_with_retries(self, record: Record) -> None:
        attempt = 0
        backoff = Backoff(initial=0.4, cap=10.0)
        while True:
            attempt += 1
            try:
                await self._handler(record)
                MESSAGES_HANDLED.labels(self._name, "ok").inc()
                return
            except InvalidMessage as exc:
                MESSAGES_HANDLED.labels(self._name, "dead_lettered").inc()
                await self._dead_letter(record, str(exc))
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                transient = self._is_transient(exc)
                MESSAGES_HANDLED.labels(self._name, "retried").inc()
                if isinstance(exc, KafkaError):
                    KAFKA_ERRORS.labels("handler").inc()
                if not transient and attempt >= self._max_attempts:
                    log.exception("%s: giving up on %s@%s", self._name, record.topic, record.offset)
                    await self._dead_letter(
                        record, f"handler failed {attempt} times: {type(exc).__name__}: {exc}"
                    )
                    return
                delay = backoff.next()
                log.warning(
                    "%s: %s on %s@%d (attempt %d); retrying in %.1fs",
                    self._name,
                    type(exc).__name__,
                    record.topic,
                    record.offset,
                    attempt,
                    delay,
                )
                await asyncio.sleep(delay)

    async def _dead_letter(self, record: Record, reason: str) -> None:
        """Never raises (but cancellation): a record that cannot be dead-lettered is logged with
        what identifies it and skipped, so one message cannot stop its partition."""
        backoff = Backoff(initial=0.5, cap=5.0)
        for attempt in range(1, DLQ_SEND_TRIES + 1):
            try:
                producer = await self._producer.get()
                await send_to_dlq(
                    producer, self._dlq_topic, record, reason, excerpt_bytes=self._dlq_excerpt_bytes
                )
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                KAFKA_ERRORS.labels("dlq").inc()
                if attempt < DLQ_SEND_TRIES and shared_is_transient(exc):
                    await asyncio.sleep(backoff.next())
                    continue
                value = record.value or b""
                log.error(
                    "%s: could not dead-letter %s@%d:%d (%d bytes, sha256 %s; reason: %s): %s: %s; skipped",
                    self._name,
                    record.topic,
                    record.partition,
                    record.offset,
                    len(value),
                    hashlib.sha256(value).hexdigest(),
                    reason[:1000],
                    type(exc).__name__,
                    exc,
                )
                return

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        if not offsets:
            return
        assigned = self._consumer.assignment()
        owned = {tp: off for tp, off in offsets.items() if tp in assigned}
        if not owned:
            return
        try:
            await self._consumer.commit(owned)
        except CommitFailedError as exc:
            KAFKA_ERRORS.labels("commit").inc()
            # A rebalance took the partition: the new owner re-delivers, and handlers are idempotent.
            log.warning("%s: commit failed after rebalance: %s", self._name, exc)
        except KafkaError as exc:
            KAFKA_ERRORS.labels("commit").inc()
            # The broker is away: the next commit carries these offsets too; until then a
            # re-delivery repeats only idempotent effects.
            log.warning("%s: commit failed: %s: %s", self._name, type(exc).__name__, exc)


@contextlib.asynccontextmanager
async def consuming(
    loops: Loops,
    name: str,
    *,
    make_consumer: Callable[[], AIOKafkaConsumer],
    make_loop: Callable[[AIOKafkaConsumer], ConsumerLoop],
    stop_timeout: float,
) -> AsyncIterator[None]:
    """Run a consumer loop, supervised, for the life of the block.

    The consumer starts in the background and waits for the broker with backoff, so a service
    boots while Kafka is down. A loop that ends is restarted (a fresh consumer) by `loops`. On the
    way out the loop stops taking records, lets those in hand finish and commits (at most
    `stop_timeout` s), then the consumer leaves the group so its partitions move at once.
    """
    stopping = asyncio.Event()
    current: list[ConsumerLoop] = []

    async def run() -> None:
        backoff = Backoff(initial=0.5, cap=5.0)
        quiet = LogThrottle(interval=60)
        while True:
            consumer = make_consumer()
            try:
                await consumer.start()
                break
            except Exception as exc:
                await consumer.stop()
                if not shared_is_transient(exc):
                    raise
                if (held := quiet.ready()) is not None:
                    log.warning("%s: Kafka not reachable (%s; %d more not logged); retrying", name, exc, held)
            if stopping.is_set():
                return
            await asyncio.sleep(backoff.next())
        try:
            loop = make_loop(consumer)
            current[:] = [loop]
            if stopping.is_set():
                return
            await loop.run()
        finally:
            current.clear()
            await consumer.stop()  # leaves the group: the partitions move at once

    handle = loops.start(name, run)
    try:
        yield
    finally:
        handle.stop()
        stopping.set()
        for loop in current:
            loop.stop()
        try:
            await asyncio.wait_for(asyncio.shield(handle.task), timeout=stop_timeout)
        except TimeoutError:
            await handle.cancel()
