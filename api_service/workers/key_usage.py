"""Records when keys were last used without a write per request: ids collect in memory and are
flushed in one UPDATE every few seconds. Old rate-limit counters are pruned on the same beat."""

from __future__ import annotations

import time
import uuid

import asyncpg

from api_service.adapters import api_keys_repo
from shared.periodic import every


class KeyUsage:
    def __init__(
        self, *, pool: asyncpg.Pool, flush_seconds: float = 5.0, prune_seconds: float = 3600.0
    ) -> None:
        self._pool = pool
        self._flush_seconds = flush_seconds
        self._prune_seconds = prune_seconds
        self._seen: set[uuid.UUID] = set()
        self._last_prune = 0.0

    def record(self, key_id: uuid.UUID) -> None:
        self._seen.add(key_id)

    async def flush(self) -> None:
        if self._seen:
            ids, self._seen = list(self._seen), set()
            await api_keys_repo.touch_last_used(self._pool, ids)
        if time.monotonic() - self._last_prune > self._prune_seconds:
            self._last_prune = time.monotonic()
            await api_keys_repo.prune_rate_counters(self._pool)

    async def run(self) -> None:
        await every(self._flush_seconds, self.flush, name="key-usage")
