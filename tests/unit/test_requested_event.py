"""The `requested` event: one factory builds it, one parse types it, spec included."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import jsonschema
import orjson
import pytest

from labelkit.export_spec import InvalidExportSpec, parse_export_spec
from labelkit.ids import new_job_id
from shared import events

SCHEMA = orjson.loads(
    (Path(__file__).resolve().parents[2] / "schemas" / "events" / f"{events.REQUESTED_V1}.json").read_bytes()
)
REQUESTED_AT = dt.datetime(2026, 12, 3, 21, 0, 0, 250_000, tzinfo=dt.UTC)


def _spec_body() -> dict[str, object]:
    return {
        "scope": "lots",
        "export_type": "datamatrix",
        "file_format": "png",
        "filters": {"gtins": ["9506000134352"], "lot_ids": [str(uuid.UUID(int=7))], "never_printed": True},
        "asset_config": {"dpi": 600, "human_readable": False},
    }


def _wire(event: events.CloudEvent) -> dict[str, object]:
    decoded: dict[str, object] = orjson.loads(events.encode(event))
    return decoded


def test_the_factory_writes_the_documented_wire_form_and_the_parse_gives_the_spec_back() -> None:
    spec = parse_export_spec(_spec_body())
    job_id, organization_id = new_job_id(), uuid.uuid4()
    event = events.export_requested(
        job_id=job_id, organization_id=organization_id, spec=spec, requested_at=REQUESTED_AT, source="test"
    )
    raw = _wire(event)
    assert raw["type"] == events.REQUESTED_V1 and raw["subject"] == job_id
    # Flat, only the fields given (no nulls for the filters left out), as docs/events.md lists them.
    assert raw["data"] == {
        "job_id": job_id,
        "organization_id": str(organization_id),
        "scope": "lots",
        "export_type": "datamatrix",
        "file_format": "png",
        "filters": {"gtins": ["09506000134352"], "lot_ids": [str(uuid.UUID(int=7))], "never_printed": True},
        "asset_config": {"dpi": 600, "human_readable": False},
        "requested_at": "2026-12-03T21:00:00.250000Z",
    }
    jsonschema.validate(raw, SCHEMA)  # the envelope schema published for other services

    request = events.parse_request(events.decode(events.encode(event)))
    assert request.organization_id == organization_id and request.requested_at == REQUESTED_AT
    assert request.spec == spec  # typed: UUIDs, the normalized GTIN, an AssetConfig
    assert request.spec.filters.lot_ids == [uuid.UUID(int=7)]
    assert request.spec.request_data() == spec.request_data()  # what the planner stores


def test_a_stored_request_is_republished_as_stored() -> None:
    """The stale-job sweep re-sends what the job was created with, even a request the planner
    will refuse: its job must still end `failed` rather than stay open."""
    stored = {**_spec_body(), "scope": "products"}
    job_id = new_job_id()
    event = events.export_requested(
        job_id=job_id, organization_id=uuid.uuid4(), spec=stored, requested_at=REQUESTED_AT, source="test"
    )
    assert {k: _wire(event)["data"][k] for k in stored} == stored  # type: ignore[index]
    with pytest.raises(InvalidExportSpec) as refused:
        events.parse_request(event)
    assert [e.field for e in refused.value.errors] == ["scope"]


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"filters": {"lot_ids": ["not-a-uuid"]}}, ["filters.lot_ids.0"]),
        ({"filters": {"gtins": ["9506000134353"]}}, ["filters.gtins.0"]),  # bad check digit
        ({"asset_config": {"dpi": "300"}}, ["asset_config.dpi"]),  # strict: a string is no number
        ({"filters": {"colour": "red"}}, ["filters.colour"]),
        ({"file_format": "eps"}, ["file_format"]),  # a rule that ties fields together
        ({"organization_id": "acme"}, ["organization_id"]),
    ],
)
def test_a_bad_request_in_an_event_names_the_field(change: dict[str, object], fields: list[str]) -> None:
    data = {"job_id": new_job_id(), "organization_id": str(uuid.uuid4()), **_spec_body()}
    data |= {"requested_at": "2026-12-03T21:00:00Z"} | change
    event = events.CloudEvent(specversion="1.0", id="1", source="erp", type=events.REQUESTED_V1, data=data)
    with pytest.raises(InvalidExportSpec) as refused:
        events.parse_request(event)
    assert [e.field for e in refused.value.errors] == fields

    # Another organization's valid request parses all the same.
    other = events.export_requested(
        job_id=new_job_id(),
        organization_id=uuid.uuid4(),
        spec=parse_export_spec(_spec_body()),
        requested_at=REQUESTED_AT,
        source="test",
    )
    assert events.parse_request(other).spec.export_type == "datamatrix"


def test_a_typed_request_sent_with_make_event_has_the_same_wire_form() -> None:
    """Tests and tools that build an ExportRequested themselves publish what the factory does."""
    spec = parse_export_spec(_spec_body())
    job_id, organization_id = new_job_id(), uuid.uuid4()
    typed = events.ExportRequested(
        job_id=job_id,
        organization_id=organization_id,
        requested_at=REQUESTED_AT,
        **{name: getattr(spec, name) for name in type(spec).model_fields},
    )
    built = events.export_requested(
        job_id=job_id, organization_id=organization_id, spec=spec, requested_at=REQUESTED_AT, source="t"
    )
    assert events.make_event(typed, source="t").data == built.data
