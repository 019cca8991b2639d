"""Publishes outbox rows to Kafka, then marks them sent (no lost job).

Woken by LISTEN/NOTIFY at commit, so a job reaches Kafka within milliseconds; a slow poll is only
the fallback for a missed notification. `FOR UPDATE SKIP LOCKED` lets every API replica relay
without two of them sending the same row at once (a crash between send and mark re-sends: the
consumers are idempotent).

Poison isolation: each row of a batch succeeds or fails alone. A row the broker can never take
(a fault of the record itself: too large, corrupt — `shared.transient.is_record_fault`) is marked
dead with the reason and its job fails saying so, while the other rows of the batch are published.
Any other error — the connection, or the broker refusing for reasons of its own, e.g. UnknownError
while it shuts down — leaves the rows due (no lost job) and backs off exponentially with jitter up
to `max_backoff`, logged once a minute rather than once per try.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.structs import RecordMetadata

from api_service.adapters import jobs_repo, outbox_repo
from api_service.adapters.jobs_repo import OUTBOX_CHANNEL
from api_service.metrics import OUTBOX_DEAD, OUTBOX_PUBLISHED
from shared.backoff import Backoff, LogThrottle
from shared.events import CONTENT_TYPE_HEADER
from shared.kafka import LazyProducer
from shared.metrics import KAFKA_ERRORS
from shared.transient import is_record_fault, is_transient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchResult:
    sent: int = 0
    dead: int = 0
    retry: str | None = None  # why some rows stay due (a transient error), None when none do

    @property
    def handled(self) -> int:
        return self.sent + self.dead


class OutboxRelay:
    def __init__(
        self,
        *,
        pool: asyncpg.Pool,
        producer: LazyProducer,
        database_url: str,
        batch_size: int,
        poll_seconds: float,
        max_backoff: float,
    ) -> None:
        self._pool = pool
        self._producer = producer
        self._database_url = database_url
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._backoff = Backoff(initial=0.2, cap=max_backoff)
        self._quiet = LogThrottle(interval=60)
        self._wake = asyncio.Event()

    async def run(self) -> None:
        """Relay until cancelled; survives database and broker outages with capped backoff."""
        while True:
            listener: asyncpg.Connection | None = None
            try:
                listener = await asyncpg.connect(self._database_url)
                await listener.add_listener(OUTBOX_CHANNEL, self._on_notify)
                while not listener.is_closed():
                    result = await self.relay_batch()
                    if result.retry is not None:
                        await self._back_off(result.retry)
                        continue
                    self._recovered()
                    if result.handled == self._batch_size:
                        continue  # more may be due
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not is_transient(exc):
                    log.exception("outbox relay: unexpected error")
                await self._back_off(f"{type(exc).__name__}: {exc}")
            finally:
                if listener is not None and not listener.is_closed():
                    await listener.close(timeout=2)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _back_off(self, why: str) -> None:
        KAFKA_ERRORS.labels("outbox").inc()
        delay = self._backoff.next()
        if (held := self._quiet.ready()) is not None:
            log.warning("outbox relay: %s; retrying in %.1fs (%d tries not logged)", why, delay, held)
        await asyncio.sleep(delay)

    def _recovered(self) -> None:
        self._backoff.reset()
        self._quiet.reset()

    async def relay_batch(self) -> BatchResult:
        """Send one batch of due rows, each on its own; mark what was sent and what is dead."""
        producer = await self._producer.get()  # before locking rows: Kafka may be down for long
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await outbox_repo.lock_unsent(conn, limit=self._batch_size)
            if not rows:
                return BatchResult()
            placed, errors = await _publish(producer, rows)
            sent = list(placed)
            retry = {i: e for i, e in errors.items() if not is_record_fault(e)}
            dead = [r for r in rows if r["id"] in errors and r["id"] not in retry]
            if sent:
                await outbox_repo.mark_sent(conn, placed)
            if retry:
                first = next(iter(retry.values()))
                await outbox_repo.note_failure(conn, ids=list(retry), error=_describe(first))
            for row in dead:
                reason = _describe(errors[row["id"]])
                await outbox_repo.mark_dead(conn, row_id=row["id"], error=reason)
                await jobs_repo.mark_failed(
                    conn, job_id=row["key"], error=f"could not be published to Kafka: {reason}"
                )
                log.error(
                    "outbox row can never be published: marked dead, its job failed",
                    extra={"job_id": row["key"], "outbox_id": row["id"], "reason": reason},
                )
        OUTBOX_PUBLISHED.inc(len(sent))
        OUTBOX_DEAD.inc(len(dead))
        log.debug("relayed %d outbox rows (%d dead)", len(sent), len(dead))
        return BatchResult(
            sent=len(sent),
            dead=len(dead),
            retry=_describe(next(iter(retry.values()))) if retry else None,
        )


async def _publish(
    producer: AIOKafkaProducer, rows: list[asyncpg.Record]
) -> tuple[dict[int, RecordMetadata], dict[int, Exception]]:
    """Send every row (queued in order, so one job's messages keep theirs); where the broker put
    each sent row, and the errors, by row id."""
    placed: dict[int, RecordMetadata] = {}
    errors: dict[int, Exception] = {}
    queued: list[tuple[int, asyncio.Future[object]]] = []
    for r in rows:
        try:
            future = await producer.send(
                r["topic"], value=r["value"], key=r["key"].encode(), headers=[CONTENT_TYPE_HEADER]
            )
        except Exception as exc:  # e.g. MessageSizeTooLargeError, raised before anything is sent
            errors[r["id"]] = exc
            continue
        queued.append((r["id"], future))
    results = await asyncio.gather(*(f for _, f in queued), return_exceptions=True)
    for (row_id, _), result in zip(queued, results, strict=True):
        if isinstance(result, Exception):
            errors[row_id] = result
        elif isinstance(result, BaseException):
            raise result
        else:
            placed[row_id] = result
    return placed, errors


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]
