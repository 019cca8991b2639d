"""Publishes outbox rows to Kafka, then marks them sent (no lost job).

Woken by LISTEN/NOTIFY at commit, so a job reaches Kafka within milliseconds; a slow poll is only
the fallback for a missed notification. `FOR UPDATE SKIP LOCKED` lets every API replica relay
without two of them sending the same row at once (a crash between send and mark re-sends: the
consumers are idempotent).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import Any

import asyncpg

from api_service.adapters import jobs_repo, projection_repo
from api_service.adapters.jobs_repo import OUTBOX_CHANNEL
from api_service.metrics import OUTBOX_PUBLISHED
from labelkit.ids import is_valid_job_id
from shared import events
from shared.events import CONTENT_TYPE_HEADER
from shared.kafka import UNPUBLISHABLE_ERRORS, LazyProducer
from shared.metrics import KAFKA_ERRORS

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        *,
        pool: asyncpg.Pool,
        producer: LazyProducer,
        database_url: str,
        batch_size: int,
        poll_seconds: float,
    ) -> None:
        self._pool = pool
        self._producer = producer
        self._database_url = database_url
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()

    async def run(self) -> None:
        """Relay until cancelled; survives database and broker outages with capped backoff."""
        backoff = 0.2
        while True:
            listener: asyncpg.Connection | None = None
            try:
                listener = await asyncpg.connect(self._database_url)
                await listener.add_listener(OUTBOX_CHANNEL, self._on_notify)
                backoff = 0.2
                while not listener.is_closed():
                    while await self.relay_batch() == self._batch_size:
                        pass
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                KAFKA_ERRORS.labels("outbox").inc()
                log.warning("outbox relay: %s: %s; retrying in %.1fs", type(exc).__name__, exc, backoff)
                await asyncio.sleep(backoff * (0.5 + random.random()))
                backoff = min(backoff * 2, 5.0)
            finally:
                if listener is not None and not listener.is_closed():
                    await listener.close(timeout=2)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def relay_batch(self) -> int:
        """Send one batch of unsent rows; return how many left the queue (sent or dead).

        Each record stands alone: one the broker refuses for good (too large, invalid) is marked
        dead and its job failed with the reason, and the rest of the batch is still sent (bad
        input stays local). A transient error fails the batch; it is sent again (at-least-once).
        """
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await jobs_repo.unsent_outbox_rows(conn, limit=self._batch_size)
            if not rows:
                return 0
            producer = await self._producer.get()
            sent: list[tuple[asyncpg.Record, asyncio.Future[Any]]] = []
            dead: list[tuple[asyncpg.Record, BaseException]] = []
            for r in rows:
                try:
                    future = await producer.send(
                        r["topic"], value=r["value"], key=r["key"].encode(), headers=[CONTENT_TYPE_HEADER]
                    )
                except Exception as exc:
                    if not isinstance(exc, UNPUBLISHABLE_ERRORS):
                        raise
                    dead.append((r, exc))
                    continue
                sent.append((r, future))
            results = await asyncio.gather(*(f for _, f in sent), return_exceptions=True)
            published = []
            for (r, _), result in zip(sent, results, strict=True):
                if not isinstance(result, BaseException):
                    published.append(r["id"])
                elif not isinstance(result, UNPUBLISHABLE_ERRORS):
                    raise result
                else:
                    dead.append((r, result))
            await jobs_repo.mark_outbox_sent(conn, published)
            for r, error in dead:
                await self._bury(conn, r, error)
        OUTBOX_PUBLISHED.inc(len(published))
        log.debug("relayed %d outbox rows", len(published))
        return len(rows)

    async def _bury(self, conn: asyncpg.Connection, row: asyncpg.Record, exc: BaseException) -> None:
        reason = f"{type(exc).__name__}: {exc}"[:1000]
        await jobs_repo.mark_outbox_dead(conn, row_id=row["id"], error=reason)
        if is_valid_job_id(row["key"]):  # every row of ours is keyed by the job it is about
            error = f"the request could not be published ({len(row['value'])} bytes): {reason}"
            await projection_repo.apply(conn, events.ExportFailed(job_id=row["key"], error=error))
        log.error("outbox row %d is dead: %s", row["id"], reason, extra={"job_id": row["key"]})
