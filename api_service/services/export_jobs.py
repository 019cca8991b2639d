"""Submitting and reading export jobs: the API's use cases, keyword-only, free of HTTP."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson

from api_service.adapters import jobs_repo
from api_service.domain.errors import InvalidRequest
from api_service.domain.principal import Principal
from api_service.metrics import JOBS_SUBMITTED
from labelkit.export_spec import ExportSpec
from labelkit.field_errors import FieldError
from labelkit.ids import new_job_id
from labelkit.limits import MAX_IDEMPOTENCY_KEY, control_char_message
from shared import events
from shared.kafka import fits_one_message

IDEMPOTENCY_KEY_MAX = MAX_IDEMPOTENCY_KEY


@dataclass(frozen=True, slots=True)
class Receipt:
    job_id: str
    status: str
    created: bool  # False when an Idempotency-Key replayed an earlier submit


def largest_field(request: dict[str, Any]) -> str:
    """The dotted path of the request's largest value (two levels deep: `asset_config.x`)."""
    sizes: dict[str, int] = {}
    for key, value in request.items():
        children = value.items() if isinstance(value, dict) and value else [(None, value)]
        for child, leaf in children:
            sizes[key if child is None else f"{key}.{child}"] = len(orjson.dumps(leaf))
    return max(sizes, key=sizes.__getitem__)


def request_hash(request: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(request, option=orjson.OPT_SORT_KEYS)).hexdigest()


def check_idempotency_key(key: str) -> None:
    if not 0 < len(key) <= IDEMPOTENCY_KEY_MAX:
        raise InvalidRequest(
            [FieldError("Idempotency-Key", "must be 1 to 255 characters")],
            "Idempotency-Key must be 1 to 255 characters",
        )
    if (refused := control_char_message(key)) is not None:
        raise InvalidRequest([FieldError("Idempotency-Key", refused)], f"Idempotency-Key {refused}")


async def submit_export(
    *,
    pool: asyncpg.Pool,
    principal: Principal,
    spec: ExportSpec,
    requested_topic: str,
    source: str,
    max_message_bytes: int,
    idempotency_key: str | None = None,
) -> Receipt:
    """Record the job and its requested event in one transaction (no lost job)."""
    if idempotency_key is not None:
        check_idempotency_key(idempotency_key)
    request = spec.request_data()
    body_hash = request_hash(request)
    job_id = new_job_id()
    event = events.export_requested(
        job_id=job_id,
        organization_id=principal.organization_id,
        spec=spec,
        requested_at=dt.datetime.now(dt.UTC),
        source=source,
    )
    if not fits_one_message(events.encode(event), max_message_bytes=max_message_bytes):
        # Refused here, before any row exists: an outbox row too large to publish would never leave.
        field = largest_field(request)
        raise InvalidRequest(
            [FieldError(field, f"makes the request larger than the {max_message_bytes}-byte message limit")],
            "request too large to publish",
        )
    async with pool.acquire() as conn, conn.transaction():
        if idempotency_key is not None:
            # Serializes concurrent submits with the same key: the loser waits, then sees the winner.
            await jobs_repo.lock_idempotency_key(
                conn, organization_id=principal.organization_id, idempotency_key=idempotency_key
            )
            previous = await jobs_repo.find_by_idempotency_key(
                conn, organization_id=principal.organization_id, idempotency_key=idempotency_key
            )
            if previous is not None and previous["fresh"]:
                if previous["request_hash"] != body_hash:
                    raise InvalidRequest(
                        [FieldError("Idempotency-Key", "reused with a different body")],
                        "Idempotency-Key was already used with a different request body",
                    )
                return Receipt(job_id=previous["job_id"], status="pending", created=False)
            if previous is not None:
                await jobs_repo.release_idempotency_key(conn, job_id=previous["job_id"])

        await jobs_repo.insert_job(
            conn,
            job_id=job_id,
            organization_id=principal.organization_id,
            request=request,
            source="http",
            idempotency_key=idempotency_key,
            request_hash=body_hash,
        )
        await jobs_repo.add_to_outbox(conn, topic=requested_topic, event=event)
    JOBS_SUBMITTED.labels(spec.export_type).inc()
    return Receipt(job_id=job_id, status="pending", created=True)
