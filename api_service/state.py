"""Typed keys for what the composition root (`app.py`) puts on the application and request."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import web

from api_service.domain.principal import Principal
from api_service.key_usage import KeyUsage
from api_service.settings import ApiSettings
from shared.kafka import LazyProducer

SETTINGS = web.AppKey("settings", ApiSettings)
DB_POOL = web.AppKey("db_pool", asyncpg.Pool)
KAFKA_PRODUCER = web.AppKey("kafka_producer", LazyProducer)
S3_CLIENT: web.AppKey[Any] = web.AppKey("s3_client")  # aiobotocore S3 client: untyped
KEY_USAGE = web.AppKey("key_usage", KeyUsage)


PRINCIPAL = web.RequestKey("principal", Principal)
RATE_LIMIT_HEADERS = web.RequestKey("rate_limit_headers", dict)
