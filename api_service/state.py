"""Typed keys for what the composition root (`app.py`) puts on the application and request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiohttp import web

from api_service.key_usage import KeyUsage
from api_service.settings import ApiSettings
from shared.kafka import LazyProducer

SETTINGS = web.AppKey("settings", ApiSettings)
DB_POOL = web.AppKey("db_pool", asyncpg.Pool)
KAFKA_PRODUCER = web.AppKey("kafka_producer", LazyProducer)
S3_CLIENT = web.AppKey("s3_client", Any)  # aiobotocore S3 client: untyped
KEY_USAGE = web.AppKey("key_usage", KeyUsage)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the API key's organization. Every query is scoped by `organization_id`."""

    key_id: uuid.UUID
    organization_id: uuid.UUID
    rate_limit_per_minute: int
    rate_limit_per_day: int


PRINCIPAL = web.RequestKey("principal", Principal)
RATE_LIMIT_HEADERS = web.RequestKey("rate_limit_headers", dict)
