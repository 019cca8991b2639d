"""The Kafka contract (docs/events.md): CloudEvents 1.0 structured-mode envelopes and their data models.

The JSON Schemas under `schemas/events/` are generated from these models (`labels-admin
export-schemas`), and a test keeps them in sync.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError
from pydantic_core import to_jsonable_python

from labelkit.export_spec import AssetConfig, ExportSpec, Filters, InvalidExportSpec, coherence_errors
from labelkit.export_spec import ExportType as ExportType  # the contract's vocabulary, re-exported
from labelkit.export_spec import FileFormat as FileFormat
from labelkit.export_spec import Scope as Scope
from labelkit.field_errors import describe, field_errors
from labelkit.ids import JOB_ID_ALPHABET, is_valid_job_id
from labelkit.limits import NO_CONTROL_CHARS

CONTENT_TYPE_HEADER = ("content-type", b"application/cloudevents+json")

REQUESTED_V1 = "labels.export.requested.v1"
STARTED_V1 = "labels.export.started.v1"
PROGRESS_V1 = "labels.export.progress.v1"
COMPLETED_V1 = "labels.export.completed.v1"
FAILED_V1 = "labels.export.failed.v1"
# Ours: a client cancelled the job. Published on the requests topic with the job id as key, so it
# reaches the planner after the request it cancels (same partition, in order).
CANCEL_REQUESTED_V1 = "labels.export.cancel_requested.v1"
CANCELLED_ERROR = "cancelled by the client"  # the `error` of a cancelled job

# pydantic matches patterns with the Rust regex engine, whose `$` is the end of the text only (a
# trailing newline is refused; tests/unit/test_limits.py checks it), as JSON Schema readers expect.
JobId = Annotated[str, StringConstraints(pattern=f"^[{JOB_ID_ALPHABET}]{{22}}$")]


class JobData(BaseModel):
    """What every event's data has: the job it is about (its Kafka key too) and the organization
    it is about. A consumer applies an event only to a job of that organization (tenancy,
    docs/invariants.md#tenancy); events of older versions, without `organization_id`, are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    job_id: JobId
    organization_id: uuid.UUID


class ExportRequested(JobData):
    """A job's request: who asks, and the export spec, typed (the spec's fields sit at the top
    level of `data`, next to the job's). Build one with `export_requested`, read one with
    `parse_request`."""

    job_id: JobId
    organization_id: uuid.UUID
    scope: Scope
    export_type: ExportType
    file_format: FileFormat
    filters: Filters = Field(default_factory=Filters)
    asset_config: AssetConfig = Field(default_factory=AssetConfig)
    requested_at: dt.datetime

    @property
    def spec(self) -> ExportSpec:
        """The spec part, as the model the planner and renderers take (already validated)."""
        return ExportSpec.model_construct(
            scope=self.scope,
            export_type=self.export_type,
            file_format=self.file_format,
            filters=self.filters,
            asset_config=self.asset_config,
        )


class ExportStarted(JobData):
    job_id: JobId
    organization_id: uuid.UUID
    total_items: int = Field(ge=0)


class ExportProgress(JobData):
    job_id: JobId
    organization_id: uuid.UUID
    processed_items: int = Field(ge=0)
    total_items: int = Field(ge=0)


# Bounds of the events' own strings: an S3 key is at most 1024 bytes; a file name and a media type
# are short. A failed event's reason is cut to MAX_ERROR_CHARS (a reason is for people; the job
# still ends failed, whoever published it).
MAX_OBJECT_KEY = 1024
MAX_SHORT_NAME = 255
MAX_ERROR_CHARS = 2_000


def _cut_error(value: object) -> object:
    return value[:MAX_ERROR_CHARS] if isinstance(value, str) else value


class ExportCompleted(JobData):
    job_id: JobId
    organization_id: uuid.UUID
    total_items: int = Field(ge=0)
    key: Annotated[str, StringConstraints(min_length=1, max_length=MAX_OBJECT_KEY)]
    output_filename: Annotated[str, StringConstraints(min_length=1, max_length=MAX_SHORT_NAME)]
    file_size_bytes: int = Field(ge=0)
    content_type: Annotated[str, StringConstraints(min_length=1, max_length=MAX_SHORT_NAME)]
    sha256: str = Field(pattern="^[0-9a-f]{64}$")


class ExportFailed(JobData):
    job_id: JobId
    organization_id: uuid.UUID
    error: Annotated[str, StringConstraints(max_length=MAX_ERROR_CHARS), BeforeValidator(_cut_error)]


class CancelRequested(JobData):
    job_id: JobId
    organization_id: uuid.UUID
    requested_at: dt.datetime


DATA_MODELS: dict[str, type[JobData]] = {
    REQUESTED_V1: ExportRequested,
    STARTED_V1: ExportStarted,
    PROGRESS_V1: ExportProgress,
    COMPLETED_V1: ExportCompleted,
    FAILED_V1: ExportFailed,
    CANCEL_REQUESTED_V1: CancelRequested,
}
TYPE_OF: dict[type[BaseModel], str] = {model: name for name, model in DATA_MODELS.items()}


# The envelope's attributes are short names, never text: at most this many characters and no
# control character (the projection stores `source`; a NUL would not even fit a PostgreSQL text
# column). A message breaking it is not a usable CloudEvent: DLQ with the reason.
MAX_ENVELOPE_CHARS = 256
EnvelopeName = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_ENVELOPE_CHARS), NO_CONTROL_CHARS
]


