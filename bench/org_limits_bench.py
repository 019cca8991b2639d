"""What the per-organization limits cost the submit path (docs/contract.md#organization-limits).

    python bench/org_limits_bench.py [--database-url URL] [--submits 300] [--sizes 10,10k,100k,1M]

On a database of its own (created on the server of --database-url, dropped at the end): one
organization whose lots hold each of --sizes serials. It measures

- `submit_export` (the whole submit transaction: job row, outbox row, the limit checks), p50/p95;
- each step the limits add to it: the organization's limits, the count of the job's items (per
  selection size: it stops one past the tighter size limit, 1,000,001 by default), the lock plus
  the count of open work;
- submits of one organization from 8 concurrent clients (they queue on its lock) against 8
  organizations (they do not);
- the snapshot statement's plan with and without the planner's `LIMIT` (one row past the limit).

Writes bench/results/org_limits.json and prints a table. Not part of `make bench`: it needs only
PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api_service.adapters import api_keys_repo, catalog_repo, org_limits_repo  # noqa: E402
from api_service.domain.principal import Principal  # noqa: E402
from api_service.services.export_jobs import submit_export  # noqa: E402
from labelkit.export_spec import ExportSpec, parse_export_spec  # noqa: E402
from render_service.adapters.snapshot_query import snapshot_query  # noqa: E402
from shared.db.migrate import migrate  # noqa: E402
from shared.db.org_limits import lock_organization, organization_limits  # noqa: E402
from shared.db.pool import _init_connection  # noqa: E402
from shared.org_limits import OrgLimits  # noqa: E402
from shared.settings import CommonSettings  # noqa: E402

DEFAULTS = CommonSettings().org_limits
MAX = 2_000_000_000  # "no limit" for the concurrency runs, which measure the lock, not refusals


def size(text: str) -> int:
    text = text.strip().lower()
    for suffix, factor in (("k", 1_000), ("m", 1_000_000)):
        if text.endswith(suffix):
            return int(float(text[:-1]) * factor)
    return int(text)


def spec_of(lot_id: uuid.UUID) -> ExportSpec:
    return parse_export_spec(
        {
            "scope": "serials",
            "export_type": "datamatrix",
            "file_format": "png",
            "filters": {"lot_ids": [str(lot_id)]},
        }
    )


def principal(org: uuid.UUID) -> Principal:
    return Principal(key_id=uuid.uuid4(), organization_id=org, rate_limit_per_minute=0, rate_limit_per_day=0)


async def seed(db: asyncpg.Pool, sizes: list[int]) -> tuple[uuid.UUID, dict[int, uuid.UUID]]:
    org = await catalog_repo.create_organization(db, name="org-limits-bench")
    product = await catalog_repo.insert_product(db, organization_id=org, gtin="09506000134352", name="Bench")
    assert product is not None
    lots: dict[int, uuid.UUID] = {}
    async with db.acquire() as conn:
        run = await catalog_repo.create_run(conn, organization_id=org, kind="lots", count=len(sizes))
        ids = await catalog_repo.insert_lots(
            conn, organization_id=org, product_id=product, run_id=run, lots=[(f"L{n}", None) for n in sizes]
        )
        for n, lot in zip(sizes, ids, strict=True):
            await conn.copy_records_to_table(
                "serials",
                schema_name="catalog",
                columns=["organization_id", "lot_id", "serial_number"],
                records=((org, lot, f"S{i:09d}") for i in range(n)),
            )
            lots[n] = lot
    await db.execute("VACUUM (ANALYZE) catalog.lots, catalog.serials")
    return org, lots


def ms(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {
        "p50_ms": round(statistics.median(values) * 1000, 3),
        "p95_ms": round(values[max(0, int(len(values) * 0.95) - 1)] * 1000, 3),
        "n": len(values),
    }


async def timed(fn: Any, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - t0)
    return out


async def submit(db: asyncpg.Pool, org: uuid.UUID, spec: ExportSpec, limits: OrgLimits) -> None:
    await submit_export(
        pool=db,
        principal=principal(org),
        spec=spec,
        requested_topic="bench.requested",
        source="bench",
        max_message_bytes=1_048_576,
        limits=limits,
        limit_retry_after=30,
    )


async def close_all(db: asyncpg.Pool) -> None:
    """Submitted jobs stay pending (nothing renders here): end them so each run starts from nothing open."""
    await db.execute("UPDATE api.export_jobs SET status = 'completed' WHERE status = 'pending'")


async def concurrent_submits(
    db: asyncpg.Pool, orgs: list[uuid.UUID], spec_for: Any, per_client: int
) -> float:
    """Submits per second of len(orgs) concurrent clients, client i submitting for orgs[i]."""
    high = OrgLimits(max_items_per_job=MAX, max_open_jobs=MAX, max_open_items=MAX)

    async def client(org: uuid.UUID) -> None:
        for _ in range(per_client):
            await submit(db, org, spec_for(org), high)

    t0 = time.perf_counter()
    await asyncio.gather(*(client(org) for org in orgs))
    return round(len(orgs) * per_client / (time.perf_counter() - t0), 1)


async def snapshot_plans(db: asyncpg.Pool, org: uuid.UUID, lot: uuid.UUID) -> dict[str, str]:
    select, args = snapshot_query(spec_of(lot), org)
    plans = {}
    for name, sql in (
        ("without LIMIT", select),
        ("with LIMIT", f"{select} LIMIT {DEFAULTS.items_worth_counting}"),
    ):
        rows = await db.fetch(f"EXPLAIN (COSTS OFF) {sql}", *args)
        plans[name] = " / ".join(r[0].strip() for r in rows)
    return plans


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--submits", type=int, default=300)
    p.add_argument("--sizes", default="10,10k,100k,1M")
    a = p.parse_args()
    sizes = [size(s) for s in a.sizes.split(",")]
    name = f"labels_org_limits_bench_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(a.database_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = a.database_url.rsplit("/", 1)[0] + f"/{name}"
    results: dict[str, Any] = {"defaults": DEFAULTS.__repr__()}
    try:
        await migrate(url)
        db = await asyncpg.create_pool(url, min_size=2, max_size=10, init=_init_connection)
        assert db is not None
        try:
            org, lots = await seed(db, sizes)
            small = spec_of(lots[min(sizes)])

            # Every step as with the defaults; only the open-jobs limit is raised, as jobs pile up here.
            many_open = OrgLimits(
                max_items_per_job=DEFAULTS.max_items_per_job, max_open_jobs=MAX, max_open_items=MAX
            )

            async def whole() -> None:
                await submit(db, org, small, many_open)

            results["submit_export"] = ms(await timed(whole, a.submits))
            await close_all(db)

            async def limits_step() -> None:
                await organization_limits(db, org, DEFAULTS)

            results["step: the organization's limits"] = ms(await timed(limits_step, a.submits))
            for n in sizes:

                async def count(n: int = n) -> None:
                    await org_limits_repo.count_items(
                        db, spec=spec_of(lots[n]), organization_id=org, up_to=DEFAULTS.items_worth_counting
                    )

                results[f"step: count the job's items, {n:,} selected"] = ms(
                    await timed(count, max(5, a.submits // max(1, n // 1000)))
                )

            async def lock_and_open_work() -> None:
                async with db.acquire() as conn, conn.transaction():
                    await lock_organization(conn, org, ledger="api")
                    await org_limits_repo.open_work(conn, organization_id=org)

            results["step: lock + open work (a transaction of its own)"] = ms(
                await timed(lock_and_open_work, a.submits)
            )

            orgs = [await catalog_repo.create_organization(db, name=f"o{i}") for i in range(8)]
            own_lots = {}
            for o in orgs:
                product = await catalog_repo.insert_product(
                    db, organization_id=o, gtin="09506000134352", name="B"
                )
                assert product is not None
                async with db.acquire() as conn:
                    lot = (
                        await catalog_repo.insert_lots(
                            conn, organization_id=o, product_id=product, run_id=None, lots=[("L", None)]
                        )
                    )[0]
                    await catalog_repo.insert_serials(
                        conn, organization_id=o, lot_id=lot, run_id=None, serials=[f"S{i}" for i in range(10)]
                    )
                own_lots[o] = lot
            per_client = max(5, a.submits // 8)
            results["8 clients, one organization: submits/s"] = await concurrent_submits(
                db, [orgs[0]] * 8, lambda o: spec_of(own_lots[orgs[0]]), per_client
            )
            await close_all(db)
            results["8 clients, 8 organizations: submits/s"] = await concurrent_submits(
                db, orgs, lambda o: spec_of(own_lots[o]), per_client
            )
            results["snapshot plan, largest size"] = await snapshot_plans(db, org, lots[max(sizes)])
            _ = api_keys_repo  # keys are not needed: submit_export takes the principal
        finally:
            await db.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    out = ROOT / "bench" / "results" / "org_limits.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    for key, value in results.items():
        print(f"{key}: {value}")
    print(f"(written to {out})")


if __name__ == "__main__":
    asyncio.run(main())
