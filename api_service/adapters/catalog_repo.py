"""Catalog tables (schema `catalog`): products, lots, serials, lot runs. Every query is org-scoped."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from shared.db.pool import DbConn


async def create_organization(conn: DbConn, *, name: str) -> uuid.UUID:
    org_id: uuid.UUID = await conn.fetchval(
        "INSERT INTO catalog.organizations (name) VALUES ($1) RETURNING id", name
    )
    return org_id


async def insert_product(
    conn: DbConn, *, organization_id: uuid.UUID, gtin: str, name: str
) -> uuid.UUID | None:
    """None when the organization already has a product with this GTIN."""
    product_id: uuid.UUID | None = await conn.fetchval(
        """INSERT INTO catalog.products (organization_id, gtin, name) VALUES ($1, $2, $3)
           ON CONFLICT (organization_id, gtin) DO NOTHING RETURNING id""",
        organization_id,
        gtin,
        name,
    )
    return product_id


async def product_exists(conn: DbConn, *, organization_id: uuid.UUID, product_id: uuid.UUID) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM catalog.products WHERE id = $1 AND organization_id = $2",
            product_id,
            organization_id,
        )
    )


async def lot_exists(conn: DbConn, *, organization_id: uuid.UUID, lot_id: uuid.UUID) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM catalog.lots WHERE id = $1 AND organization_id = $2", lot_id, organization_id
        )
    )


async def lock_lots_of_product(conn: DbConn, *, product_id: uuid.UUID) -> None:
    """Held to the end of the transaction: bulk lot creations on one product run one after another,
    so their duplicate check cannot race."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1::uuid::text, 1))", product_id)


