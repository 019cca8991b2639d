"""The pure ownership checks both services make (tenancy, docs/invariants.md#tenancy)."""

from __future__ import annotations

import uuid

import pytest

from labelkit.ids import new_job_id
from shared import events
from shared.ownership import (
    completed_key_problem,
    conflict_error,
    foreign_reason,
    job_prefix,
    key_is_the_jobs,
)

ORG = uuid.UUID("0b7e5c62-1111-4000-8000-00000000000a")
OTHER = uuid.UUID("0b7e5c62-2222-4000-8000-00000000000b")
JOB = new_job_id()


def completed(key: str, organization_id: uuid.UUID = ORG) -> events.ExportCompleted:
    return events.ExportCompleted(
        job_id=JOB,
        organization_id=organization_id,
        total_items=1,
        key=key,
        output_filename="x.zip",
        file_size_bytes=1,
        content_type="application/zip",
        sha256="0" * 64,
    )


def test_the_prefix_is_the_contracts_artifact_key_layout() -> None:
    assert job_prefix(ORG, JOB) == f"exports/{ORG}/{JOB}/"


@pytest.mark.parametrize(
    ("key", "own"),
    [
        (f"exports/{ORG}/{JOB}/datamatrix-lots-{JOB[:4]}-1.zip", True),
        (f"exports/{ORG}/{JOB}/parts/00000.part", True),
        (f"exports/{OTHER}/{JOB}/x.zip", False),  # the same job id under another organization
        (f"exports/{ORG}/{new_job_id()}/x.zip", False),  # another job of the same organization
        (f"exports/{ORG}/{JOB}/", False),  # the prefix itself is no object
        (f"exports/{ORG}/{JOB}x/a.zip", False),  # a longer id starting alike
        (f"EXPORTS/{ORG}/{JOB}/x.zip", False),  # keys are case-sensitive
        (f"other/exports/{ORG}/{JOB}/x.zip", False),
        ("", False),
    ],
)
def test_a_key_is_the_jobs_only_under_its_own_prefix(key: str, own: bool) -> None:
    assert key_is_the_jobs(key, organization_id=ORG, job_id=JOB) is own


def test_a_completion_pointing_into_another_organizations_prefix_is_refused_naming_both() -> None:
    assert completed_key_problem(completed(f"exports/{ORG}/{JOB}/x.zip")) is None
    forged = f"exports/{OTHER}/{new_job_id()}/theirs.zip"
    problem = completed_key_problem(completed(forged))
    assert problem == (
        f"labels.export.completed.v1 for job {JOB}: key {forged!r} is not under 'exports/{ORG}/{JOB}/'"
    )
    # The event's own organization decides the prefix: naming the other organization does not
    # make its key acceptable for a job of ours (the projection then refuses the organization).
    assert completed_key_problem(completed(f"exports/{OTHER}/{JOB}/x.zip", organization_id=OTHER)) is None


def test_the_longest_forged_key_gives_a_short_reason() -> None:
    problem = completed_key_problem(completed("x" * events.MAX_OBJECT_KEY))
    assert problem is not None and len(problem) < 500


def test_reasons_name_the_job_and_the_callers_organization_never_the_owner() -> None:
    progress = events.ExportProgress(job_id=JOB, organization_id=OTHER, processed_items=1, total_items=2)
    reason = foreign_reason(events.PROGRESS_V1, progress)
    assert reason == (
        f"labels.export.progress.v1 for job {JOB} names organization {OTHER}, "
        "but the job belongs to another organization"
    )
    assert str(ORG) not in reason
    assert conflict_error(JOB).startswith(f"job_id {JOB} already belongs to another organization")
