"""S3 readiness, bucket creation and the "no anonymous access" check, against any S3 server.

The client always signs with SigV4 and uses path-style addressing (SeaweedFS/MinIO need path
style; without an explicit s3v4, botocore presigns with SigV2). Retries are off and timeouts
short: the readiness loop does the retrying, and botocore's own backoff would only slow it down.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

import aioboto3
import aiohttp
from botocore.config import Config
from botocore.exceptions import ClientError

from devtools.errors import DevstackError

_NOT_FOUND = {"404", "NoSuchBucket", "NotFound"}
_ALREADY_OURS = {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}


def admin_client(
    endpoint_url: str, access_key_id: str, secret_access_key: str, region: str
) -> AbstractAsyncContextManager[Any]:
    session = aioboto3.Session()
    return session.client(  # type: ignore[no-any-return]
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1, "mode": "standard"},
            connect_timeout=2,
            read_timeout=10,
        ),
    )


async def check_s3(client: Any) -> None:
    """Raises unless a signed request is answered (ListBuckets needs valid credentials)."""
    await client.list_buckets()


async def check_round_trip(client: Any, bucket: str, key: str = ".devstack/ready-probe") -> None:
    """Raises unless an object can be written, read back and deleted. ListBuckets only needs
    the filer; this needs the master to know the volume servers and their volumes."""
    body = b"ready"
    await client.put_object(Bucket=bucket, Key=key, Body=body)
    response = await client.get_object(Bucket=bucket, Key=key)
    async with response["Body"] as stream:
        got = await stream.read()
    if got != body:
        raise DevstackError(f"S3 round trip returned {got!r}, expected {body!r}")
    await client.delete_object(Bucket=bucket, Key=key)


async def ensure_bucket(client: Any, bucket: str, region: str) -> None:
    try:
        await client.head_bucket(Bucket=bucket)
        return
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in _NOT_FOUND:
            raise DevstackError(f"cannot check bucket {bucket!r}: {exc}") from exc
    kwargs: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":  # AWS rejects an explicit us-east-1 constraint and requires others
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        await client.create_bucket(**kwargs)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in _ALREADY_OURS:
            raise DevstackError(f"cannot create bucket {bucket!r}: {exc}") from exc


async def assert_anonymous_refused(endpoint_url: str, bucket: str) -> None:
    """Fail unless an unsigned request is refused. SeaweedFS without configured identities
    serves anyone; this catches a credentials file that was not picked up."""
    url = f"{endpoint_url.rstrip('/')}/{bucket}"
    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
        status = response.status
    if status not in (401, 403):
        raise DevstackError(
            f"S3 server at {endpoint_url} answered an unsigned GET {url} with {status}, "
            "not 403: it accepts anonymous requests"
        )
