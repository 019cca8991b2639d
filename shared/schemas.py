"""JSON Schemas of the Kafka contract, generated from the models in `shared.events`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from shared import events


def event_schemas() -> dict[str, dict[str, Any]]:
    """One schema per event type: the CloudEvent envelope with that type's `data`."""
    envelope = events.CloudEvent.model_json_schema()
    out = {}
    for type_name, model in events.DATA_MODELS.items():
        schema = dict(envelope)
        schema["title"] = type_name
        props = dict(schema["properties"])
        props["type"] = {"const": type_name, "title": "Type", "type": "string"}
        data = model.model_json_schema()
        # Nested models (a request's filters, asset_config) are `$ref: #/$defs/...` from the
        # schema's root: their definitions go there, not under `data`.
        if "$defs" in data:
            schema["$defs"] = data.pop("$defs")
        props["data"] = data
        schema["properties"] = props
        out[type_name] = schema
    return out


def write_event_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for type_name, schema in event_schemas().items():
        path = folder / f"{type_name}.json"
        path.write_bytes(orjson.dumps(schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
        written.append(path)
    return written
