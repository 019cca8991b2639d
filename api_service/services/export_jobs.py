"""Submitting and reading export jobs: the API's use cases, keyword-only, free of HTTP."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson

from api_service.adapters import jobs_repo, org_limits_repo
from api_service.domain.errors import InvalidRequest, OverLimit
from api_service.domain.principal import Principal
from api_service.metrics import JOBS_SUBMITTED
from labelkit.export_spec import ExportSpec
from labelkit.field_errors import FieldError
from labelkit.ids import new_job_id
from labelkit.limits import MAX_IDEMPOTENCY_KEY, control_char_message
from shared import events
from shared.db.org_limits import admit, organization_limits
from shared.kafka import fits_one_message
from shared.org_limits import OrgLimitExceeded, OrgLimits

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
    limits: OrgLimits,
    limit_retry_after: int,
    idempotency_key: str | None = None,
) -> Receipt:
    """Record the job and its requested event in one transaction (no lost job), within the
    organization's limits (`limits`: the service defaults; the organization's overrides apply)."""
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

        # A replayed receipt (above) is never refused: its job was admitted when it was made.
        items = await _admit(
            conn, principal=principal, spec=spec, defaults=limits, retry_after=limit_retry_after
        )
        await jobs_repo.insert_job(
            conn,
            job_id=job_id,
            organization_id=principal.organization_id,
            request=request,
            source="http",
            idempotency_key=idempotency_key,
            request_hash=body_hash,
            estimated_items=items or 0,
        )
        await jobs_repo.add_to_outbox(conn, topic=requested_topic, event=event)
    JOBS_SUBMITTED.labels(spec.export_type).inc()
    return Receipt(job_id=job_id, status="pending", created=True)


async def _admit(
    conn: asyncpg.Connection, *, principal: Principal, spec: ExportSpec, defaults: OrgLimits, retry_after: int
) -> int | None:
    """Refuse a job over its organization's limits (OverLimit); else its items as counted now.

    The count of the job's items runs before the organization's lock, so a large selection being
    counted holds up no other submit; the open work is counted after it (lock_organization), and
    the job is inserted before the lock is released at commit (race-safe across API replicas).
    With `never_printed` the count is unknown here and the render planner's exact count decides.
    """
    org = principal.organization_id
    limits = await organization_limits(conn, org, defaults)
    items = await org_limits_repo.count_items(
        conn, spec=spec, organization_id=org, up_to=limits.items_worth_counting
    )
    try:
        await admit(
            conn,
            organization_id=org,
            limits=limits,
            items=items,
            ledger="api",
            open_work=lambda: org_limits_repo.open_work(conn, organization_id=org),
        )
    except OrgLimitExceeded as exc:
        raise OverLimit(exc, retry_after=retry_after) from None
    return items
