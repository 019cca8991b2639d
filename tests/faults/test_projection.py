"""The read model under duplicated and reordered events (scenario 8), and rebuilt from the event
log (scenario 7).

Mechanisms under test (the monotonic-projection invariant, docs/invariants.md): every projection statement is
a no-op when replayed — progress only rises, `completed`/`failed` are final, `version` (the ETag) moves only
with a visible change; an event for a job the API does not know yet is parked and applied when its request
arrives. So the read model is a pure function of the event log: replaying `label-export.events`
(and the requests on `label-export.requested`, which create jobs) from offset 0 into a fresh
database with `api_service.workers.projection.Projection` gives the live read model back, and replaying
it twice changes nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import orjson
import pytest
from aiokafka import ConsumerRecord
from aiokafka.partitioner import DefaultPartitioner

from api_service.workers.projection import Projection
from devtools.postgres import with_database
from labelkit.ids import new_job_id
from shared import events
from shared.db.migrate import migrate
from shared.db.pool import create_pool
from shared.settings import CommonSettings
from tests.faults.catalog import make_catalog
from tests.faults.polling import poll_terminal
from tests.faults.rig import Rig
from tests.faults.timings import record
from tests.faults.waiting import now, wait_for
from tests.support.api import EXPORTS, Api

pytestmark = pytest.mark.slow

REQUESTED, EVENTS = "label-export.requested", "label-export.events"


# ---------------------------------------------------------------------------------------------
# Injecting events like another service would


def envelope(data: events.JobData, *, source: str = "fault-injector") -> bytes:
    return events.encode(events.make_event(data, source=source))


def partition_of(job_id: str, partitions: int = 4) -> int:
    """The partition a job's messages land on (key = job id, the default partitioner)."""
    return DefaultPartitioner()(job_id.encode(), list(range(partitions)), list(range(partitions)))  # type: ignore[no-any-return]


class Injector:
    """Publishes events keyed by job id like any publisher (so one job's events stay in order on
    one partition) and knows when the projection has applied them: per partition, a barrier job
    (a pending job nothing else touches) gets a rising progress count behind them, and the
    projection handles a partition in order."""

    def __init__(self, rig: Rig, producer: Any, barriers: dict[int, str], organization_id: uuid.UUID) -> None:
        self.rig = rig
        self.organization_id = organization_id  # the barrier jobs' organization
        self.producer = producer
        self.barriers = barriers
        self.count = 0
        self.sent = 0

    async def send(self, topic: str, data: events.JobData, **kw: Any) -> None:
        self.sent += 1
        await self.producer.send_and_wait(
            topic,
            envelope(data, **kw),
            key=data.job_id.encode(),
            headers=[events.CONTENT_TYPE_HEADER],
        )

    async def applied(self, job_id: str) -> None:
        """Wait until everything sent so far for `job_id` has been applied."""
        barrier = self.barriers[partition_of(job_id)]
        self.count += 1
        n = self.count
        await self.send(
            EVENTS,
            events.ExportProgress(
                job_id=barrier, organization_id=self.organization_id, processed_items=n, total_items=10**6
            ),
        )

        async def reached() -> bool:
            got = await self.rig.q(
                "fetchval", "SELECT processed_items FROM api.export_jobs WHERE job_id = $1", barrier
            )
            return got is not None and got >= n

        await wait_for(reached, timeout=30, what="the projection to apply the injected events", interval=0.05)


async def barrier_jobs(api: Api, body: dict[str, Any]) -> dict[int, str]:
    """One pending job per partition (tiny submits until every partition has one)."""
    found: dict[int, str] = {}
    for _ in range(100):
        job_id = (await api.submit(body)).body["job_id"]
        found.setdefault(partition_of(job_id), job_id)
        if len(found) == 4:
            return found
    raise AssertionError("could not find a job id for every partition")


def completed(job_id: str, org: uuid.UUID, total: int, tag: str = "a") -> events.ExportCompleted:
    return events.ExportCompleted(
        job_id=job_id,
        organization_id=org,
        total_items=total,
        key=f"exports/{org}/{job_id}/{tag}.zip",  # a key of the job's own (the projection checks)
        output_filename=f"fake-{tag}.zip",
        file_size_bytes=1234,
        content_type="application/zip",
        sha256=hashlib.sha256(tag.encode()).hexdigest(),
    )


async def read_row(rig: Rig, job_id: str) -> dict[str, Any]:
    row = await rig.q(
        "fetchrow",
        "SELECT status, total_items, processed_items, version, error, artifact_key "
        "FROM api.export_jobs WHERE job_id = $1",
        job_id,
    )
    return dict(row)


