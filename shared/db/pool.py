"""asyncpg pool with JSON codecs, so jsonb columns read and write Python objects."""

from __future__ import annotations

from typing import Any, TypeAlias

import asyncpg
import orjson

from shared.settings import CommonSettings

# Repository functions take either: a pool for one-statement work, a connection inside a transaction.
DbConn: TypeAlias = asyncpg.Pool | asyncpg.Connection


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb",
        encoder=lambda v: b"\x01" + orjson.dumps(v),
        decoder=lambda b: orjson.loads(b[1:]),
        schema="pg_catalog",
        format="binary",
    )


async def create_pool(settings: CommonSettings, **overrides: Any) -> asyncpg.Pool:
    options: dict[str, Any] = {
        "min_size": settings.db_pool_min_size,
        "max_size": settings.db_pool_max_size,
        "init": _init_connection,
        "command_timeout": 30,
    }
    options.update(overrides)
    pool = await asyncpg.create_pool(settings.database_url, **options)
    assert pool is not None
    return pool
