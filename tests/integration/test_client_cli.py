"""`label_client` and the `labels` CLI against the real stack (API in-process, two render
replicas), plus the Ctrl-C behaviour of the CLI against a scripted API.

The API is served by this test process's event loop, so the CLI runs as an asyncio subprocess:
a blocking `subprocess.run` would stop the very server it talks to.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import pty
import signal
import sys
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from label_client import ApiError, Generate, LabelClient, LotInput, PollPolicy
from tests.support.api import Tenant
from tests.unit.client.fake_api import JOB, Script, serve_script

pytestmark = pytest.mark.timeout(120)

ROOT = Path(__file__).resolve().parents[2]
GTIN = "09506000134352"
LOTS = [LotInput("LOT-A", "2027-03-31"), LotInput("LOT-B"), LotInput("LOT-C", "2028-12-01")]
FAST = PollPolicy(initial=0.1, factor=1.5, maximum=1.0)


@dataclass
class Ran:
    code: int
    out: str
    err: str


def cli_env(api_url: str, api_key: str) -> dict[str, str]:
    return {
        **os.environ,
        "API_URL": api_url,
        "API_KEY": api_key,
        "PYTHONPATH": str(ROOT),
        "COLUMNS": "120",
    }


async def labels(*argv: str, env: dict[str, str], cwd: Path) -> Ran:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "label_client.cli",
        *argv,
        env=env,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=90)
    assert proc.returncode is not None
    return Ran(proc.returncode, out.decode(), err.decode())


@pytest.fixture
async def client(api_url: str, tenant: Tenant) -> AsyncIterator[LabelClient]:
    async with LabelClient(api_url, tenant.api_key, poll_policy=FAST) as c:
        yield c


def png_entries(data: bytes) -> list[str]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    assert "manifest.csv" in archive.namelist()
    return [n for n in archive.namelist() if n.endswith(".png")]


async def test_client_catalog_export_wait_download(
    client: LabelClient, render_replicas: Any, tmp_path: Path
) -> None:
    product = await client.create_product(GTIN, "Aspirin")
    assert product.gtin == GTIN
    with pytest.raises(ApiError) as duplicate:
        await client.create_product(GTIN, "again")
    assert (duplicate.value.status, duplicate.value.code) == (409, "CONFLICT")

    lots = await client.bulk_lots(product.id, LOTS)
    assert lots.created == 3 and len(lots.ids) == 3
    serials = await client.bulk_serials(lots.ids[0], generate=Generate(count=5, prefix="SN"))
    assert serials.created == 5
    page = await client.list_serials(lot_id=lots.ids[0], page=2, page_size=2)
    assert [s.serial_number for s in page.data] == ["SN000003", "SN000004"]
    assert page.pagination.total_pages == 3 and page.pagination.has_previous
    assert [
        s.serial_number async for s in client.iter_serials(lot_run_id=serials.lot_run_id, page_size=2)
    ] == [f"SN{n:06d}" for n in range(1, 6)]
    assert [p.gtin async for p in client.iter_products()] == [GTIN]
    inactive = await client.set_active("serials", serials.ids[0], False)
    assert inactive.is_active is False

    receipt = await client.submit_export(
        scope="lots",
        export_type="datamatrix",
        file_format="png",
        filters={"product_id": product.id},
        idempotency_key="client-test-1",
    )
    again = await client.submit_export(
        scope="lots",
        export_type="datamatrix",
        file_format="png",
        filters={"product_id": product.id},
        idempotency_key="client-test-1",
    )
    assert again.job_id == receipt.job_id  # the retried submit is the same job

    seen: list[int] = []
    final = await client.wait(
        receipt.job_id, on_progress=lambda s: seen.append(s.processed_items), timeout=60
    )
    assert final.is_completed and final.total_items == 3
    assert seen == sorted(seen) and seen[-1] == 3  # each change reported once, never backwards

    bytes_seen: list[int] = []
    result = await client.download(
        final, tmp_path / "labels.zip", on_bytes=lambda done, _: bytes_seen.append(done)
    )
    data = (tmp_path / "labels.zip").read_bytes()
    assert result.size == len(data) == final.file_size_bytes == bytes_seen[-1]
    assert len(png_entries(data)) == 3

    with pytest.raises(ApiError) as terminal:
        await client.cancel(receipt.job_id)
    assert terminal.value.status == 409


async def test_cli_export_json_wait_out(
    client: LabelClient, tenant: Tenant, api_url: str, render_replicas: Any, tmp_path: Path
) -> None:
    product = await client.create_product(GTIN, "Aspirin")
    await client.bulk_lots(product.id, LOTS[:2])
    out = tmp_path / "labels.zip"
    ran = await labels(
        "export",
        "--scope",
        "lots",
        "--type",
        "datamatrix",
        "--format",
        "png",
        "--gtin",
        "9506000134352",
        "--json",
        "--wait",
        "--out",
        str(out),
        env=cli_env(api_url, tenant.api_key),
        cwd=tmp_path,
    )
    assert ran.code == 0, ran.err
    status = json.loads(ran.out)
    assert status["status"] == "completed" and status["total_items"] == 2
    assert out.stat().st_size == status["file_size_bytes"]
    assert len(png_entries(out.read_bytes())) == 2

    # Then as a person would: the same job by id, human output, into a directory.
    ran = await labels(
        "download",
        status["job_id"],
        "--out",
        str(tmp_path),
        env=cli_env(api_url, tenant.api_key),
        cwd=tmp_path,
    )
    assert ran.code == 0, ran.err
    assert (tmp_path / status["output_filename"]).read_bytes() == out.read_bytes()
    assert f"job {status['job_id']}: completed" in ran.out


async def test_cli_usage_and_api_errors(tenant: Tenant, api_url: str, tmp_path: Path) -> None:
    env = cli_env(api_url, tenant.api_key)
    ran = await labels("export", "--scope", "lots", "--type", "datamatrix", env=env, cwd=tmp_path)
    assert ran.code == 2 and "--format" in ran.err
    ran = await labels(
        "export", "--scope", "lots", "--type", "datamatrix", "--format", "eps", env=env, cwd=tmp_path
    )
    assert ran.code == 2 and "file_format" in ran.err  # the API's 422 is a usage error too
    ran = await labels("status", "not-a-job-id", "--json", env=env, cwd=tmp_path)
    assert ran.code == 2 and json.loads(ran.out)["error"]["code"] == "VALIDATION_ERROR"
    ran = await labels("status", JOB, env={**env, "API_KEY": "csb_" + "a" * 32 + "_00000000"}, cwd=tmp_path)
    assert ran.code == 4 and "UNAUTHORIZED" in ran.err


async def test_cli_import_reports_bad_rows_and_sends_nothing(
    client: LabelClient, tenant: Tenant, api_url: str, tmp_path: Path
) -> None:
    env = cli_env(api_url, tenant.api_key)
    lots_csv = tmp_path / "lots.csv"
    lots_csv.write_text(
        "gtin,product_name,lot_number,expiry_date\n"
        "09506000134352,Aspirin,L1,2027-03-31\n"
        "09506000134353,Broken,L2,\n"  # row 3: wrong check digit
        "09506000134352,Aspirin,L 3,\n"  # row 4: a space is not GS1 data
    )
    ran = await labels("import", str(lots_csv), env=env, cwd=tmp_path)
    assert ran.code == 1
    assert "row 3, gtin: check digit" in ran.err
    assert "row 4, lot_number: character 2" in ran.err
    assert "nothing sent" in ran.out
    assert (await client.list_products()).pagination.total_count == 0

    ran = await labels("import", str(lots_csv), "--skip-invalid", "--json", env=env, cwd=tmp_path)
    report = json.loads(ran.out)
    assert ran.code == 1 and report["created"] == 1 and len(report["errors"]) == 2
    lot_id = (await client.list_lots()).data[0].id

    serials_csv = tmp_path / "serials.csv"
    serials_csv.write_text(f"lot_id,serial_number\n{lot_id},S1\n{lot_id},S2\n")
    ran = await labels("import", str(serials_csv), env=env, cwd=tmp_path)
    assert ran.code == 0, ran.err
    assert "created 2 serials" in ran.out
    ran = await labels("import", str(serials_csv), env=env, cwd=tmp_path)  # again: the server refuses
    assert ran.code == 1 and "row 2, serial_number: already exists" in ran.err


@contextlib.asynccontextmanager
async def waiting_cli(stdin: int) -> AsyncIterator[tuple[asyncio.subprocess.Process, Script]]:
    """`labels status JOB --wait` against a job that never ends, once it has polled."""
    async with serve_script() as (url, script):
        script.states = [script.status(processed_items=1)]
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "label_client.cli",
            "status",
            JOB,
            "--wait",
            env={**cli_env(url, "csb_" + "a" * 32 + "_00000000")},
            stdin=stdin,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await asyncio.wait_for(script.requested.wait(), timeout=20)
            yield proc, script
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


async def test_ctrl_c_without_a_terminal_leaves_the_job_running() -> None:
    async with waiting_cli(asyncio.subprocess.DEVNULL) as (proc, script):
        proc.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(proc.communicate(), timeout=20)
    assert proc.returncode == 130
    assert "still running" in err.decode() and f"labels cancel {JOB}" in err.decode()
    assert all(not path.endswith("/cancel/") for _, path, _ in script.seen)


async def test_ctrl_c_at_a_terminal_asks_and_cancels() -> None:
    controller, terminal = pty.openpty()
    try:
        async with waiting_cli(terminal) as (proc, script):
            proc.send_signal(signal.SIGINT)
            assert proc.stderr is not None
            prompt = b""
            async with asyncio.timeout(20):
                while b"Cancel job" not in prompt:
                    prompt += await proc.stderr.read(200)
            os.write(controller, b"y\n")
            await asyncio.wait_for(proc.wait(), timeout=20)
        assert proc.returncode == 3
        assert any(path.endswith("/cancel/") for _, path, _ in script.seen)
    finally:
        os.close(controller)
        os.close(terminal)
