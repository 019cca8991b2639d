"""Prometheus metrics common to both services, and the `/metrics` handler.

Metrics live in the process-wide default registry, created once at import: several app
instances in one process (tests) share them, as one process's metrics should.
"""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

KAFKA_ERRORS = Counter(
    "label_export_kafka_errors_total", "Kafka client errors (produce, consume, commit)", ["operation"]
)
S3_ERRORS = Counter("label_export_s3_errors_total", "Object-store errors", ["operation"])
CONSUMER_LAG = Gauge(
    "label_export_consumer_lag_messages",
    "Messages behind the partition end, per consumer",
    ["group", "topic"],
)
MESSAGES_HANDLED = Counter(
    "label_export_messages_handled_total", "Kafka messages handled, by outcome", ["consumer", "outcome"]
)
HANDLE_SECONDS = Histogram(
    "label_export_message_handle_seconds",
    "Time to handle one Kafka message",
    ["consumer"],
    buckets=(0.001, 0.005, 0.02, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)


async def metrics_handler(request: web.Request) -> web.Response:
    body = generate_latest()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def add_metrics_route(app: web.Application) -> None:
    app.router.add_get("/metrics", metrics_handler)
