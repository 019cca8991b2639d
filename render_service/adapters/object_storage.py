"""The chunk worker's `ObjectStorage` port on S3: streaming uploads, small puts, deletes."""

from __future__ import annotations

import uuid
from typing import Any

from render_service.adapters.artifact_store import S3StreamUpload
from render_service.adapters.object_cleanup import delete_job_objects, delete_prefix


class S3ObjectStorage:
    def __init__(self, client: Any, *, bucket: str, part_bytes: int, server_copy: bool) -> None:
        self.client = client
        self.bucket = bucket
        self._part_bytes = part_bytes
        self._server_copy = server_copy

    def upload(self, key: str, *, content_type: str, disposition: str | None) -> S3StreamUpload:
        return S3StreamUpload(
            self.client,
            bucket=self.bucket,
            key=key,
            part_bytes=self._part_bytes,
            server_copy=self._server_copy,
            content_type=content_type,
            content_disposition=disposition,
        )

    async def put(self, key: str, data: bytes) -> None:
        await self.client.put_object(Bucket=self.bucket, Key=key, Body=data)

    async def delete_prefix(self, prefix: str) -> None:
        await delete_prefix(self.client, bucket=self.bucket, prefix=prefix)

    async def delete_job_objects(self, *, organization_id: uuid.UUID, job_id: str) -> None:
        await delete_job_objects(
            self.client, bucket=self.bucket, organization_id=organization_id, job_id=job_id
        )
