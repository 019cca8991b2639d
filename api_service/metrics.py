"""API service metrics: HTTP latency by route and status, job transitions, outbox and projection lag."""

from __future__ import annotations

import time

import asyncpg
from aiohttp import web
from prometheus_client import Counter, Gauge, Histogram

from api_service.adapters import jobs_repo, outbox_repo
from api_service.http.errors import Handler

HTTP_SECONDS = Histogram(
    "label_export_http_request_seconds",
    "HTTP request latency by route template, method and status",
    ["route", "method", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
JOBS_SUBMITTED = Counter("label_export_jobs_submitted_total", "Jobs accepted by submit", ["export_type"])
JOB_TRANSITIONS = Counter(
    "label_export_job_transitions_total", "Read-model jobs reaching a status", ["status"]
)
JOBS_BY_STATUS = Gauge("label_export_jobs", "Jobs in the read model by status", ["status"])
OUTBOX_LAG = Gauge("label_export_outbox_lag_seconds", "Age of the oldest unsent outbox row (0 when empty)")
OUTBOX_PUBLISHED = Counter("label_export_outbox_published_total", "Outbox rows published to Kafka")
OUTBOX_DEAD = Counter(
    "label_export_outbox_dead_total", "Outbox rows that could never be published (their jobs failed)"
)
PROJECTION_LAG = Gauge(
    "label_export_projection_lag_seconds", "Now minus the time of the last event applied to the read model"
)


@web.middleware
async def http_metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    response = await handler(request)
    resource = request.match_info.route.resource
    # The route template, never the raw path: ids would explode the label space.
    route = resource.canonical if resource is not None else "unmatched"
    HTTP_SECONDS.labels(route, request.method, str(response.status)).observe(time.perf_counter() - started)
    return response


async def sample_gauges(pool: asyncpg.Pool) -> None:
    """Jobs by status and outbox lag come from the database, sampled on a beat (not per scrape)."""
    counts = await jobs_repo.count_by_status(pool)
    for status in ("pending", "processing", "completed", "failed"):
        JOBS_BY_STATUS.labels(status).set(counts.get(status, 0))
    OUTBOX_LAG.set(await outbox_repo.oldest_unsent_age(pool))
