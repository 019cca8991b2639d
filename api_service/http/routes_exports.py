"""Submit and poll routes (docs/contract.md#export-request, #status-and-polling)."""

from __future__ import annotations

import logging

from aiohttp import web

from api_service.adapters import jobs_repo
from api_service.domain.job_status import TERMINAL, artifact_servable, etag_for, status_body
from api_service.http.errors import ApiError, not_found, validation_error
from api_service.http.json_io import read_json
from api_service.http.schemas import ExportReceipt, JobStatus, model_response
from api_service.services.cancel import cancel_export
from api_service.services.export_jobs import submit_export
from api_service.state import DB_POOL, DOWNLOAD_LINKS, PRINCIPAL, SETTINGS
from labelkit.export_spec import InvalidExportSpec, parse_export_spec
from labelkit.field_errors import FieldError
from labelkit.ids import is_valid_job_id

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

EXPORTS = "/products/api/v1/labels/export/"


def poll_path(job_id: str) -> str:
    return f"{EXPORTS}{job_id}/"


@routes.post(EXPORTS)
async def submit(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    raw = await read_json(request)
    if not isinstance(raw, dict):
        raise ApiError(422, "request body must be a JSON object")
    try:
        spec = parse_export_spec(raw)
    except InvalidExportSpec as exc:
        raise validation_error(exc.errors) from None
    receipt = await submit_export(
        pool=request.app[DB_POOL],
        principal=request[PRINCIPAL],
        spec=spec,
        requested_topic=settings.topic_requested,
        source=settings.api_source,
        max_message_bytes=settings.kafka_max_message_bytes,
        limits=settings.org_limits,
        limit_retry_after=settings.org_limit_retry_after_seconds,
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    location = poll_path(receipt.job_id)
    return model_response(
        ExportReceipt(job_id=receipt.job_id, status="pending", poll_url=location),
        status=202,
        headers={"Location": location, "Retry-After": str(settings.poll_retry_after_seconds)},
    )


def _job_id(request: web.Request) -> str:
    job_id = request.match_info["job_id"]
    # Checked before any database query (docs/contract.md#status-and-polling).
    if not is_valid_job_id(job_id):
        raise validation_error(
            [FieldError("job_id", "must be a 22-character shortuuid")], message="malformed job id"
        )
    return job_id


@routes.post(EXPORTS + "{job_id}/cancel/")
async def cancel(request: web.Request) -> web.Response:
    job_id = _job_id(request)
    settings = request.app[SETTINGS]
    row = await cancel_export(
        pool=request.app[DB_POOL],
        principal=request[PRINCIPAL],
        job_id=job_id,
        requested_topic=settings.topic_requested,
        source=settings.api_source,
    )
    return model_response(JobStatus(**status_body(row)), status=202, headers={"Location": poll_path(job_id)})


@routes.get(EXPORTS + "{job_id}/")
async def poll(request: web.Request) -> web.Response:
    job_id = _job_id(request)
    settings = request.app[SETTINGS]
    row = await jobs_repo.get_job(
        request.app[DB_POOL], organization_id=request[PRINCIPAL].organization_id, job_id=job_id
    )
    if row is None:
        raise not_found("export job")
    body = status_body(row)
    if row["status"] == "completed" and not artifact_servable(row):
        # Tenancy: never presigned. Only a row recorded before the projection checked keys, or
        # written by hand, can get here; status_body shows it failed.
        log.error(
            "refused to serve an artifact key outside the job's objects: %r",
            row["artifact_key"],
            extra={"job_id": job_id, "organization_id": str(row["organization_id"])},
        )
    etag = etag_for(body)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if body["status"] not in TERMINAL:
        headers["Retry-After"] = str(settings.poll_retry_after_seconds)
    if etag in _if_none_match(request):
        return web.Response(status=304, headers=headers)
    if body["status"] == "completed" and row["artifact_key"]:
        body["download_url"], body["expires_at"] = await request.app[DOWNLOAD_LINKS].link(
            row["artifact_key"], row["output_filename"]
        )
    return model_response(JobStatus(**body), headers=headers)


def _if_none_match(request: web.Request) -> set[str]:
    value = request.headers.get("If-None-Match", "")
    return {part.strip() for part in value.split(",") if part.strip()}
