"""Where a job's artifact goes and what it is called (docs/contract.md#artifacts-and-naming). Pure."""

from __future__ import annotations

from dataclasses import dataclass

from render_service.domain.models import PlannedJob
from shared.ownership import job_prefix


@dataclass(frozen=True, slots=True)
class ArtifactPlan:
    key: str
    filename: str
    content_type: str


# ZPL: Zebra's registered type; spoolers pass it raw and browsers download it.
CONTENT_TYPES = {"sheet_pdf": "application/pdf", "thermal_labels": "application/vnd.zebra-zpl"}


def output_filename(*, job_id: str, export_type: str, scope: str, total_items: int) -> str:
    if export_type == "sheet_pdf":
        return f"sheet-{job_id[:4]}-{total_items}.pdf"
    if export_type == "thermal_labels":
        return f"thermal-{job_id[:4]}-{total_items}.zpl"
    return f"{export_type}-{scope}-{job_id[:4]}-{total_items}.zip"


def artifact_plan(job: PlannedJob) -> ArtifactPlan:
    filename = output_filename(
        job_id=job.job_id,
        export_type=job.output.export_type,
        scope=job.output.scope,
        total_items=job.total_items,
    )
    content_type = CONTENT_TYPES.get(job.output.export_type, "application/zip")
    return ArtifactPlan(
        # Deterministic (effects once): rendering the job again overwrites the same object.
        key=f"{job_prefix(job.organization_id, job.job_id)}{filename}",
        filename=filename,
        content_type=content_type,
    )
