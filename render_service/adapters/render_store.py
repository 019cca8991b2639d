"""The chunk worker's `ChunkStore` and the planner's `PlanStore` ports on PostgreSQL: the
`jobs_repo` queries, bound to a pool."""

from __future__ import annotations

import uuid

import asyncpg

from labelkit.export_spec import ExportSpec
from render_service.adapters import jobs_repo, org_limits_repo
from render_service.domain.models import Chunk, PlannedJob
from shared.org_limits import OrgLimits


class PostgresRenderStore:
    def __init__(self, pool: asyncpg.Pool, *, org_limits: OrgLimits | None = None) -> None:
        """`org_limits`: the service defaults of the per-organization limits plan_job enforces."""
        self._org_limits = org_limits
        self._pool = pool

    async def get_job(self, job_id: str) -> PlannedJob | None:
        return await jobs_repo.get_job(self._pool, job_id)

    async def job_status(self, job_id: str) -> str | None:
        return await jobs_repo.job_status(self._pool, job_id)

    async def get_chunk(self, job_id: str, chunk_index: int) -> Chunk | None:
        return await jobs_repo.get_chunk(self._pool, job_id, chunk_index)

    async def chunks_of(self, job_id: str) -> list[Chunk]:
        return await jobs_repo.chunks_of(self._pool, job_id)

    async def take_chunk_lease(
        self, *, job_id: str, chunk_index: int, token: str, seconds: float
    ) -> tuple[str, float]:
        return await jobs_repo.take_chunk_lease(
            self._pool, job_id=job_id, chunk_index=chunk_index, token=token, seconds=seconds
        )

    async def take_waiting_chunk(
        self, *, prefer: tuple[str, int], token: str, seconds: float
    ) -> tuple[str, int] | None:
        return await jobs_repo.take_waiting_chunk(self._pool, prefer=prefer, token=token, seconds=seconds)

    async def renew_chunk_lease(self, *, job_id: str, chunk_index: int, token: str, seconds: float) -> bool:
        return await jobs_repo.renew_chunk_lease(
            self._pool, job_id=job_id, chunk_index=chunk_index, token=token, seconds=seconds
        )

    async def mark_chunk_done(
        self, *, job_id: str, chunk_index: int, part_key: str, part_size: int, rendered_by: str
    ) -> bool:
        return await jobs_repo.mark_chunk_done(
            self._pool,
            job_id=job_id,
            chunk_index=chunk_index,
            part_key=part_key,
            part_size=part_size,
            rendered_by=rendered_by,
        )

    async def done_item_count(self, job_id: str) -> int:
        return await jobs_repo.done_item_count(self._pool, job_id)

    async def record_print_history(self, *, job_id: str, first: int, end: int) -> None:
        await jobs_repo.record_print_history(self._pool, job_id=job_id, first=first, end=end)

    async def claim_assembly(self, job_id: str, *, lease_seconds: float) -> bool:
        return await jobs_repo.claim_assembly(self._pool, job_id, lease_seconds=lease_seconds)

    async def complete_job(
        self,
        *,
        job_id: str,
        artifact_key: str,
        output_filename: str,
        file_size_bytes: int,
        content_type: str,
        sha256: str,
    ) -> bool:
        async with self._pool.acquire() as conn:
            return await jobs_repo.complete_job(
                conn,
                job_id=job_id,
                artifact_key=artifact_key,
                output_filename=output_filename,
                file_size_bytes=file_size_bytes,
                content_type=content_type,
                sha256=sha256,
            )

    async def fail_job(self, *, job_id: str, error: str) -> bool:
        return await jobs_repo.fail_job(self._pool, job_id=job_id, error=error)

    async def mark_cleaned(self, job_id: str) -> None:
        await jobs_repo.mark_cleaned(self._pool, job_id)

    # -- what the planner needs besides ----------------------------------------------------------
    async def organization_exists(self, organization_id: uuid.UUID) -> bool:
        return await jobs_repo.organization_exists(self._pool, organization_id)

    async def plan_job(
        self, *, job_id: str, organization_id: uuid.UUID, spec: ExportSpec, chunk_size: int, spread: int
    ) -> bool:
        async with self._pool.acquire() as conn:
            return await jobs_repo.plan_job(
                conn,
                job_id=job_id,
                organization_id=organization_id,
                spec=spec,
                chunk_size=chunk_size,
                spread=spread,
                limits=self._org_limits,
            )

    async def record_refused(
        self, *, job_id: str, organization_id: uuid.UUID, spec: ExportSpec, error: str
    ) -> None:
        await org_limits_repo.record_refused(
            self._pool, job_id=job_id, organization_id=organization_id, spec=spec, error=error
        )

    async def pending_chunks(self, job_id: str) -> list[int]:
        return await jobs_repo.pending_chunks(self._pool, job_id)