class CloudEvent(BaseModel):
    """Structured-mode envelope. `data` stays a dict here; `parse_data` types it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"]
    id: EnvelopeName
    source: EnvelopeName
    type: EnvelopeName
    subject: Annotated[str, StringConstraints(max_length=MAX_ENVELOPE_CHARS), NO_CONTROL_CHARS] | None = None
    time: dt.datetime | None = None
    datacontenttype: Literal["application/json"] | None = None
    data: dict[str, Any]


class InvalidMessage(ValueError):
    """A Kafka message that is not a usable CloudEvent; the reason goes to the DLQ."""


def make_event(
    data: BaseModel, *, source: str, event_id: str | None = None, event_type: str | None = None
) -> CloudEvent:
    """An envelope for `data`: its type is the contract's name for the model unless given (the
    render service's own chunk task names its type itself)."""
    # Without nulls: a request's filters and knobs left out stay out (as `export_requested` writes
    # them); no other field of the contract is ever null.
    dumped = data.model_dump(mode="json", exclude_none=True)
    job_id = str(getattr(data, "job_id", ""))  # every event of ours is about one job
    return _envelope(event_type or TYPE_OF[type(data)], job_id, dumped, source, event_id)


def export_requested(
    *,
    job_id: str,
    organization_id: uuid.UUID,
    spec: ExportSpec | Mapping[str, Any],
    requested_at: dt.datetime,
    source: str,
) -> CloudEvent:
    """The `requested` event, built the one way every publisher of ours builds it: the API's
    submit (a spec it has just validated) and the stale-job sweep (a stored request).

    A stored request goes out as it was stored, unchecked: even one the planner will refuse must
    reach it again, so that its job ends `failed` instead of staying open (no lost job).
    """
    data = {
        "job_id": job_id,
        "organization_id": str(organization_id),
        **(spec.request_data() if isinstance(spec, ExportSpec) else dict(spec)),
        "requested_at": to_jsonable_python(requested_at),
    }
    return _envelope(REQUESTED_V1, job_id, data, source, None)


def _envelope(type_: str, job_id: str, data: dict[str, Any], source: str, event_id: str | None) -> CloudEvent:
    return CloudEvent(
        specversion="1.0",
        id=event_id or str(uuid.uuid4()),
        source=source,
        type=type_,
        subject=job_id,
        time=dt.datetime.now(dt.UTC),
        datacontenttype="application/json",
        data=data,
    )


def encode(event: CloudEvent) -> bytes:
    return orjson.dumps(event.model_dump(mode="json", exclude_none=True))


def decode(value: bytes | None) -> CloudEvent:
    """Parse a message value as a CloudEvent, or raise InvalidMessage saying why."""
    if value is None:
        raise InvalidMessage("message has no value")
    try:
        raw = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise InvalidMessage(f"value is not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise InvalidMessage("value is not a JSON object")
    try:
        return CloudEvent.model_validate(raw)
    except ValidationError as exc:
        raise InvalidMessage(f"not a CloudEvent 1.0: {describe(exc)}") from None


def parse_data(event: CloudEvent) -> JobData:
    """Type an event's data by its `type`; raise InvalidMessage for unknown types or bad data."""
    model = DATA_MODELS.get(event.type)
    if model is None:
        raise InvalidMessage(f"unknown event type {event.type!r}")
    try:
        return model.model_validate(event.data)
    except ValidationError as exc:
        raise InvalidMessage(f"invalid {event.type} data: {describe(exc)}") from None


def job_and_organization(data: Mapping[str, Any]) -> tuple[str, uuid.UUID]:
    """The job and organization a request is about, read before anything else in it; raise
    InvalidMessage (the DLQ) without them: there is no job to report on, and no organization to
    report to."""
    job_id = data.get("job_id")
    if not isinstance(job_id, str) or not is_valid_job_id(job_id):
        raise InvalidMessage("data.job_id is missing or not a 22-character shortuuid")
    raw = data.get("organization_id")
    try:
        organization_id = uuid.UUID(raw) if isinstance(raw, str) else None
    except ValueError:
        organization_id = None
    if organization_id is None:
        raise InvalidMessage("data.organization_id is missing or not a UUID")
    return job_id, organization_id


def parse_request(event: CloudEvent) -> ExportRequested:
    """Type a `requested` event's data, spec included, in one pass: the only place a request from
    Kafka is validated. Raise InvalidExportSpec naming every field at fault: types first, then
    the rules that tie fields together (the same ones an HTTP submit meets)."""
    try:
        request = ExportRequested.model_validate(event.data)
    except ValidationError as exc:
        raise InvalidExportSpec(field_errors(exc)) from None
    problems = coherence_errors(request.spec)
    if problems:
        raise InvalidExportSpec(problems)
    return request
