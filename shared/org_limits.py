"""Per-organization limits on work (docs/contract.md#organization-limits): the one definition of the
check and its message, used by the API at submit and by the render planner for every request, so a
job refused over HTTP and one refused over Kafka say the same thing. Pure: numbers in, verdict out.

Three limits, each a service default (`ORG_MAX_*` settings) that an organization's own value
overrides (`labels-admin set-org-limits`, 0 = the default):

- `max_items_per_job`: items one job may select;
- `max_open_jobs`: jobs pending or processing at once;
- `max_open_items`: the items of those jobs together.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class LimitName(enum.StrEnum):
    ITEMS_PER_JOB = "max_items_per_job"
    OPEN_JOBS = "max_open_jobs"
    OPEN_ITEMS = "max_open_items"


@dataclass(frozen=True, slots=True)
class OrgLimits:
    max_items_per_job: int
    max_open_jobs: int
    max_open_items: int

    def with_overrides(self, *, max_items_per_job: int, max_open_jobs: int, max_open_items: int) -> OrgLimits:
        """An organization's own values; 0 keeps the service default (as for per-key rate limits)."""
        return OrgLimits(
            max_items_per_job=max_items_per_job or self.max_items_per_job,
            max_open_jobs=max_open_jobs or self.max_open_jobs,
            max_open_items=max_open_items or self.max_open_items,
        )

    @property
    def items_worth_counting(self) -> int:
        """A job's items need counting only this far: one more is over a limit whatever is open."""
        return min(self.max_items_per_job, self.max_open_items) + 1


@dataclass(frozen=True, slots=True)
class OpenWork:
    """An organization's jobs that are open (pending or processing), the new one not included."""

    jobs: int
    items: int


class OrgLimitExceeded(Exception):
    """A job over one of its organization's limits. `retryable`: it would fit once other jobs have
    ended (HTTP 429); otherwise the job itself is too large (HTTP 422)."""

    def __init__(self, name: LimitName, value: int, *, retryable: bool) -> None:
        self.name = name
        self.value = value
        self.retryable = retryable
        self.message = limit_message(name, value, retryable=retryable)
        super().__init__(self.message)


def limit_message(name: LimitName, value: int, *, retryable: bool) -> str:
    """What the client reads (HTTP error message, `failed` event's error): which limit, its value."""
    if name is LimitName.OPEN_JOBS:
        return (
            f"too many open jobs: the organization's limit is {value} open (pending or processing) jobs"
            f" ({name}); retry once one has ended"
        )
    if name is LimitName.OPEN_ITEMS and retryable:
        return (
            f"too many items open: the organization's limit is {value} items in open jobs at once"
            f" ({name}); retry once a job has ended"
        )
    if name is LimitName.OPEN_ITEMS:
        return (
            f"job too large: the organization's limit is {value} items in open jobs at once ({name}),"
            " and this job alone selects more"
        )
    return (
        f"job too large: the organization's limit is {value} items per job ({name}),"
        " and this job selects more"
    )


def check_job_size(limits: OrgLimits, items: int) -> None:
    """Raise OrgLimitExceeded when the job alone breaks a limit: never retryable."""
    if items > limits.max_items_per_job:
        raise OrgLimitExceeded(LimitName.ITEMS_PER_JOB, limits.max_items_per_job, retryable=False)
    if items > limits.max_open_items:
        raise OrgLimitExceeded(LimitName.OPEN_ITEMS, limits.max_open_items, retryable=False)


def check_open_work(limits: OrgLimits, open_work: OpenWork, items: int) -> None:
    """Raise OrgLimitExceeded when one more job of `items` items would break a limit on open work.

    Only sound under the organization's lock, with `open_work` counted after taking it: two
    concurrent submits must not both take the last slot.
    """
    check_job_size(limits, items)
    if open_work.jobs + 1 > limits.max_open_jobs:
        raise OrgLimitExceeded(LimitName.OPEN_JOBS, limits.max_open_jobs, retryable=True)
    if open_work.items + items > limits.max_open_items:
        raise OrgLimitExceeded(LimitName.OPEN_ITEMS, limits.max_open_items, retryable=True)
