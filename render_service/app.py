"""Composition root of the render service.

An aiohttp application, so the same `cleanup_ctx` idiom owns every resource (database pool, Kafka
producer, S3 client, process pool, the two consumer loops) and Kubernetes gets real probes.
Shutdown (SIGTERM) runs the contexts in reverse: consumers stop taking work, let the chunk in hand
finish, commit and leave the group; then the pool and clients close (graceful shutdown). Every
loop runs supervised (`shared.lifecycle.Loops`): one that ends is restarted with backoff, and the
probes report each by name.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
from aiohttp import web
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor

from render_service.adapters.chunk_tasks import KafkaChunkTasks
from render_service.adapters.object_storage import S3ObjectStorage
from render_service.adapters.render_store import PostgresRenderStore
from render_service.assembly.join_parts import S3PartJoiner
from render_service.chunks.pipeline import RenderPipeline
from render_service.chunks.worker import ChunkWorker
from render_service.emitter import EventEmitter
from render_service.fair_pool import FairPool
from render_service.planning.group_size import GroupSizeAssignor
from render_service.planning.request_handler import RequestHandler
from render_service.pool_lifetime import init_worker
from render_service.settings import RenderSettings
from render_service.watchdog import Watchdog
from shared.consumer import ConsumerLoop, Handler, consuming
from shared.db.pool import create_pool
from shared.kafka import LazyProducer, make_consumer
from shared.lifecycle import Loops, database_check, supervised
from shared.metrics import add_metrics_route
from shared.s3 import s3_client

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", RenderSettings)
DB_POOL = web.AppKey("db_pool", asyncpg.Pool)
# The chunk consumer's assignor: it knows how many replicas share the chunks (for the planner).
WORKER_GROUP = web.AppKey("worker_group", GroupSizeAssignor)
PRODUCER = web.AppKey("producer", LazyProducer)
S3 = web.AppKey("s3", Any)
EXECUTOR = web.AppKey("executor", FairPool)
EMITTER = web.AppKey("emitter", EventEmitter)
LOOPS = web.AppKey("loops", Loops)


async def _database(app: web.Application) -> AsyncIterator[None]:
    app[DB_POOL] = await create_pool(app[SETTINGS])
    yield
    await app[DB_POOL].close()


async def _producer(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    producer = LazyProducer(settings)
    producer.start()
    app[PRODUCER] = producer
    app[EMITTER] = EventEmitter(producer=producer, topic=settings.topic_events, source=settings.render_source)
    yield
    await producer.stop()


async def _s3(app: web.Application) -> AsyncIterator[None]:
    async with s3_client(app[SETTINGS]) as client:
        app[S3] = client
        yield


async def _executor(app: web.Application) -> AsyncIterator[None]:
    # Created once (forkserver: children start clean, without this process's threads and sockets).
    # The initializer makes every pool process exit with this replica (poison isolation: a killed
    # replica leaves nothing behind).
    executor = ProcessPoolExecutor(
        max_workers=app[SETTINGS].render_pool_size,
        mp_context=multiprocessing.get_context("forkserver"),
        initializer=init_worker,
        initargs=(os.getpid(),),
    )
    # Organizations share it fairly; two tasks per render process keep every process busy.
    app[EXECUTOR] = FairPool(executor, slots=2 * app[SETTINGS].render_pool_size)
    yield
    executor.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class _LoopSpec:
    name: str
    topic: Callable[[RenderSettings], str]
    group: Callable[[RenderSettings], str]
    handler: Callable[[web.Application], Handler]
    concurrency: Callable[[RenderSettings], int] = lambda _: 1
    # Round robin deals a topic's partitions out alternately, so a job's consecutive chunks (on
    # consecutive partitions) land on different replicas. Plain round robin is listed last so a
    # group of mixed versions still agrees on one.
    assignors: Callable[[web.Application], tuple[Any, ...]] = lambda _: (RoundRobinPartitionAssignor,)


def _consumer_ctx(spec: _LoopSpec) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        concurrency = spec.concurrency(settings)
        async with consuming(
            app[LOOPS],
            spec.name,
            make_consumer=lambda: make_consumer(
                settings,
                spec.topic(settings),
                group_id=spec.group(settings),
                partition_assignment_strategy=spec.assignors(app),
                max_partition_fetch_bytes=64 * 1024,  # tasks are small: don't hoard a partition's backlog
            ),
            make_loop=lambda consumer: ConsumerLoop(
                consumer=consumer,
                handler=spec.handler(app),
                producer=app[PRODUCER],
                dlq_topic=settings.topic_dlq,
                dlq_excerpt_bytes=settings.dlq_excerpt_bytes,
                name=spec.name,
                concurrency=concurrency,
                max_records=max(concurrency, 1) * 4,
            ),
            stop_timeout=settings.kafka_session_timeout_ms / 1000 + 25,
        ):
            yield

    return ctx


def _request_handler(app: web.Application) -> Handler:
    settings = app[SETTINGS]
    return RequestHandler(
        store=PostgresRenderStore(app[DB_POOL], org_limits=settings.org_limits),
        emitter=app[EMITTER],
        tasks=KafkaChunkTasks(app[PRODUCER], topic=settings.topic_chunks, source=settings.render_source),
        storage=_object_storage(app),
        render_inline=_make_chunk_worker(app).run_chunk,
        chunk_size=settings.render_chunk_size,
        replicas=lambda: app[WORKER_GROUP].members,
        inline_max_items=settings.render_inline_max_items,
        inline_max_cpu_seconds=settings.render_inline_max_cpu_seconds,
    ).handle


def _chunk_worker(app: web.Application) -> Handler:
    return _make_chunk_worker(app).handle


def _object_storage(app: web.Application) -> S3ObjectStorage:
    settings = app[SETTINGS]
    return S3ObjectStorage(
        app[S3],
        bucket=settings.s3_bucket,
        part_bytes=settings.render_upload_part_bytes,
        server_copy=settings.render_assembly_server_copy,
    )


def _make_chunk_worker(app: web.Application) -> ChunkWorker:
    settings = app[SETTINGS]
    return ChunkWorker(
        store=PostgresRenderStore(app[DB_POOL]),
        storage=_object_storage(app),
        renderer=RenderPipeline(
            pool=app[DB_POOL],
            executor=app[EXECUTOR],
            batch_size=settings.render_batch_size,
            batches_in_flight=settings.render_batches_in_flight,
        ),
        joiner=S3PartJoiner(app[S3], bucket=settings.s3_bucket, pool=app[EXECUTOR]),
        emitter=app[EMITTER],
        instance_id=settings.render_instance_id,
        progress_interval=settings.render_progress_interval_seconds,
        assembly_lease=settings.render_assembly_lease_seconds,
        chunk_lease=settings.render_chunk_lease_seconds,
        storage_budget=settings.render_storage_retry_budget_seconds,
    )


routes = web.RouteTableDef()


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """Each loop by name (planner, chunks, watchdog): running, or restarting with its restarts and
    last error. A loop that ends is restarted in-process with backoff; only a lost supervisor
    fails liveness, so Kubernetes restarts the pod."""
    loops = request.app[LOOPS]
    alive = loops.supervisors_alive()
    return _json({"status": "ok" if alive else "dead", "loops": loops.report()}, status=200 if alive else 500)


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    loops = request.app[LOOPS]
    checks = {"database": await database_check(request.app[DB_POOL])}
    checks["kafka"] = "ok" if request.app[PRODUCER].ready else "unavailable"
    checks["loops"] = "ok" if loops.all_running() else "restarting"
    ready = all(v == "ok" for v in checks.values())
    return _json(
        {"status": "ready" if ready else "not ready", "checks": checks, "loops": loops.report()},
        status=200 if ready else 503,
    )


async def _watchdog(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    watchdog = Watchdog(
        pool=app[DB_POOL],
        s3=app[S3],
        bucket=settings.s3_bucket,
        emitter=app[EMITTER],
        deadline=settings.render_job_deadline_seconds,
        interval=settings.render_watchdog_interval_seconds,
    )
    async with supervised(app[LOOPS], "watchdog", watchdog.run):
        yield


def create_app(settings: RenderSettings | None = None) -> web.Application:
    app = web.Application()
    app[SETTINGS] = settings or RenderSettings()
    app[LOOPS] = Loops()
    app[WORKER_GROUP] = GroupSizeAssignor()
    app.cleanup_ctx.extend(
        [
            _database,
            _producer,
            _s3,
            _executor,
            _watchdog,
            _consumer_ctx(
                _LoopSpec(
                    "planner",
                    lambda s: s.topic_requested,
                    lambda s: s.render_planner_group_id,
                    _request_handler,
                )
            ),
            _consumer_ctx(
                _LoopSpec(
                    "chunks",
                    lambda s: s.topic_chunks,
                    lambda s: s.render_worker_group_id,
                    _chunk_worker,
                    lambda s: s.render_chunks_in_flight,
                    lambda app: (app[WORKER_GROUP], RoundRobinPartitionAssignor),
                )
            ),
        ]
    )
    app.add_routes(routes)
    add_metrics_route(app)
    return app
