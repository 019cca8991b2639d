"""Typed keys for what the composition root (`app.py`) puts on the application and request."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from api_service.adapters.download_links import DownloadLinks
from api_service.domain.principal import Principal
from api_service.settings import ApiSettings
from api_service.workers.key_usage import KeyUsage
from shared.kafka import LazyProducer
from shared.lifecycle import Loops

SETTINGS = web.AppKey("settings", ApiSettings)
DB_POOL = web.AppKey("db_pool", asyncpg.Pool)
KAFKA_PRODUCER = web.AppKey("kafka_producer", LazyProducer)
KEY_USAGE = web.AppKey("key_usage", KeyUsage)
DOWNLOAD_LINKS = web.AppKey("download_links", DownloadLinks)
# Rate-limit counters: a pool whose commits do not wait for the disk (see app.py).
COUNTERS_POOL = web.AppKey("counters_pool", asyncpg.Pool)
# Every background loop (relay, projection, sweeps), supervised and reported by the probes.
LOOPS = web.AppKey("loops", Loops)


PRINCIPAL = web.RequestKey("principal", Principal)
RATE_LIMIT_HEADERS = web.RequestKey("rate_limit_headers", dict)
