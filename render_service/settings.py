"""Render service settings (environment variables, see README)."""

from __future__ import annotations

import os
import socket

from pydantic import Field

from shared.settings import CommonSettings


class RenderSettings(CommonSettings):
    render_source: str = "label-export/render"  # CloudEvents `source` of what this service emits
    # Names this replica in events and logs; on Kubernetes the pod name (also the static member id).
    render_instance_id: str = Field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    render_worker_group_id: str = "label-export-render-worker"
    topic_chunks: str = "label-export.chunks"  # the render service's own task topic
    # Items per chunk: one chunk is one unit of work any replica can take (docs/design.md#scaling-one-job).
    render_chunk_size: int = Field(default=20_000, ge=1)
    # Jobs of at most this many items render right in the planner: no fan-out hop (small-job latency).
    render_inline_max_items: int = Field(default=5_000, ge=0)
    # ...and an estimated cost of at most this many CPU-seconds (planning/inline_cost.py): a small
    # job of huge rasters goes through the chunk path, so no planner is held for long.
    render_inline_max_cpu_seconds: float = Field(default=3.0, ge=0)
    # Chunks one replica renders at once (one per owned partition, up to this many).
    render_chunks_in_flight: int = Field(default=2, ge=1, le=32)
    # Items per process-pool task; docs/design.md#rendering-costs measured 100–500 as the sweet spot.
    render_batch_size: int = Field(default=250, ge=1, le=10_000)
    render_batches_in_flight: int = Field(default=4, ge=1, le=64)
    render_pool_size: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)
    render_progress_interval_seconds: float = Field(default=0.5, gt=0)
    # How long an assembler owns a job before another replica may take over (it died).
    render_assembly_lease_seconds: float = Field(default=120, gt=0)
    # A chunk's worker renews its lease every progress tick; a lease this old means the worker died.
    render_chunk_lease_seconds: float = Field(default=15, gt=0)
    # Object-store outages are ridden out this long per step (render, assemble); then the job fails.
    render_storage_retry_budget_seconds: float = Field(default=60, gt=0)
    # A job not finished this long after planning fails with that reason (watchdog).
    render_job_deadline_seconds: float = Field(default=3600, gt=0)
    render_watchdog_interval_seconds: float = Field(default=10, gt=0)
    # S3 multipart part size; S3 requires ≥ 5 MiB for every part but the last.
    render_upload_part_bytes: int = Field(default=8 * 1024 * 1024, ge=5 * 1024 * 1024)
    # Assembly joins parts by server-side part copy (UploadPartCopy); off for a store without it.
    render_assembly_server_copy: bool = True

    # Probe endpoint (/healthz, /readyz); port 0 picks a free one (several replicas on one host).
    render_http_host: str = "127.0.0.1"
    render_http_port: int = Field(default=8081, ge=0, le=65535)
