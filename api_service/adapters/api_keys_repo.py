"""API key look-up and administration (table api.api_keys)."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg

from api_service.domain.api_keys import display_prefix, generate_api_key, key_digest
from api_service.state import Principal


async def find_principal(conn: asyncpg.Pool | asyncpg.Connection, key: str) -> Principal | None:
    """The organization of an active, unexpired key; None for unknown, revoked or expired keys."""
    row = await conn.fetchrow(
        """SELECT id, organization_id, rate_limit_per_minute, rate_limit_per_day
             FROM api.api_keys
            WHERE key_sha256 = $1 AND is_active AND (expires_at IS NULL OR expires_at > now())""",
        key_digest(key),
    )
    if row is None:
        return None
    return Principal(
        key_id=row["id"],
        organization_id=row["organization_id"],
        rate_limit_per_minute=row["rate_limit_per_minute"],
        rate_limit_per_day=row["rate_limit_per_day"],
    )


async def create_key(
    conn: asyncpg.Pool | asyncpg.Connection,
    *,
    organization_id: uuid.UUID,
    name: str = "",
    expires_at: dt.datetime | None = None,
) -> tuple[uuid.UUID, str]:
    """Create a key; the plain key is returned once and never stored."""
    key = generate_api_key()
    key_id = await conn.fetchval(
        """INSERT INTO api.api_keys (organization_id, key_sha256, display_prefix, name, expires_at)
           VALUES ($1, $2, $3, $4, $5) RETURNING id""",
        organization_id,
        key_digest(key),
        display_prefix(key),
        name,
        expires_at,
    )
    return key_id, key


async def revoke_key(conn: asyncpg.Pool | asyncpg.Connection, *, key_id: uuid.UUID) -> bool:
    status = await conn.execute("UPDATE api.api_keys SET is_active = false WHERE id = $1", key_id)
    return bool(status.endswith(" 1"))
