"""The per-organization limit rule (shared/org_limits.py): which limit a job breaks, at the exact
boundary, and the message both services send."""

from __future__ import annotations

import uuid

import pytest

from labelkit.export_spec import parse_export_spec
from shared.db.selection import selection_query
from shared.org_limits import (
    LimitName,
    OpenWork,
    OrgLimitExceeded,
    OrgLimits,
    check_job_size,
    check_open_work,
    limit_message,
)

LIMITS = OrgLimits(max_items_per_job=100, max_open_jobs=3, max_open_items=250)
NOTHING_OPEN = OpenWork(jobs=0, items=0)


def refusal(open_work: OpenWork, items: int) -> tuple[LimitName, int, bool]:
    with pytest.raises(OrgLimitExceeded) as caught:
        check_open_work(LIMITS, open_work, items)
    return caught.value.name, caught.value.value, caught.value.retryable


def test_overrides_replace_the_defaults_and_zero_keeps_them() -> None:
    own = LIMITS.with_overrides(max_items_per_job=5, max_open_jobs=0, max_open_items=7)
    assert own == OrgLimits(max_items_per_job=5, max_open_jobs=3, max_open_items=7)
    assert LIMITS.with_overrides(max_items_per_job=0, max_open_jobs=0, max_open_items=0) == LIMITS


def test_a_job_is_counted_one_item_past_the_tighter_of_its_size_limits() -> None:
    assert LIMITS.items_worth_counting == 101
    assert OrgLimits(max_items_per_job=100, max_open_jobs=1, max_open_items=40).items_worth_counting == 41


def test_items_per_job_boundary() -> None:
    check_job_size(LIMITS, 100)
    check_open_work(LIMITS, NOTHING_OPEN, 100)
    assert refusal(NOTHING_OPEN, 101) == (LimitName.ITEMS_PER_JOB, 100, False)


def test_open_jobs_boundary() -> None:
    check_open_work(LIMITS, OpenWork(jobs=2, items=0), 1)
    assert refusal(OpenWork(jobs=3, items=0), 1) == (LimitName.OPEN_JOBS, 3, True)
    # An empty job is still a job.
    assert refusal(OpenWork(jobs=3, items=0), 0) == (LimitName.OPEN_JOBS, 3, True)


def test_open_items_boundary() -> None:
    check_open_work(LIMITS, OpenWork(jobs=2, items=150), 100)
    assert refusal(OpenWork(jobs=2, items=151), 100) == (LimitName.OPEN_ITEMS, 250, True)


def test_a_job_larger_than_the_open_items_limit_alone_is_too_large_not_retryable() -> None:
    limits = OrgLimits(max_items_per_job=1000, max_open_jobs=3, max_open_items=250)
    with pytest.raises(OrgLimitExceeded) as caught:
        check_job_size(limits, 251)
    exceeded = caught.value
    assert (exceeded.name, exceeded.value, exceeded.retryable) == (LimitName.OPEN_ITEMS, 250, False)
    assert caught.value.message.startswith("job too large")


def test_the_size_is_checked_before_the_open_work() -> None:
    # Both broken: the job's own size wins, since no retry would help.
    assert refusal(OpenWork(jobs=3, items=250), 101) == (LimitName.ITEMS_PER_JOB, 100, False)


def test_messages_name_the_limit_and_its_value() -> None:
    assert limit_message(LimitName.ITEMS_PER_JOB, 100, retryable=False) == (
        "job too large: the organization's limit is 100 items per job (max_items_per_job),"
        " and this job selects more"
    )
    assert limit_message(LimitName.OPEN_JOBS, 3, retryable=True) == (
        "too many open jobs: the organization's limit is 3 open (pending or processing) jobs"
        " (max_open_jobs); retry once one has ended"
    )
    assert limit_message(LimitName.OPEN_ITEMS, 250, retryable=True) == (
        "too many items open: the organization's limit is 250 items in open jobs at once"
        " (max_open_items); retry once a job has ended"
    )
    exceeded = OrgLimitExceeded(LimitName.OPEN_JOBS, 3, retryable=True)
    assert str(exceeded) == exceeded.message == limit_message(LimitName.OPEN_JOBS, 3, retryable=True)


def test_a_count_of_the_selection_is_the_snapshot_without_its_order() -> None:
    spec = parse_export_spec({"scope": "serials", "export_type": "datamatrix", "file_format": "png"})
    org = uuid.uuid4()
    ordered, args = selection_query(spec, org)
    unordered, same_args = selection_query(spec, org, ordered=False)
    assert ordered == unordered + " ORDER BY s.seq"
    assert args == same_args == [org]
