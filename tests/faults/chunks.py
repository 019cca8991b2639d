"""Mid-job triggers: which chunks of a job are leased or done, and waiting for them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.faults.waiting import wait_for

if TYPE_CHECKING:
    from tests.faults.rig import Rig


async def chunk_leased_by(rig: Rig, job_id: str, replica: str) -> int | None:
    """Index of a chunk `replica` is rendering right now (live lease, not done), else None."""
    value = await rig.q(
        "fetchval",
        """SELECT chunk_index FROM render.chunks WHERE job_id = $1 AND status = 'pending'
               AND lease_token LIKE $2 AND lease_until > now() ORDER BY chunk_index LIMIT 1""",
        job_id,
        f"{replica}/%",
    )
    return value if value is not None else None


async def wait_chunk_in_hand(rig: Rig, job_id: str, replica: str, timeout: float = 60) -> int:
    async def probe() -> int | None:
        index = await chunk_leased_by(rig, job_id, replica)
        return None if index is None else index + 1  # 0 is a valid index: make it truthy

    return (
        await wait_for(probe, timeout=timeout, what=f"{replica} to render a chunk of {job_id}", interval=0.02)
        - 1
    )


async def done_chunks(rig: Rig, job_id: str) -> int:
    return int(
        await rig.q(
            "fetchval", "SELECT count(*) FROM render.chunks WHERE job_id = $1 AND status = 'done'", job_id
        )
    )


async def wait_done_chunks(rig: Rig, job_id: str, at_least: int, timeout: float = 60) -> int:
    async def probe() -> int | None:
        n = await done_chunks(rig, job_id)
        return n if n >= at_least else None

    return await wait_for(
        probe, timeout=timeout, what=f"{at_least} finished chunks of {job_id}", interval=0.02
    )