async def test_duplicated_and_reordered_events_keep_the_read_model_monotonic(rig: Rig) -> None:
    await rig.ensure_renders()  # nobody renders: only our events move these jobs
    tenant = await rig.tenant()
    async with rig.client(tenant) as api, rig.producer() as producer:
        tiny = await make_catalog(api, 10)
        job_x = (await api.submit(tiny.body)).body["job_id"]
        job_y = (await api.submit(tiny.body)).body["job_id"]
        org = tenant.organization_id
        inject = Injector(rig, producer, await barrier_jobs(api, tiny.body), org)
        seen: list[dict[str, Any]] = []

        async def step(data: events.JobData, expect: dict[str, Any], *, changes: bool) -> None:
            before = await read_row(rig, data.job_id)
            await inject.send(EVENTS, data)
            await inject.applied(data.job_id)
            after = await read_row(rig, data.job_id)
            body = (await api.get(f"{EXPORTS}{data.job_id}/")).body
            seen.append(body)
            for key, value in expect.items():
                assert after[key] == value, (type(data).__name__, key, after)
            assert after["processed_items"] >= before["processed_items"], (before, after)
            assert (after["version"] != before["version"]) == changes, (type(data).__name__, before, after)

        X = job_x
        await step(
            events.ExportProgress(job_id=X, organization_id=org, processed_items=300, total_items=1000),
            {"status": "processing", "processed_items": 300},
            changes=True,
        )
        await step(
            events.ExportProgress(
                job_id=X, organization_id=org, processed_items=300, total_items=1000
            ),  # duplicate
            {"processed_items": 300},
            changes=False,
        )
        await step(
            events.ExportProgress(
                job_id=X, organization_id=org, processed_items=100, total_items=1000
            ),  # older, late
            {"processed_items": 300},
            changes=False,
        )
        await step(
            events.ExportStarted(job_id=X, organization_id=org, total_items=1000),  # started after progress
            {"status": "processing", "processed_items": 300},
            changes=False,
        )
        await step(
            events.ExportProgress(job_id=X, organization_id=org, processed_items=700, total_items=1000),
            {"processed_items": 700},
            changes=True,
        )
        await step(completed(X, org, 1000), {"status": "completed", "processed_items": 1000}, changes=True)
        final = await read_row(rig, X)
        await step(completed(X, org, 1000), {}, changes=False)  # duplicate completion
        await step(
            events.ExportProgress(job_id=X, organization_id=org, processed_items=900, total_items=1000),
            {},
            changes=False,
        )
        await step(events.ExportStarted(job_id=X, organization_id=org, total_items=1000), {}, changes=False)
        await step(
            events.ExportFailed(job_id=X, organization_id=org, error="late failure"), {}, changes=False
        )
        await step(completed(X, org, 999, tag="other"), {}, changes=False)  # a conflicting second completion
        assert await read_row(rig, X) == final

        await step(
            events.ExportFailed(job_id=job_y, organization_id=org, error="render failed: injected"),
            {"status": "failed", "error": "render failed: injected"},
            changes=True,
        )
        await step(completed(job_y, org, 10), {"status": "failed"}, changes=False)
        await step(
            events.ExportProgress(job_id=job_y, organization_id=org, processed_items=10, total_items=10),
            {"status": "failed"},
            changes=False,
        )

        # Events before their job exists (another service's request still on its way): parked.
        job_z = new_job_id()
        await inject.send(
            EVENTS,
            events.ExportProgress(job_id=job_z, organization_id=org, processed_items=400, total_items=10),
        )
        await inject.send(EVENTS, completed(job_z, org, 10))
        await inject.send(EVENTS, events.ExportStarted(job_id=job_z, organization_id=org, total_items=10))
        await inject.applied(job_z)
        parked = await rig.q("fetchval", "SELECT count(*) FROM api.parked_events WHERE job_id = $1", job_z)
        assert parked == 3
        assert (await api.get(f"{EXPORTS}{job_z}/")).status == 404
        request = events.ExportRequested(
            job_id=job_z,
            organization_id=tenant.organization_id,
            scope="serials",
            export_type="datamatrix",
            file_format="png",
            filters={"lot_ids": [tiny.lot_id]},
            requested_at=dt.datetime.now(dt.UTC),
        )
        await inject.send(REQUESTED, request, source="erp-connector")
        await wait_for(lambda: _visible(api, job_z), timeout=30, what="the foreign job to appear")
        status_z = await poll_terminal(api, job_z, timeout=30)
        assert (
            status_z["status"] == "completed" and status_z["processed_items"] == status_z["total_items"] == 10
        )
        assert await rig.q("fetchval", "SELECT count(*) FROM api.parked_events WHERE job_id = $1", job_z) == 0

        # What a polling client saw never went backwards, and terminal states never changed.
        by_job: dict[str, list[dict[str, Any]]] = {}
        for body in seen:
            by_job.setdefault(body["job_id"], []).append(body)
        for bodies in by_job.values():
            processed = [b["processed_items"] for b in bodies]
            assert processed == sorted(processed), processed
            terminal = [b["status"] for b in bodies if b["status"] in ("completed", "failed")]
            assert len(set(terminal)) <= 1, terminal
    record(
        "8. duplicated and reordered progress/started/completed/failed events (published by the test)",
        outcome="processed_items never decreased; no-op events left version/ETag unchanged; "
        "first terminal state final; early events parked then applied",
        events_injected=inject.sent,
        lost="nothing",
    )


