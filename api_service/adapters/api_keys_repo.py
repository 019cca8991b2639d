"""API key look-up and administration (table api.api_keys)."""

from __future__ import annotations

import datetime as dt
import uuid

from api_service.domain.api_keys import display_prefix, generate_api_key, key_digest
from api_service.domain.principal import Principal
from shared.db.pool import DbConn


async def authenticate_and_count(
    conn: DbConn, key: str, *, minute_start: dt.datetime, day_start: dt.datetime
) -> tuple[Principal, int, int] | None:
    """Find the key's principal and count this request in both rate windows: one round trip.

    Returns (principal, requests this minute, requests today), or None for an unknown, revoked
    or expired key (which is then not counted).
    """
    row = await conn.fetchrow(
        """WITH k AS (
               SELECT id, organization_id, rate_limit_per_minute, rate_limit_per_day FROM api.api_keys
                WHERE key_sha256 = $1 AND is_active AND (expires_at IS NULL OR expires_at > now())
           ), counted AS (
               INSERT INTO api.rate_limit_counters AS c (key_id, window_kind, window_start, count)
               SELECT k.id, w.kind, w.start, 1
                 FROM k CROSS JOIN (VALUES ('minute', $2::timestamptz), ('day', $3::timestamptz))
                      AS w(kind, start)
               ON CONFLICT (key_id, window_kind, window_start) DO UPDATE SET count = c.count + 1
               RETURNING window_kind, count
           )
           SELECT k.*,
                  (SELECT count FROM counted WHERE window_kind = 'minute') AS minute_count,
                  (SELECT count FROM counted WHERE window_kind = 'day') AS day_count
             FROM k""",
        key_digest(key),
        minute_start,
        day_start,
    )
    if row is None:
        return None
    principal = Principal(
        key_id=row["id"],
        organization_id=row["organization_id"],
        rate_limit_per_minute=row["rate_limit_per_minute"],
        rate_limit_per_day=row["rate_limit_per_day"],
    )
    return principal, row["minute_count"], row["day_count"]


async def touch_last_used(conn: DbConn, key_ids: list[uuid.UUID]) -> None:
    await conn.execute("UPDATE api.api_keys SET last_used_at = now() WHERE id = ANY($1::uuid[])", key_ids)


async def prune_rate_counters(conn: DbConn) -> None:
    await conn.execute("DELETE FROM api.rate_limit_counters WHERE window_start < now() - interval '2 days'")


async def create_key(
    conn: DbConn,
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


async def revoke_key(conn: DbConn, *, key_id: uuid.UUID) -> bool:
    status = await conn.execute("UPDATE api.api_keys SET is_active = false WHERE id = $1", key_id)
    return bool(status.endswith(" 1"))


async def set_rate_limits(conn: DbConn, *, key_id: uuid.UUID, per_minute: int, per_day: int) -> bool:
    """Per-key overrides; 0 restores the service default."""
    status = await conn.execute(
        "UPDATE api.api_keys SET rate_limit_per_minute = $2, rate_limit_per_day = $3 WHERE id = $1",
        key_id,
        per_minute,
        per_day,
    )
    return bool(status.endswith(" 1"))
