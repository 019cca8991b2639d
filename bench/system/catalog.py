"""Seeding the benchmark's catalog: one organization, big lots for the large jobs, small lots."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from api_service.adapters import api_keys_repo, catalog_repo
from bench.system.constants import EXPIRY, GTIN, RUN


@dataclass
class OtherOrganization:
    """A second organization with small lots only: organization B of the fairness case."""

    organization_id: uuid.UUID
    api_key: str
    small_lots: list[uuid.UUID]


@dataclass
class Catalog:
    organization_id: uuid.UUID
    api_key: str
    key_id: uuid.UUID
    lot_size: int
    big_lots: list[uuid.UUID]
    small_lots: list[uuid.UUID]
    seconds: float = 0.0
    other: OtherOrganization | None = None

    def lots_for(self, n: int) -> list[str]:
        if n % self.lot_size or n // self.lot_size > len(self.big_lots):
            raise ValueError(f"{n} items is not a whole number of the seeded lots of {self.lot_size}")
        return [str(lot) for lot in self.big_lots[: n // self.lot_size]]


async def seed(
    db: asyncpg.Pool, *, job_sizes: Sequence[int], small_lots: int, small_items: int, other_lots: int = 0
) -> Catalog:
    """One organization, one product, lots of `lot_size` serials (COPY), and small lots.

    Every large job selects the first n / lot_size lots, so it gets exactly n serials; lot_size is
    the greatest common divisor of the sizes (100,000 for 100k and 1M).
    """
    started = time.perf_counter()
    other = (
        await _seed_small(db, f"bench-b-{RUN}", lots=other_lots, items=small_items) if other_lots else None
    )
    lot_size = math.gcd(*job_sizes) if job_sizes else small_items
    big_count = max(job_sizes) // lot_size if job_sizes else 0
    org = await catalog_repo.create_organization(db, name=f"bench-{RUN}")
    key_id, key = await api_keys_repo.create_key(db, organization_id=org, name="bench")
    # High limits: the status load would hit the default 300/min at once (counting stays on).
    await api_keys_repo.set_rate_limits(db, key_id=key_id, per_minute=2_000_000_000, per_day=2_000_000_000)
    product = await catalog_repo.insert_product(db, organization_id=org, gtin=GTIN, name="Bench product")
    assert product is not None
    async with db.acquire() as conn:
        lot_run = await catalog_repo.create_run(
            conn, organization_id=org, kind="lots", count=big_count + small_lots
        )
        lots = await catalog_repo.insert_lots(
            conn,
            organization_id=org,
            product_id=product,
            run_id=lot_run,
            lots=[(f"BIG{i:04d}", EXPIRY) for i in range(big_count)]
            + [(f"SMALL{i:04d}", EXPIRY) for i in range(small_lots)],
        )
        serial_run = await catalog_repo.create_run(
            conn, organization_id=org, kind="serials", count=big_count * lot_size + small_lots * small_items
        )
        for number, lot in enumerate(lots):
            count = lot_size if number < big_count else small_items
            prefix = f"S{number:04d}"
            await conn.copy_records_to_table(
                "serials",
                schema_name="catalog",
                columns=["organization_id", "lot_id", "lot_run_id", "serial_number"],
                records=((org, lot, serial_run, f"{prefix}{i:09d}") for i in range(count)),
            )
    # Settle the fresh rows (visibility map, hint bits, statistics) so the first job does not pay for it.
    await db.execute("VACUUM (ANALYZE) catalog.lots, catalog.serials")
    return Catalog(
        org,
        key,
        key_id,
        lot_size,
        lots[:big_count],
        lots[big_count:],
        seconds=round(time.perf_counter() - started, 1),
        other=other,
    )


async def _seed_small(db: asyncpg.Pool, name: str, *, lots: int, items: int) -> OtherOrganization:
    """An organization with `lots` lots of `items` serials each, and its key (limits as above)."""
    org = await catalog_repo.create_organization(db, name=name)
    key_id, key = await api_keys_repo.create_key(db, organization_id=org, name="bench")
    await api_keys_repo.set_rate_limits(db, key_id=key_id, per_minute=2_000_000_000, per_day=2_000_000_000)
    product = await catalog_repo.insert_product(db, organization_id=org, gtin=GTIN, name="Bench product B")
    assert product is not None
    async with db.acquire() as conn:
        lot_run = await catalog_repo.create_run(conn, organization_id=org, kind="lots", count=lots)
        lot_ids = await catalog_repo.insert_lots(
            conn,
            organization_id=org,
            product_id=product,
            run_id=lot_run,
            lots=[(f"B{i:04d}", EXPIRY) for i in range(lots)],
        )
        serial_run = await catalog_repo.create_run(
            conn, organization_id=org, kind="serials", count=lots * items
        )
        for number, lot in enumerate(lot_ids):
            await conn.copy_records_to_table(
                "serials",
                schema_name="catalog",
                columns=["organization_id", "lot_id", "lot_run_id", "serial_number"],
                records=((org, lot, serial_run, f"B{number:04d}{i:09d}") for i in range(items)),
            )
    return OtherOrganization(org, key, lot_ids)
