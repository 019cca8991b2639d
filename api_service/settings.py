"""API service settings (environment variables, see README)."""

from __future__ import annotations

from pydantic import Field

from shared.settings import CommonSettings


class ApiSettings(CommonSettings):
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8080, ge=1, le=65535)
    api_source: str = "label-export/api"  # CloudEvents `source` of what this service publishes
    download_url_ttl_seconds: int = Field(default=3600, ge=1, le=7 * 24 * 3600)
    # Bulk creates take up to 100,000 entities per call (docs/contract.md#catalog): ~6 MB of JSON.
    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    poll_retry_after_seconds: int = Field(default=1, ge=1)
    outbox_batch_size: int = Field(default=100, ge=1)
    outbox_poll_seconds: float = Field(default=5.0, gt=0)  # fallback when a NOTIFY is missed
    # The longest wait between relay tries while the broker or the database is away.
    outbox_max_backoff_seconds: float = Field(default=30.0, gt=0)
    projection_group_id: str = "label-export-api-projection"
    # An open job unchanged this long gets its request re-published (lost messages); see stale_jobs.py.
    stale_job_seconds: float = Field(default=60, gt=0)
    # A job re-published this many times without moving since fails, saying so (stale_jobs.py).
    stale_job_max_republishes: int = Field(default=5, ge=1)
    rate_limit_per_minute: int = Field(default=300, ge=1)
    rate_limit_per_day: int = Field(default=10_000, ge=1)
    # Retry-After of a 429 for an organization's open jobs or items: when a job may have ended.
    org_limit_retry_after_seconds: int = Field(default=30, ge=1)
    key_usage_flush_seconds: float = Field(default=5.0, gt=0)
