"""Who a job belongs to, as both services check it (tenancy, docs/invariants.md#tenancy). Pure.

A `job_id` belongs to the first organization that used it, and every event names the organization
it is about (`organization_id`). These are the checks the API's projection, its status route and
the render planner make with that: where a job's objects live, whether an artifact key is one of
them, and the reason given when an event or request names another organization than the job's.
"""

from __future__ import annotations

from shared import events


def job_prefix(organization_id: object, job_id: str) -> str:
    """Every object of a job lives under this prefix: its artifact, its parts while it renders."""
    return f"exports/{organization_id}/{job_id}/"


def key_is_the_jobs(key: str, *, organization_id: object, job_id: str) -> bool:
    """Whether `key` is an object of this job of this organization (something after the prefix)."""
    prefix = job_prefix(organization_id, job_id)
    return key.startswith(prefix) and len(key) > len(prefix)


def completed_key_problem(data: events.ExportCompleted) -> str | None:
    """Why a completed event's artifact key may not be recorded, or None: it must lie under the
    prefix of the job and organization the event names (so it never points into another's)."""
    if key_is_the_jobs(data.key, organization_id=data.organization_id, job_id=data.job_id):
        return None
    expected = job_prefix(data.organization_id, data.job_id)
    return f"{events.COMPLETED_V1} for job {data.job_id}: key {data.key[:300]!r} is not under {expected!r}"


def foreign_reason(event_type: str, data: events.JobData) -> str:
    """Why an event may not touch its job when the job belongs to another organization than the
    event names. The owner is not named: the reason goes to the DLQ and logs, and one
    organization's id is no business of another's publisher."""
    return (
        f"{event_type} for job {data.job_id} names organization {data.organization_id}, "
        "but the job belongs to another organization"
    )


def conflict_error(job_id: str) -> str:
    """The `failed` event's error for a request reusing a job id another organization owns."""
    return (
        f"job_id {job_id} already belongs to another organization; "
        "this request was refused and that job is unchanged (publish with a new job_id)"
    )