async def lock_serials_of_lot(conn: DbConn, *, lot_id: uuid.UUID) -> None:
    """As `lock_lots_of_product`, for bulk serial creations on one lot."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1::uuid::text, 2))", lot_id)


async def existing_lot_numbers(
    conn: DbConn, *, product_id: uuid.UUID, lot_numbers: Sequence[str]
) -> list[str]:
    rows = await conn.fetch(
        "SELECT lot_number FROM catalog.lots WHERE product_id = $1 AND lot_number = ANY($2::text[])",
        product_id,
        list(lot_numbers),
    )
    return [r["lot_number"] for r in rows]


async def existing_serial_numbers(conn: DbConn, *, lot_id: uuid.UUID, serials: Sequence[str]) -> list[str]:
    rows = await conn.fetch(
        "SELECT serial_number FROM catalog.serials WHERE lot_id = $1 AND serial_number = ANY($2::text[])",
        lot_id,
        list(serials),
    )
    return [r["serial_number"] for r in rows]


async def count_serials(conn: DbConn, *, lot_id: uuid.UUID) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM catalog.serials WHERE lot_id = $1", lot_id))


async def create_run(
    conn: asyncpg.Connection, *, organization_id: uuid.UUID, kind: str, count: int
) -> uuid.UUID:
    run_id: uuid.UUID = await conn.fetchval(
        "INSERT INTO catalog.lot_runs (organization_id, entity_kind, created_count)"
        " VALUES ($1, $2, $3) RETURNING id",
        organization_id,
        kind,
        count,
    )
    return run_id


async def insert_lots(
    conn: asyncpg.Connection,
    *,
    organization_id: uuid.UUID,
    product_id: uuid.UUID,
    run_id: uuid.UUID,
    lots: Sequence[tuple[str, dt.date | None]],
) -> list[uuid.UUID]:
    """One statement for the whole batch; ids come back in request order."""
    rows = await conn.fetch(
        """INSERT INTO catalog.lots (organization_id, product_id, lot_run_id, lot_number, expiry_date)
           SELECT $1, $2, $3, u.lot_number, u.expiry_date
             FROM unnest($4::text[], $5::date[]) WITH ORDINALITY AS u(lot_number, expiry_date, ord)
            ORDER BY u.ord
           RETURNING id, seq""",
        organization_id,
        product_id,
        run_id,
        [n for n, _ in lots],
        [e for _, e in lots],
    )
    return [r["id"] for r in sorted(rows, key=lambda r: r["seq"])]


async def insert_serials(
    conn: asyncpg.Connection,
    *,
    organization_id: uuid.UUID,
    lot_id: uuid.UUID,
    run_id: uuid.UUID,
    serials: Sequence[str],
) -> list[uuid.UUID]:
    rows = await conn.fetch(
        """INSERT INTO catalog.serials (organization_id, lot_id, lot_run_id, serial_number)
           SELECT $1, $2, $3, u.serial_number
             FROM unnest($4::text[]) WITH ORDINALITY AS u(serial_number, ord)
            ORDER BY u.ord
           RETURNING id, seq""",
        organization_id,
        lot_id,
        run_id,
        list(serials),
    )
    return [r["id"] for r in sorted(rows, key=lambda r: r["seq"])]


# Listing: the table, its visible columns and the filters it accepts. Only these fixed strings are
# ever put into SQL text; every value is a bound parameter.
LISTINGS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "products": ("catalog.products", "id, gtin, name, created_at", ("product_id",)),
    "lots": (
        "catalog.lots",
        "id, product_id, lot_number, expiry_date, is_active, lot_run_id, created_at",
        ("product_id", "lot_run_id"),
    ),
    "serials": (
        "catalog.serials",
        "id, lot_id, serial_number, is_active, lot_run_id, created_at",
        ("lot_id", "lot_run_id"),
    ),
}
_FILTER_COLUMN = {"product_id": "product_id", "lot_id": "lot_id", "lot_run_id": "lot_run_id"}


async def list_page(
    conn: DbConn,
    *,
    kind: str,
    organization_id: uuid.UUID,
    filters: dict[str, uuid.UUID],
    page: int,
    page_size: int,
) -> tuple[list[dict[str, Any]], int]:
    table, columns, _allowed = LISTINGS[kind]
    where = ["organization_id = $1"]
    args: list[Any] = [organization_id]
    for name, value in filters.items():
        column = "id" if (kind, name) == ("products", "product_id") else _FILTER_COLUMN[name]
        args.append(value)
        where.append(f"{column} = ${len(args)}")
    clause = " AND ".join(where)
    total = int(await conn.fetchval(f"SELECT count(*) FROM {table} WHERE {clause}", *args))
    args += [page_size, (page - 1) * page_size]
    rows = await conn.fetch(
        f"SELECT {columns} FROM {table} WHERE {clause}"
        f" ORDER BY seq LIMIT ${len(args) - 1} OFFSET ${len(args)}",
        *args,
    )
    return [dict(r) for r in rows], total


async def set_active(
    conn: DbConn, *, kind: str, organization_id: uuid.UUID, entity_id: uuid.UUID, is_active: bool
) -> dict[str, Any] | None:
    table, columns, _ = LISTINGS[kind]
    row = await conn.fetchrow(
        f"UPDATE {table} SET is_active = $3 WHERE id = $1 AND organization_id = $2 RETURNING {columns}",
        entity_id,
        organization_id,
        is_active,
    )
    return dict(row) if row else None


async def organization_exists(conn: DbConn, *, organization_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM catalog.organizations WHERE id = $1", organization_id))


async def first_organization_named(conn: DbConn, *, name: str) -> uuid.UUID | None:
    org: uuid.UUID | None = await conn.fetchval(
        "SELECT id FROM catalog.organizations WHERE name = $1 ORDER BY created_at LIMIT 1", name
    )
    return org


async def label_entity(
    conn: DbConn, *, organization_id: uuid.UUID, kind: str, entity_id: uuid.UUID
) -> asyncpg.Record | None:
    """One serial or lot of the organization with what its label needs (id, gtin, lot_number,
    expiry_date, serial_number), or None: another organization's entity is not found either."""
    if kind == "serial":
        query = """SELECT s.id, p.gtin, l.lot_number, l.expiry_date, s.serial_number
                     FROM catalog.serials s JOIN catalog.lots l ON l.id = s.lot_id
                     JOIN catalog.products p ON p.id = l.product_id
                    WHERE s.id = $1 AND s.organization_id = $2"""
    else:
        query = """SELECT l.id, p.gtin, l.lot_number, l.expiry_date, NULL::text AS serial_number
                     FROM catalog.lots l JOIN catalog.products p ON p.id = l.product_id
                    WHERE l.id = $1 AND l.organization_id = $2"""
    row: asyncpg.Record | None = await conn.fetchrow(query, entity_id, organization_id)
    return row
