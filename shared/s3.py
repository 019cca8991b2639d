"""S3 client from settings. SigV4 and path-style addressing always: SeaweedFS and MinIO need path
style, and without an explicit s3v4 presigned URLs come out as SigV2 (docs/design.md#local-infrastructure)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

import aioboto3
import aiohttp
import botocore.exceptions
from botocore.config import Config

from shared.settings import CommonSettings


def s3_client(settings: CommonSettings, **config: Any) -> AbstractAsyncContextManager[Any]:
    session = aioboto3.Session()
    return session.client(  # type: ignore[no-any-return]
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=settings.s3_secret_access_key,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 5, "mode": "standard"},
            # No extra CRC32 over every part sent and fetched (botocore >= 1.36 defaults to it, with
            # aws-chunked bodies): SigV4 already signs each body's SHA-256 over plain HTTP, TLS
            # protects it over HTTPS, and the artifact's own SHA-256 is checked by clients.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            **config,
        ),
    )


def content_disposition(filename: str) -> str:
    # Artifact names are ASCII by construction (docs/contract.md#artifacts-and-naming), so the plain form is
    # enough.
    return f'attachment; filename="{filename}"'


_RETRYABLE_CODES = frozenset(
    {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "503", "500"}
)


def is_transient_s3_error(exc: BaseException) -> bool:
    """Connection trouble or a 5xx from the store: worth retrying; a 4xx is not."""
    if isinstance(
        exc,
        (
            botocore.exceptions.ConnectionError,
            botocore.exceptions.HTTPClientError,
            aiohttp.ClientError,
            OSError,
            TimeoutError,
        ),
    ):
        return True
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return status >= 500 or error.get("Code") in _RETRYABLE_CODES
    return False