# ---------------------------------------------------------------------------------------------
# Replay


COMPARED = (
    "job_id",
    "organization_id",
    "scope",
    "export_type",
    "file_format",
    "filters",
    "asset_config",
    "status",
    "total_items",
    "processed_items",
    "artifact_key",
    "output_filename",
    "file_size_bytes",
    "content_type",
    "sha256",
    "error",
)


@pytest.fixture
async def fresh_databases(rig: Rig) -> AsyncIterator[list[asyncpg.Pool]]:
    """Two fresh databases with every migration, dropped afterwards."""
    base = rig.stack.endpoints.database_url
    admin = await asyncpg.connect(with_database(base, "postgres"))
    names = [f"{rig.stack.postgres.database}_replay{i}"[:63] for i in (1, 2)]
    pools: list[asyncpg.Pool] = []
    try:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
            await migrate(with_database(base, name))
            pools.append(
                await create_pool(
                    CommonSettings(database_url=with_database(base, name)), min_size=1, max_size=2
                )
            )
        yield pools
    finally:
        for pool in pools:
            await pool.close()
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def replay(pool: asyncpg.Pool, records: list[ConsumerRecord[bytes, bytes]]) -> int:
    """Apply records one by one exactly as the projection consumer does; invalid ones are what
    the consumer loop would dead-letter. Returns how many were invalid."""
    projection = Projection(pool=pool, requested_topic=REQUESTED)
    invalid = 0
    for r in records:
        try:
            await projection.handle(r)
        except events.InvalidMessage:
            invalid += 1
    return invalid


async def snapshot(conn: asyncpg.Pool, columns: tuple[str, ...] | None = None) -> dict[str, dict[str, Any]]:
    cols = ", ".join(columns) if columns else "*"
    rows = await conn.fetch(f"SELECT {cols} FROM api.export_jobs ORDER BY job_id")
    return {
        r["job_id"]: {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in dict(r).items()}
        for r in rows
    }


