from __future__ import annotations

import re
import uuid
from pathlib import Path

import orjson
import pytest

from labelkit.ids import new_job_id
from shared import events
from shared.schemas import event_schemas

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "events"
ORG = uuid.uuid4()


def test_round_trip_and_envelope() -> None:
    data = events.ExportProgress(job_id=new_job_id(), organization_id=ORG, processed_items=3, total_items=9)
    event = events.make_event(data, source="test")
    raw = orjson.loads(events.encode(event))
    assert raw["specversion"] == "1.0" and raw["subject"] == data.job_id
    assert raw["datacontenttype"] == "application/json" and raw["type"] == "labels.export.progress.v1"
    assert events.parse_data(events.decode(events.encode(event))) == data


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "no value"),
        (b"\xff", "not JSON"),
        (b"[1]", "not a JSON object"),
        (b'{"specversion": "0.3"}', "not a CloudEvent"),
    ],
)
def test_invalid_messages_say_why(value: bytes | None, reason: str) -> None:
    with pytest.raises(events.InvalidMessage, match=reason):
        events.decode(value)


def test_unknown_type_and_bad_data_are_refused() -> None:
    event = events.make_event(
        events.ExportFailed(job_id=new_job_id(), organization_id=ORG, error="x"), source="t"
    )
    with pytest.raises(events.InvalidMessage, match="unknown event type"):
        events.parse_data(event.model_copy(update={"type": "labels.export.exploded.v1"}))
    with pytest.raises(events.InvalidMessage, match="job_id"):
        events.parse_data(
            event.model_copy(update={"data": {"job_id": "short", "organization_id": str(ORG), "error": "x"}})
        )


def test_every_event_names_its_organization() -> None:
    """Tenancy: ownership travels with every event, the cancel request included."""
    required = {
        name: model.model_fields["organization_id"].is_required()
        for name, model in events.DATA_MODELS.items()
    }
    assert required == dict.fromkeys(events.DATA_MODELS, True)


def test_an_event_of_an_older_version_without_organization_is_refused_saying_so() -> None:
    event = events.make_event(
        events.ExportFailed(job_id=new_job_id(), organization_id=ORG, error="x"), source="t"
    )
    older = event.model_copy(update={"data": {"job_id": event.data["job_id"], "error": "x"}})
    with pytest.raises(
        events.InvalidMessage, match=r"invalid labels\.export\.failed\.v1 data: organization_id"
    ):
        events.parse_data(older)


def test_committed_schemas_match_the_models() -> None:
    """`make schemas` regenerates them; this fails when a model changed and they did not."""
    for type_name, schema in event_schemas().items():
        path = SCHEMA_DIR / f"{type_name}.json"
        assert path.exists(), f"missing {path}; run `make schemas`"
        assert orjson.loads(path.read_bytes()) == orjson.loads(orjson.dumps(schema)), f"{path} is stale"


def test_envelope_attributes_are_short_names_without_control_characters() -> None:
    """A publisher's `source` is stored by the projection: bounded, and a NUL never reaches it."""
    good = {"specversion": "1.0", "id": "e-1", "source": "erp-connector", "type": "t", "data": {}}
    assert events.decode(orjson.dumps({**good, "source": "s" * events.MAX_ENVELOPE_CHARS})).source
    bad = [
        ({"source": "s" * (events.MAX_ENVELOPE_CHARS + 1)}, "source: String should have at most 256"),
        ({"source": "erp\x00"}, "source: must not contain control characters; found U+0000"),
        ({"id": "e-1\n"}, "id: must not contain control characters; found U+000A"),
        ({"subject": "j" * 1_000_000}, "subject: String should have at most 256"),
    ]
    for change, reason in bad:
        with pytest.raises(events.InvalidMessage, match=re.escape(reason)):
            events.decode(orjson.dumps({**good, **change}))


def test_event_strings_are_bounded() -> None:
    job_id = new_job_id()
    # A reason is for people: cut, and the job still ends failed whoever published it.
    failed = events.parse_data(
        events.make_event(
            events.ExportFailed(job_id=job_id, organization_id=ORG, error="e" * 5_000), source="erp"
        )
    )
    assert isinstance(failed, events.ExportFailed) and failed.error == "e" * events.MAX_ERROR_CHARS
    completed = {
        "job_id": job_id,
        "organization_id": str(ORG),
        "total_items": 1,
        "key": "k" * (events.MAX_OBJECT_KEY + 1),
        "output_filename": "a.zip",
        "file_size_bytes": 1,
        "content_type": "application/zip",
        "sha256": "0" * 64,
    }
    event = events.CloudEvent(
        specversion="1.0", id="e-1", source="erp", type=events.COMPLETED_V1, subject=job_id, data=completed
    )
    with pytest.raises(events.InvalidMessage, match="key: String should have at most 1024"):
        events.parse_data(event)


def test_a_request_is_read_for_its_job_and_organization_first() -> None:
    job_id = new_job_id()
    assert events.job_and_organization({"job_id": job_id, "organization_id": str(ORG)}) == (job_id, ORG)
    for data, reason in [
        ({"organization_id": str(ORG)}, "data.job_id is missing"),
        ({"job_id": job_id}, "data.organization_id is missing or not a UUID"),
        ({"job_id": job_id, "organization_id": "acme"}, "data.organization_id is missing or not a UUID"),
        ({"job_id": job_id, "organization_id": 42}, "data.organization_id is missing or not a UUID"),
    ]:
        with pytest.raises(events.InvalidMessage, match=reason):
            events.job_and_organization(data)
