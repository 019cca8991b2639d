"""What the tests read from a rig's stores: its database (tolerant of a restarting server),
the S3 bucket and Kafka topics. Mixed into `Rig`, which sets the attributes declared here."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer, ConsumerRecord

from shared.kafka import make_consumer, make_producer
from shared.s3 import s3_client
from shared.settings import CommonSettings
from tests.faults.postgres_server import DB_DOWN
from tests.faults.waiting import now
from tests.support.api import Api, Tenant


class StoreAccess:
    """Database, S3 and Kafka access of one rig (reconnects after restarts)."""

    db: asyncpg.Pool
    settings: CommonSettings
    _s3: Any
    _exits: contextlib.AsyncExitStack

    # -- database, tolerant of a restarting server -----------------------------------------------
    async def q(self, method: str, sql: str, *args: Any, within: float = 60) -> Any:
        deadline = now() + within
        while True:
            try:
                return await getattr(self.db, method)(sql, *args)
            except DB_DOWN:
                if now() > deadline:
                    raise
                await asyncio.sleep(0.2)

    # -- S3 -------------------------------------------------------------------------------------
    @staticmethod
    def job_prefix(tenant: Tenant, job_id: str) -> str:
        return f"exports/{tenant.organization_id}/{job_id}/"

    async def s3(self) -> Any:
        if self._s3 is None:
            self._s3 = await self._exits.enter_async_context(s3_client(self.settings))
        return self._s3

    async def s3_keys(self, prefix: str) -> list[str]:
        s3 = await self.s3()
        keys: list[str] = []
        async for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.settings.s3_bucket, Prefix=prefix
        ):
            keys += [o["Key"] for o in page.get("Contents", [])]
        return keys

    async def open_uploads(self, prefix: str) -> list[str]:
        """Multipart uploads started and never completed or aborted under `prefix`."""
        s3 = await self.s3()
        page = await s3.list_multipart_uploads(Bucket=self.settings.s3_bucket, Prefix=prefix)
        return [u["Key"] for u in page.get("Uploads", [])]

    async def download(self, api: Api, url: str) -> bytes:
        async with api.session.get(url) as resp:
            assert resp.status == 200, (resp.status, await resp.text())
            return await resp.read()

    # -- Kafka ----------------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def producer(self) -> AsyncIterator[AIOKafkaProducer]:
        producer = make_producer(self.settings, linger_ms=0)
        await producer.start()
        try:
            yield producer
        finally:
            await producer.stop()

    async def read_topic(
        self, topic: str, *, idle: float = 2.0, first_wait: float = 10.0
    ) -> list[ConsumerRecord[bytes, bytes]]:
        """Everything on `topic` from offset 0, read by a fresh consumer without a group (no
        commits, nothing shared with the services); stops after `idle` s without a new record.
        (Tansu's end_offsets() is unreliable after batched produce: docs/design.md#local-infrastructure.)"""
        consumer = make_consumer(self.settings, topic, group_id=None)
        await consumer.start()
        records: list[ConsumerRecord[bytes, bytes]] = []
        try:
            quiet_since = now()
            while True:
                batch = await consumer.getmany(timeout_ms=200)
                got = [r for rs in batch.values() for r in rs]
                if got:
                    records += got
                    quiet_since = now()
                elif now() - quiet_since > (idle if records else max(idle, first_wait)):
                    break
        finally:
            await consumer.stop()
        return records
