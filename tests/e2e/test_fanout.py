"""docs/design.md#scaling-one-job: one job's chunks spread over both render replicas, parts assemble into one
artifact with every entity exactly once and in order, and a re-delivered chunk task changes nothing."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
import zxingcpp

from devtools.endpoints import StackEndpoints
from devtools.kafka_admin import client_settings
from labelkit.sheets.templates import BUILTIN_TEMPLATES
from render_service.chunks.task import ChunkTask, chunk_task_event
from shared import events
from shared.kafka import make_producer
from shared.s3 import s3_client
from shared.settings import CommonSettings
from tests.support.api import Api, Tenant
from tests.support.readers import decode_pdf_cells, decode_png, needs_pdf_tools, qpdf_check

pytestmark = pytest.mark.e2e
GTIN = "09506000134352"


@pytest.fixture
async def api(api_url: str, tenant: Tenant, render_replicas: Any) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, api_url, tenant)


async def serials(api: Api, count: int) -> tuple[str, list[str]]:
    product = await api.product(GTIN)
    lot = (await api.lots(product["id"], [{"lot_number": "FAN", "expiry_date": "2027-06-30"}]))["ids"][0]
    answer = await api.post("/products/api/v1/serials/bulk/", {"lot_id": lot, "generate": {"count": count}})
    assert answer.status == 201
    return lot, answer.body["ids"]


async def export(api: Api, body: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    receipt = await api.submit(body)
    status = await api.wait_terminal(receipt.body["job_id"], timeout=180)
    assert status["status"] == "completed", status
    async with api.session.get(status["download_url"]) as resp:
        return status, await resp.read()


async def test_multi_chunk_zip_uses_both_replicas(
    api: Api, db: asyncpg.Pool, endpoints: StackEndpoints
) -> None:
    lot, ids = await serials(api, 4500)
    status, data = await export(
        api,
        {
            "scope": "serials",
            "export_type": "datamatrix",
            "file_format": "png",
            "filters": {"lot_ids": [lot]},
        },
    )
    job_id = status["job_id"]
    chunks = await db.fetch(
        "SELECT chunk_index, rendered_by, first_seq, end_seq FROM render.chunks "
        "WHERE job_id = $1 ORDER BY chunk_index",
        job_id,
    )
    # 4,500 items in chunks of at most 1,000: five, rounded up to a multiple of the two replicas.
    assert [c["end_seq"] - c["first_seq"] for c in chunks] == [750] * 6
    assert {c["rendered_by"] for c in chunks} == {"render-1", "render-2"}

    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert [row["entity_id"] for row in manifest] == ids  # every entity once, in order
    assert len(archive.namelist()) == 4501
    for n, row in enumerate(manifest):
        want = f"01{GTIN}17270630" + f"10FAN\x1d21{n + 1:06d}"
        assert decode_png(archive.read(row["file_name"])) == [("]d2", want)], row["file_name"]
    assert hashlib.sha256(data).hexdigest() == status["sha256"]
    settings = CommonSettings(**{k.lower(): v for k, v in endpoints.as_env().items()})
    async with s3_client(settings) as s3:
        listed = await s3.list_objects_v2(
            Bucket=endpoints.s3_bucket, Prefix=f"exports/{api.tenant.organization_id}/{job_id}/"
        )  # type: ignore[union-attr]
    assert [o["Key"].rsplit("/", 1)[1] for o in listed.get("Contents", [])] == [status["output_filename"]]

    # A chunk task delivered again after completion changes nothing.
    before = await db.fetchrow(
        "SELECT version, sha256, processed_items FROM api.export_jobs WHERE job_id = $1", job_id
    )
    producer = make_producer(client_settings(endpoints.kafka_bootstrap_servers))
    await producer.start()
    try:
        task = chunk_task_event(ChunkTask(job_id=job_id, chunk_index=2, chunk_count=6), source="test")
        await producer.send_and_wait("label-export.chunks", events.encode(task), key=job_id.encode())
    finally:
        await producer.stop()
    await asyncio.sleep(3)
    after = await db.fetchrow(
        "SELECT version, sha256, processed_items FROM api.export_jobs WHERE job_id = $1", job_id
    )
    assert after == before
    assert await db.fetchval("SELECT count(*) FROM render.print_history WHERE job_id = $1", job_id) == 4500


@needs_pdf_tools
async def test_multi_chunk_sheet_pdf(api: Api, db: asyncpg.Pool, tmp_path: Path) -> None:
    lot, _ids = await serials(api, 2000)
    status, data = await export(
        api,
        {"scope": "serials", "export_type": "sheet_pdf", "file_format": "pdf", "filters": {"lot_ids": [lot]}},
    )
    chunks = await db.fetch(
        "SELECT first_seq, end_seq, rendered_by FROM render.chunks WHERE job_id = $1 ORDER BY chunk_index",
        status["job_id"],
    )
    assert len(chunks) == 2 and all(c["first_seq"] % 63 == 0 for c in chunks)  # page-aligned parts
    assert {c["rendered_by"] for c in chunks} == {"render-1", "render-2"}
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    qpdf_check(path)
    decoded = decode_pdf_cells(
        path, BUILTIN_TEMPLATES["63up_1in_letter"], 2000, zxingcpp.BarcodeFormat.DataMatrix
    )
    assert decoded == [("]d2", f"01{GTIN}17270630" + f"10FAN\x1d21{n + 1:06d}") for n in range(2000)]


async def test_a_giant_job_does_not_starve_a_small_one_submitted_after_it(api: Api, db: asyncpg.Pool) -> None:
    lot, _ = await serials(api, 12_000)
    big = await api.submit(
        {"scope": "serials", "export_type": "datamatrix", "file_format": "png", "filters": {"lot_ids": [lot]}}
    )
    small_lot = (await api.lots((await api.product("00614141000012"))["id"], [{"lot_number": "SMALL"}]))[
        "ids"
    ][0]
    async with asyncio.timeout(60):
        while (await api.get(big.body["poll_url"])).body["processed_items"] == 0:
            await asyncio.sleep(0.05)  # the giant is rendering
    small = await api.submit(
        {
            "scope": "lots",
            "export_type": "datamatrix",
            "file_format": "png",
            "filters": {"lot_ids": [small_lot]},
        }
    )
    small_done = await api.wait_terminal(small.body["job_id"])
    assert small_done["status"] == "completed"
    big_now = (await api.get(big.body["poll_url"])).body
    assert big_now["status"] == "processing", "the small job should not have waited for the giant"
    assert (await api.wait_terminal(big.body["job_id"], timeout=180))["status"] == "completed"
