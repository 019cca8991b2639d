"""S3StreamUpload against the real SeaweedFS: appended objects join by server-side part copy where
S3 allows it, stream otherwise, and the result and its SHA-256 are exactly the bytes in order."""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from devtools import StackEndpoints
from render_service.adapters.artifact_store import MIN_PART_BYTES, S3StreamUpload
from shared.s3 import s3_client
from shared.settings import CommonSettings

MiB = 1024 * 1024


@pytest.fixture
async def s3(endpoints: StackEndpoints) -> AsyncIterator[Any]:
    settings = CommonSettings(**{k.lower(): v for k, v in endpoints.as_env().items()})
    async with s3_client(settings) as client:  # the stack made the bucket
        yield client


async def put_sources(s3: Any, bucket: str, sizes: list[int]) -> tuple[list[str], list[bytes]]:
    prefix = f"test-artifact-store/{uuid.uuid4()}/"
    rng = random.Random(sizes[0])
    keys, blobs = [], []
    for i, size in enumerate(sizes):
        blob = rng.randbytes(size)
        await s3.put_object(Bucket=bucket, Key=f"{prefix}part-{i}", Body=blob)
        keys.append(f"{prefix}part-{i}")
        blobs.append(blob)
    return keys, blobs


async def parts_of(s3: Any, bucket: str, key: str) -> list[int]:
    """Sizes of the parts the stored object was assembled from (S3 GetObject ?partNumber=)."""
    whole = await s3.head_object(Bucket=bucket, Key=key)
    if "-" not in whole["ETag"]:  # one PUT (a multipart object's ETag ends in -<parts>)
        return [whole["ContentLength"]]
    head = await s3.head_object(Bucket=bucket, Key=key, PartNumber=1)
    count = head.get("PartsCount", 1)
    sizes = [head["ContentLength"]]
    for number in range(2, count + 1):
        sizes.append((await s3.head_object(Bucket=bucket, Key=key, PartNumber=number))["ContentLength"])
    return sizes


@pytest.mark.parametrize(
    ("head", "sizes", "tail", "server_copy"),
    [
        pytest.param(
            b"", [6 * MiB, 6 * MiB + 17, 5 * MiB], b"central directory", True, id="zip-parts-copied"
        ),
        pytest.param(b"%PDF-1.7\n", [7 * MiB, 3 * MiB, 11 * MiB], b"xref", True, id="header-topped-up"),
        pytest.param(b"", [2 * MiB, 1 * MiB, 3 * MiB], b"tail", True, id="small-parts-streamed"),
        pytest.param(b"x", [6 * MiB, 6 * MiB], b"", False, id="copy-off-streams"),
    ],
)
async def test_appended_objects_join_in_order(
    s3: Any, endpoints: StackEndpoints, head: bytes, sizes: list[int], tail: bytes, server_copy: bool
) -> None:
    bucket = endpoints.s3_bucket
    keys, blobs = await put_sources(s3, bucket, sizes)
    target = keys[0].rsplit("/", 1)[0] + "/artifact"
    upload = S3StreamUpload(
        s3,
        bucket=bucket,
        key=target,
        part_bytes=8 * MiB,
        content_type="application/zip",
        server_copy=server_copy,
    )
    upload.write(head)
    for key, size in zip(keys, sizes, strict=True):
        await upload.append_object(key, size)
    upload.write(tail)
    await upload.finish()

    expected = head + b"".join(blobs) + tail
    stored = await (await s3.get_object(Bucket=bucket, Key=target))["Body"].read()
    assert stored == expected
    assert upload.size == len(expected)
    assert upload.sha256 == hashlib.sha256(expected).hexdigest()
    parts = await parts_of(s3, bucket, target)
    assert sum(parts) == len(expected)
    assert all(size >= MIN_PART_BYTES for size in parts[:-1]), parts  # what S3 requires


async def test_copied_parts_are_the_objects_themselves(s3: Any, endpoints: StackEndpoints) -> None:
    """Where copying is possible, each appended object is one part: nothing was re-uploaded."""
    bucket = endpoints.s3_bucket
    sizes = [6 * MiB, 9 * MiB, 5 * MiB]
    keys, _ = await put_sources(s3, bucket, sizes)
    target = keys[0].rsplit("/", 1)[0] + "/artifact"
    upload = S3StreamUpload(s3, bucket=bucket, key=target, part_bytes=8 * MiB, content_type="application/zip")
    for key, size in zip(keys, sizes, strict=True):
        await upload.append_object(key, size)
    upload.write(b"end")
    await upload.finish()
    assert await parts_of(s3, bucket, target) == [*sizes, 3]


async def test_an_object_of_the_wrong_size_fails_and_leaves_no_upload(
    s3: Any, endpoints: StackEndpoints
) -> None:
    bucket = endpoints.s3_bucket
    keys, _ = await put_sources(s3, bucket, [6 * MiB])
    target = keys[0].rsplit("/", 1)[0] + "/artifact"
    upload = S3StreamUpload(s3, bucket=bucket, key=target, part_bytes=8 * MiB, content_type="application/zip")
    with pytest.raises(RuntimeError, match="changed size"):
        await upload.append_object(keys[0], 7 * MiB)  # the recorded size disagrees with the object
    await upload.abort()
    listed = await s3.list_multipart_uploads(Bucket=bucket, Prefix=target)
    assert listed.get("Uploads", []) == []
