"""Where a job's artifact goes and what it is called (docs/contract.md#artifacts-and-naming). Pure."""

from __future__ import annotations

from dataclasses import dataclass

from labelkit.rendering.printer.registry import printer_language
from render_service.domain.models import PlannedJob
from shared.ownership import job_prefix


@dataclass(frozen=True, slots=True)
class ArtifactPlan:
    key: str
    filename: str
    content_type: str


def output_filename(*, job_id: str, export_type: str, file_format: str, scope: str, total_items: int) -> str:
    if export_type == "sheet_pdf":
        return f"sheet-{job_id[:4]}-{total_items}.pdf"
    if export_type == "thermal_labels":  # the printer language's file_format is its extension
        return f"thermal-{job_id[:4]}-{total_items}.{printer_language(file_format).file_format}"
    return f"{export_type}-{scope}-{job_id[:4]}-{total_items}.zip"


def content_type(export_type: str, file_format: str) -> str:
    if export_type == "sheet_pdf":
        return "application/pdf"
    if export_type == "thermal_labels":
        return printer_language(file_format).content_type
    return "application/zip"


def artifact_plan(job: PlannedJob) -> ArtifactPlan:
    filename = output_filename(
        job_id=job.job_id,
        export_type=job.output.export_type,
        file_format=job.output.file_format,
        scope=job.output.scope,
        total_items=job.total_items,
    )
    return ArtifactPlan(
        # Deterministic (effects once): rendering the job again overwrites the same object.
        key=f"{job_prefix(job.organization_id, job.job_id)}{filename}",
        filename=filename,
        content_type=content_type(job.output.export_type, job.output.file_format),
    )
