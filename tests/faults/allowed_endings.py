"""The two allowed endings of every fault.

- `verify_completed`: the artifact holds every entity exactly once, in order (manifest ids =
  the catalog's ids), a sample of symbols decodes to the expected GS1 data, its SHA-256 is the
  one recorded, and the job's S3 prefix holds the final artifact only (no parts, no
  half-finished multipart uploads).
- `verify_failed_clean`: failed with a readable error, no download URL, and nothing under the
  job's S3 prefix.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import random
import zipfile
from typing import TYPE_CHECKING, Any

from tests.faults.catalog import Catalog
from tests.faults.waiting import now, wait_for
from tests.support.api import Api, Tenant
from tests.support.readers import decode_png

if TYPE_CHECKING:
    from tests.faults.rig import Rig


async def verify_completed(
    rig: Rig, api: Api, tenant: Tenant, status: dict[str, Any], catalog: Catalog, *, sample: int = 25
) -> bytes:
    """Completed with a correct artifact: every entity exactly once in order, sampled symbols
    decode to the expected data, recorded SHA-256 matches, only the final object remains."""
    job_id = status["job_id"]
    assert status["status"] == "completed", status
    assert status["error"] is None and status["download_url"], status
    total = len(catalog.ids)
    assert status["total_items"] == status["processed_items"] == total, status
    data = await rig.download(api, status["download_url"])
    assert len(data) == status["file_size_bytes"]
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    names = archive.namelist()
    assert len(names) == len(set(names)) == total + 1, "duplicate or missing entries"
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert [row["entity_id"] for row in manifest] == catalog.ids, "manifest ids differ from the catalog"
    picks = sorted({0, total - 1, *random.Random(job_id).sample(range(total), min(sample, total))})
    for i in picks:
        decoded = decode_png(archive.read(manifest[i]["file_name"]))
        assert decoded == [("]d2", catalog.encoded(i))], (i, manifest[i]["file_name"], decoded)
    recorded = await rig.q("fetchval", "SELECT sha256 FROM api.export_jobs WHERE job_id = $1", job_id)
    assert hashlib.sha256(data).hexdigest() == recorded
    prefix = rig.job_prefix(tenant, job_id)
    assert await rig.s3_keys(prefix) == [prefix + status["output_filename"]], "parts or strays left in S3"
    assert await rig.open_uploads(prefix) == [], "a multipart upload was left open"
    assert (
        await rig.q("fetchval", "SELECT count(*) FROM render.print_history WHERE job_id = $1", job_id)
        == total
    )
    return data


async def verify_failed_clean(
    rig: Rig, tenant: Tenant, status: dict[str, Any], *, cleanup_within: float = 30
) -> float:
    """Failed with a readable error, nothing offered, nothing left under the job's prefix
    (waits for the watchdog when the store was down at failure time); returns the wait."""
    assert status["status"] == "failed", status
    assert isinstance(status["error"], str) and len(status["error"]) > 10, status
    assert "Traceback" not in status["error"]
    assert status["download_url"] is None and status["expires_at"] is None, status
    assert status["output_filename"] is None and status["file_size_bytes"] == 0, status
    job_id = status["job_id"]
    prefix = rig.job_prefix(tenant, job_id)
    started = now()

    async def settled() -> bool:
        # A worker that was mid-chunk when the job failed may still write its part and then
        # delete it (it checks the job after every write): wait until no chunk of the job is
        # leased any more and the prefix is empty.
        live = await rig.q(
            "fetchval",
            "SELECT count(*) FROM render.chunks WHERE job_id = $1 AND status = 'pending'"
            " AND lease_until > now()",
            job_id,
        )
        return live == 0 and not await rig.s3_keys(prefix)

    await wait_for(
        settled, timeout=cleanup_within, what=f"objects under {prefix} to be deleted", interval=0.25
    )
    took = now() - started
    await asyncio.sleep(3)  # and it stays empty
    assert await rig.s3_keys(prefix) == [], "objects of the failed job re-appeared"
    assert await rig.open_uploads(prefix) == []
    return took
