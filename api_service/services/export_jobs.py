"""Submitting and reading export jobs: the API's use cases, keyword-only, free of HTTP."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson

from api_service.adapters import jobs_repo
from api_service.domain.principal import Principal
from api_service.http.errors import ApiError
from api_service.metrics import JOBS_SUBMITTED
from labelkit.export_spec import ExportSpec
from labelkit.field_errors import FieldError
from labelkit.ids import new_job_id
from shared import events

IDEMPOTENCY_KEY_MAX = 255


@dataclass(frozen=True, slots=True)
class Receipt:
    job_id: str
    status: str
    created: bool  # False when an Idempotency-Key replayed an earlier submit


def request_hash(request: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(request, option=orjson.OPT_SORT_KEYS)).hexdigest()


async def submit_export(
    *,
    pool: asyncpg.Pool,
    principal: Principal,
    spec: ExportSpec,
    requested_topic: str,
    source: str,
    idempotency_key: str | None = None,
) -> Receipt:
    """Record the job and its requested event in one transaction (invariant 1: no lost job)."""
    if idempotency_key is not None and not 0 < len(idempotency_key) <= IDEMPOTENCY_KEY_MAX:
        raise ApiError(
            422,
            "Idempotency-Key must be 1 to 255 characters",
            details=[FieldError("Idempotency-Key", "must be 1 to 255 characters")],
        )
    request = spec.request_data()
    body_hash = request_hash(request)
    async with pool.acquire() as conn, conn.transaction():
        if idempotency_key is not None:
            # Serializes concurrent submits with the same key: the loser waits, then sees the winner.
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                f"{principal.organization_id}:{idempotency_key}",
            )
            previous = await jobs_repo.find_by_idempotency_key(
                conn, organization_id=principal.organization_id, idempotency_key=idempotency_key
            )
            if previous is not None and previous["fresh"]:
                if previous["request_hash"] != body_hash:
                    raise ApiError(
                        422,
                        "Idempotency-Key was already used with a different request body",
                        details=[FieldError("Idempotency-Key", "reused with a different body")],
                    )
                return Receipt(job_id=previous["job_id"], status="pending", created=False)
            if previous is not None:
                await jobs_repo.release_idempotency_key(conn, job_id=previous["job_id"])

        job_id = new_job_id()
        await jobs_repo.insert_job(
            conn,
            job_id=job_id,
            organization_id=principal.organization_id,
            request=request,
            source="http",
            idempotency_key=idempotency_key,
            request_hash=body_hash,
        )
        event = events.export_requested(
            job_id=job_id,
            organization_id=principal.organization_id,
            spec=spec,
            requested_at=dt.datetime.now(dt.UTC),
            source=source,
        )
        await jobs_repo.add_to_outbox(conn, topic=requested_topic, event=event)
    JOBS_SUBMITTED.labels(spec.export_type).inc()
    return Receipt(job_id=job_id, status="pending", created=True)
