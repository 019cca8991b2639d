"""The client against a scripted in-process server (no stack): polling with ETag and
Retry-After, cancel, verified downloads, retries, and where the API key may go."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from label_client import ApiError, DownloadError, JobStatus, LabelClient, PollPolicy, WaitTimeout
from tests.unit.client.fake_api import ARTIFACT, EXPORTS, JOB, KEY, Script

FAST = PollPolicy(initial=0.01, factor=2, maximum=0.05, jitter=0)


async def test_submit_sends_idempotency_key_and_reads_retry_after(served: tuple[str, Script]) -> None:
    url, script = served
    async with LabelClient(url, KEY) as client:
        receipt = await client.submit_export(
            scope="lots", export_type="datamatrix", file_format="png", idempotency_key="abc"
        )
    assert (receipt.job_id, receipt.status, receipt.retry_after) == (JOB, "pending", 1.0)
    assert script.seen[0][2]["Idempotency-Key"] == "abc" and script.seen[0][2]["X-API-Key"] == KEY


async def test_wait_uses_etags_reports_changes_once_and_returns_terminal(served: tuple[str, Script]) -> None:
    url, script = served
    script.states = [
        script.status(processed_items=2),
        script.status(processed_items=2),  # unchanged: a 304
        script.status(processed_items=7),
        script.status(
            status="completed", processed_items=10, progress_percent=100, file_size_bytes=len(ARTIFACT)
        ),
    ]
    seen: list[int] = []
    async with LabelClient(url, KEY, poll_policy=FAST) as client:
        final = await client.wait(JOB, on_progress=lambda s: seen.append(s.processed_items))
    assert final.is_completed and seen == [2, 7, 10]
    assert [h.get("If-None-Match") for _, _, h in script.seen] == [
        None,
        '"processing-2"',
        '"processing-2"',
        '"processing-7"',
    ]


async def test_wait_timeout_carries_the_last_status(served: tuple[str, Script]) -> None:
    url, script = served
    script.states = [script.status(processed_items=3)]
    async with LabelClient(url, KEY, poll_policy=FAST) as client:
        with pytest.raises(WaitTimeout) as timeout:
            await client.wait(JOB, timeout=0.1)
    assert timeout.value.last_status is not None and timeout.value.last_status.processed_items == 3


async def test_rate_limited_poll_is_retried(served: tuple[str, Script]) -> None:
    url, script = served
    script.states = [script.status(status="failed", error="boom")]
    script.rate_limited_once = True
    async with LabelClient(url, KEY, poll_policy=FAST) as client:
        status = await client.get_status(JOB)
    assert status.is_failed and len(script.seen) == 2


async def test_download_verifies_size_and_never_sends_the_key(
    served: tuple[str, Script], tmp_path: Path
) -> None:
    url, script = served
    script.states = [script.status(status="completed", processed_items=10, file_size_bytes=len(ARTIFACT))]
    progress: list[tuple[int, int | None]] = []
    async with LabelClient(url, KEY) as client:
        status = await client.get_status(JOB)
        result = await client.download(
            status, tmp_path / "out.zip", on_bytes=lambda d, t: progress.append((d, t))
        )
    assert (tmp_path / "out.zip").read_bytes() == ARTIFACT
    assert result.size == len(ARTIFACT) and result.sha256 == hashlib.sha256(ARTIFACT).hexdigest()
    assert progress[-1] == (len(ARTIFACT), len(ARTIFACT))
    _, path, headers = script.seen[-1]
    assert path == "/bucket/a.zip" and "X-API-Key" not in headers


async def test_download_of_the_wrong_size_leaves_no_file(served: tuple[str, Script], tmp_path: Path) -> None:
    url, script = served
    script.states = [script.status(status="completed", processed_items=10, file_size_bytes=len(ARTIFACT) + 1)]
    async with LabelClient(url, KEY) as client:
        status = await client.get_status(JOB)
        with pytest.raises(DownloadError, match="SIZE_MISMATCH"):
            await client.download(status, tmp_path / "out.zip")
    assert not (tmp_path / "out.zip").exists() and not (tmp_path / "out.zip.part").exists()


async def test_checksum_hook(served: tuple[str, Script], tmp_path: Path) -> None:
    url, script = served
    body = script.status(
        status="completed", processed_items=10, file_size_bytes=len(ARTIFACT), sha256="00" * 32
    )
    body["download_url"] = f"{url}/bucket/a.zip"
    async with LabelClient(url, KEY) as client:
        with pytest.raises(DownloadError, match="CHECKSUM_MISMATCH"):
            await client.download(JobStatus.from_json(body), tmp_path / "out.zip")


async def test_cancel_then_conflict(served: tuple[str, Script]) -> None:
    url, script = served
    script.states = [script.status(processed_items=1)]
    async with LabelClient(url, KEY) as client:
        cancelled = await client.cancel(JOB)
        assert cancelled.is_cancelled
        with pytest.raises(ApiError) as conflict:
            await client.cancel(JOB)
    assert (conflict.value.status, conflict.value.code) == (409, "CONFLICT")
    assert script.seen[0][1] == f"{EXPORTS}{JOB}/cancel/"


async def test_unreachable_api_is_a_network_error() -> None:
    async with LabelClient("http://127.0.0.1:9", KEY, max_retries=0) as client:
        with pytest.raises(ApiError) as failure:
            await client.get_status(JOB)
    assert (failure.value.status, failure.value.code) == (0, "NETWORK_ERROR")
