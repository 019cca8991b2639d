"""Streams an artifact to S3 while it is written: multipart parts as the buffer fills, a single PUT
when the whole thing is small. Memory is bounded by one part (bounded memory).

Assembly appends whole objects (the chunks' parts): those go by server-side part copy
(UploadPartCopy) when they can stand as a part of their own, so their bytes are read once, for
the artifact's SHA-256, instead of being downloaded and uploaded again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

log = logging.getLogger(__name__)

MIN_PART_BYTES = 5 * 1024 * 1024  # S3: every part of a multipart upload but the last
PIECE_BYTES = 1 << 20  # read size when an object's bytes pass through this process
COPIES_IN_FLIGHT = 4


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
        server_copy: bool = True,
    ) -> None:
        self._client = client
        self._server_copy = server_copy
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
        self._copies: list[asyncio.Task[dict[str, Any]]] = []
        self._copy_slots = asyncio.Semaphore(COPIES_IN_FLIGHT)

    # The synchronous sink side.
    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._buffer += data
        self._count(data)
        return len(data)

    def _count(self, data: bytes | bytearray | memoryview) -> None:
        """Every byte of the artifact, written or copied server-side, passes here once, in order."""
        self._sha256.update(data)
        self._size += len(data)

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

    async def _start(self) -> str:
        if self._upload_id is None:
            created = await self._client.create_multipart_upload(
                Bucket=self._bucket, Key=self._key, **self._extra
            )
            self._upload_id = created["UploadId"]
        return self._upload_id

    def _next_part_number(self) -> int:
        return len(self._parts) + len(self._copies) + 1

    async def _upload_part(self, data: bytes) -> None:
        upload_id = await self._start()
        number = self._next_part_number()
        answer = await self._client.upload_part(
            Bucket=self._bucket, Key=self._key, UploadId=upload_id, PartNumber=number, Body=data
        )
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    async def append_object(self, key: str, size: int) -> None:
        """Append the bytes of object `key`, which must be `size` bytes long.

        Server-side copy when the object can be a part of its own: the buffer must first be empty,
        so what is in it is topped up to the 5 MiB minimum with the object's first bytes and sent
        as one part, and the rest is copied. Too small for that, it streams through the buffer.
        Either way its bytes are read once here, in order, for the SHA-256.
        """
        lead = max(0, MIN_PART_BYTES - len(self._buffer)) if self._buffer else 0
        if not self._server_copy or size - lead < MIN_PART_BYTES:
            await self._read_object(key, start=0, end=size, copied=False)
            return
        if lead:
            await self._read_object(key, start=0, end=lead, copied=False)
        if self._buffer:
            await self._upload_part(bytes(self._buffer))
            self._buffer.clear()
        upload_id = await self._start()
        await self._copy_slots.acquire()
        self._copies.append(
            asyncio.create_task(self._copy_part(key, upload_id, self._next_part_number(), lead, size))
        )
        await self._read_object(key, start=lead, end=size, copied=True)

    async def _copy_part(self, key: str, upload_id: str, number: int, start: int, end: int) -> dict[str, Any]:
        try:
            answer = await self._client.upload_part_copy(
                Bucket=self._bucket,
                Key=self._key,
                UploadId=upload_id,
                PartNumber=number,
                CopySource={"Bucket": self._bucket, "Key": key},
                CopySourceRange=f"bytes={start}-{end - 1}",
            )
        finally:
            self._copy_slots.release()
        return {"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]}

    async def _read_object(self, key: str, *, start: int, end: int, copied: bool) -> None:
        """Bytes [start, end) of an object, a piece at a time: hashed and counted, and unless the
        server copies them, buffered and shipped like written bytes."""
        if end <= start:
            return
        answer = await self._client.get_object(Bucket=self._bucket, Key=key, Range=f"bytes={start}-{end - 1}")
        body = answer["Body"]
        got = 0
        try:
            while piece := await body.read(PIECE_BYTES):
                got += len(piece)
                if copied:
                    self._count(piece)
                else:
                    self.write(piece)
                    await self.pump()
        finally:
            body.close()
        if got != end - start:
            raise RuntimeError(f"{key}: read {got} bytes of [{start}, {end}), the object changed size")

    async def finish(self) -> None:
        if self._upload_id is None:
            await self._client.put_object(
                Bucket=self._bucket, Key=self._key, Body=bytes(self._buffer), **self._extra
            )
        else:
            await self.pump()
            if self._buffer:
                await self._upload_part(bytes(self._buffer))
            self._parts += await asyncio.gather(*self._copies)
            self._copies.clear()
            await self._client.complete_multipart_upload(
                Bucket=self._bucket,
                Key=self._key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": sorted(self._parts, key=lambda p: p["PartNumber"])},
            )
        self._buffer.clear()

    async def abort(self) -> None:
        """Leave nothing half-written behind (graceful shutdown)."""
        self._buffer.clear()
        for copy in self._copies:
            copy.cancel()
        await asyncio.gather(*self._copies, return_exceptions=True)
        self._copies.clear()
        if self._upload_id is not None:
            try:
                await self._client.abort_multipart_upload(
                    Bucket=self._bucket, Key=self._key, UploadId=self._upload_id
                )
            except Exception as exc:
                log.warning("could not abort multipart upload of %s: %s", self._key, exc)


async def read_object(client: Any, *, bucket: str, key: str) -> bytes:
    answer = await client.get_object(Bucket=bucket, Key=key)
    body = answer["Body"]
    try:
        data: bytes = await body.read()
    finally:
        body.close()
    return data
