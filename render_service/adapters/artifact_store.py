"""Streams an artifact to S3 while it is written: multipart parts as the buffer fills, a single PUT
when the whole thing is small. Memory is bounded by one part (invariant 5)."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

log = logging.getLogger(__name__)


class S3StreamUpload:
    """A sink for a writer (`write(bytes)`) plus `await pump()` to ship full parts.

    The writer is synchronous and the upload is not, so the caller pumps between batches; only
    whole parts leave the buffer, so every part but the last is ≥ `part_bytes` as S3 requires.
    """

    def __init__(
        self,
        client: Any,
        *,
        bucket: str,
        key: str,
        part_bytes: int,
        content_type: str,
        content_disposition: str | None = None,
    ) -> None:
        self._client = client
        self._bucket = bucket
        self._key = key
        self._part_bytes = part_bytes
        self._extra: dict[str, str] = {"ContentType": content_type}
        if content_disposition:
            self._extra["ContentDisposition"] = content_disposition
        self._buffer = bytearray()
        self._sha256 = hashlib.sha256()
        self._size = 0
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []

    # The synchronous sink side.
    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._buffer += data
        self._sha256.update(data)
        self._size += len(data)
        return len(data)

    def tell(self) -> int:
        return self._size

    @property
    def size(self) -> int:
        return self._size

    @property
    def sha256(self) -> str:
        return self._sha256.hexdigest()

    async def pump(self) -> None:
        while len(self._buffer) >= self._part_bytes:
            chunk = bytes(self._buffer[: self._part_bytes])
            del self._buffer[: self._part_bytes]
            await self._upload_part(chunk)

    async def _upload_part(self, data: bytes) -> None:
        if self._upload_id is None:
            created = await self._client.create_multipart_upload(
                Bucket=self._bucket, Key=self._key, **self._extra
            )
            self._upload_id = created["UploadId"]
        number = len(self._parts) + 1
        answer = await self._client.upload_part(
            Bucket=self._bucket, Key=self._key, UploadId=self._upload_id, PartNumber=number, Body=data
        )
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    async def finish(self) -> None:
        if self._upload_id is None:
            await self._client.put_object(
                Bucket=self._bucket, Key=self._key, Body=bytes(self._buffer), **self._extra
            )
        else:
            await self.pump()
            if self._buffer:
                await self._upload_part(bytes(self._buffer))
            await self._client.complete_multipart_upload(
                Bucket=self._bucket,
                Key=self._key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )
        self._buffer.clear()

    async def abort(self) -> None:
        """Leave nothing half-written behind (invariant 7)."""
        self._buffer.clear()
        if self._upload_id is not None:
            try:
                await self._client.abort_multipart_upload(
                    Bucket=self._bucket, Key=self._key, UploadId=self._upload_id
                )
            except Exception as exc:
                log.warning("could not abort multipart upload of %s: %s", self._key, exc)


async def stream_object(
    client: Any, *, bucket: str, key: str, into: S3StreamUpload, piece_bytes: int = 1 << 20
) -> None:
    """Copy an object into an upload through a bounded buffer (one piece and one part at a time).

    Not a server-side UploadPartCopy: the completed event carries the artifact's SHA-256, and a
    server-side copy would hide the bytes that hash needs.
    """
    answer = await client.get_object(Bucket=bucket, Key=key)
    body = answer["Body"]
    try:
        while piece := await body.read(piece_bytes):
            into.write(piece)
            await into.pump()
    finally:
        body.close()


async def read_object(client: Any, *, bucket: str, key: str) -> bytes:
    answer = await client.get_object(Bucket=bucket, Key=key)
    body = answer["Body"]
    try:
        data: bytes = await body.read()
    finally:
        body.close()
    return data
