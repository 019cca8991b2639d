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

import asyncpg

from api_service.adapters.jobs_repo import OUTBOX_CHANNEL
from api_service.metrics import OUTBOX_PUBLISHED
from shared.events import CONTENT_TYPE_HEADER
from shared.kafka import LazyProducer
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
        """Send one batch of unsent rows; return how many were sent."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """SELECT id, topic, key, value FROM api.outbox WHERE sent_at IS NULL
                    ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED""",
                self._batch_size,
            )
            if not rows:
                return 0
            producer = await self._producer.get()
            futures = [
                await producer.send(
                    r["topic"], value=r["value"], key=r["key"].encode(), headers=[CONTENT_TYPE_HEADER]
                )
                for r in rows
            ]
            await asyncio.gather(*futures)
            await conn.execute(
                "UPDATE api.outbox SET sent_at = now() WHERE id = ANY($1::bigint[])", [r["id"] for r in rows]
            )
        OUTBOX_PUBLISHED.inc(len(rows))
        log.debug("relayed %d outbox rows", len(rows))
        return len(rows)