async def test_replaying_the_event_log_rebuilds_the_read_model(
    rig: Rig, fresh_databases: list[asyncpg.Pool]
) -> None:
    await rig.ensure_renders("render-1", "render-2")
    tenant = await rig.tenant()
    async with rig.client(tenant) as api, rig.producer() as producer:
        big = await make_catalog(api, 3000)
        small = await make_catalog(api, 50)
        empty_lot = (
            await api.lots(
                (await api.get("/products/api/v1/products/")).body["data"][0]["id"], [{"lot_number": "EMPTY"}]
            )
        )["ids"][0]
        cancel_me = await make_catalog(api, 20_000)
        bodies = [
            big.body,
            small.body,
            {
                "scope": "serials",
                "export_type": "sheet_pdf",
                "file_format": "pdf",
                "filters": {"lot_ids": [empty_lot]},
            },  # nothing to print: fails
            {"scope": "lots", "export_type": "qr_codes", "file_format": "svg"},
        ]
        job_ids = [(await api.submit(b)).body["job_id"] for b in bodies]
        cancelled = (await api.submit(cancel_me.body)).body["job_id"]
        await wait_for(lambda: _processing(api, cancelled), timeout=60, what="the big job to start")
        assert (await api.post(f"{EXPORTS}{cancelled}/cancel/", None)).status == 202
        # Requests from another service, straight on Kafka: a valid one and an invalid one.
        foreign = []
        for file_format in ("png", "eps"):  # datamatrix cannot be EPS: that one fails
            data = events.ExportRequested(
                job_id=new_job_id(),
                organization_id=tenant.organization_id,
                scope="serials",
                export_type="datamatrix",
                file_format=file_format,
                filters={"lot_ids": [small.lot_id]},
                requested_at=dt.datetime.now(dt.UTC),
            )
            await producer.send_and_wait(
                REQUESTED,
                envelope(data, source="erp-connector"),
                key=data.job_id.encode(),
                headers=[events.CONTENT_TYPE_HEADER],
            )
            foreign.append(data.job_id)
        finals = {}
        for job_id in [*job_ids, cancelled, *foreign]:
            await wait_for(functools.partial(_visible, api, job_id), timeout=30, what=f"job {job_id}")
            finals[job_id] = await poll_terminal(api, job_id, timeout=120)
    assert [finals[j]["status"] for j in job_ids] == ["completed", "completed", "failed", "completed"]
    assert finals[foreign[0]]["status"] == "completed" and finals[foreign[1]]["status"] == "failed"
    # Let the render service settle (jobs of the previous test re-rendered, trailing events).
    await wait_for(lambda: _render_idle(rig), timeout=120, what="the render service to go idle")
    await asyncio.sleep(2)

    started = now()
    requested = await rig.read_topic(REQUESTED)
    emitted = await rig.read_topic(EVENTS)
    read_s = now() - started
    live = await snapshot(rig.db, COMPARED)

    first, second = fresh_databases
    started = now()
    invalid = await replay(first, [*requested, *emitted])
    replay_s = now() - started
    rebuilt = await snapshot(first, COMPARED)
    assert invalid == 0
    assert set(rebuilt) == set(live), set(live) ^ set(rebuilt)
    differences = {
        j: {k: (live[j][k], rebuilt[j][k]) for k in COMPARED if live[j][k] != rebuilt[j][k]}
        for j in live
        if live[j] != rebuilt[j]
    }
    # A cancel is written into the read model by the API itself, at whatever progress the job had
    # then; the log only has the progress events and the render service's later `failed`. So a
    # cancelled job's processed_items may come out higher in a replay (progress emitted between
    # the cancel and the render noticing it). Everything else must be equal.
    cancel_drift = differences.get(cancelled, {}).pop("processed_items", None)
    # The stale-job sweep's give-up is the API's own decision too, absent from the log. On a loaded
    # machine it happens here: the previous test's jobs nobody rendered (its spare tiny submits)
    # wait longer than STALE_JOB_MAX_REPUBLISHES × STALE_JOB_SECONDS (25 s in the rig), and so may
    # a job of this test queued behind their re-published requests; the log then says how the
    # render service ended them later.
    gave_up = {j for j in differences if (live[j]["error"] or "").startswith("stopped moving:")}
    differences = {j: d for j, d in differences.items() if d and j not in gave_up}
    assert not differences, orjson.dumps(differences, default=str).decode()

    # Replaying again changes nothing at all (not even version or updated_at).
    whole = await snapshot(first)
    await replay(first, [*requested, *emitted])
    assert await snapshot(first) == whole

    # Events before requests (every event parked first, then applied): the same read model.
    await replay(second, [*emitted, *requested])
    parked_first = await snapshot(second, COMPARED)
    differences = {
        j: {k: (rebuilt[j][k], parked_first[j][k]) for k in COMPARED if rebuilt[j][k] != parked_first[j][k]}
        for j in rebuilt
        if rebuilt[j] != parked_first.get(j)
    }
    # Known and left alone (docs/reliability.md): parked events are applied sorted by type
    # (started, progress, then terminal), not in log order. When a job's log has `failed` *before*
    # `started`/`progress` (only seen with the injected disorder of scenario 8), the counters of that
    # failed job differ; status, error and artifact never do.
    counters_only = {
        j
        for j, d in differences.items()
        if rebuilt[j]["status"] == "failed" and set(d) <= {"total_items", "processed_items"}
    }
    assert set(differences) == counters_only, orjson.dumps(differences, default=str).decode()
    assert await second.fetchval("SELECT count(*) FROM api.parked_events") == 0
    record(
        "7. replay of label-export.events (+ requests) from offset 0 into a fresh database",
        outcome=f"{len(live)} jobs rebuilt equal to the live read model; second replay changed nothing; "
        "events-before-requests order gives the same result",
        records=len(requested) + len(emitted),
        cancelled_job_processed_live_vs_replay=cancel_drift or "equal",
        jobs_given_up_by_the_stale_sweep=len(gave_up),
        parked_first_counter_drift=len(counters_only),
        read_s=read_s,
        replay_s=replay_s,
        lost="nothing",
    )


async def _processing(api: Api, job_id: str) -> bool:
    body = (await api.get(f"{EXPORTS}{job_id}/")).body
    return bool(body["processed_items"] > 0)


async def _visible(api: Api, job_id: str) -> bool:
    return (await api.get(f"{EXPORTS}{job_id}/")).status == 200


async def _render_idle(rig: Rig) -> bool:
    live = await rig.q(
        "fetchval", "SELECT count(*) FROM render.jobs WHERE status IN ('rendering', 'assembling')"
    )
    return bool(live == 0)
