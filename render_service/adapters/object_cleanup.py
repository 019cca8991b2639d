"""Removes every object a job left in S3 (parts or a final artifact), so a failed or cancelled job
offers nothing partial."""

from __future__ import annotations

import logging
from typing import Any

from shared.ownership import job_prefix

log = logging.getLogger(__name__)


async def delete_job_objects(client: Any, *, bucket: str, organization_id: object, job_id: str) -> int:
    return await delete_prefix(client, bucket=bucket, prefix=job_prefix(organization_id, job_id))


async def delete_prefix(client: Any, *, bucket: str, prefix: str) -> int:
    deleted = 0
    paginator = client.get_paginator("list_objects_v2")
    async for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            await client.delete_object(Bucket=bucket, Key=obj["Key"])
            deleted += 1
    if deleted:
        log.info("deleted %d objects under %s", deleted, prefix)
    return deleted
