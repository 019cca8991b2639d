#!/usr/bin/env python3
"""Writes docs/api.md from the OpenAPI document the API serves (`openapi_document()`).

    .venv/bin/python scripts/gen_api_docs.py          # regenerate docs/api.md
    .venv/bin/python scripts/gen_api_docs.py --check  # exit 1 if docs/api.md is stale

The document is generated from the pydantic models the handlers use, so this page is too: it
cannot describe a field the API does not have. `tests/unit/test_api_docs.py` fails when the
committed page differs from what this script writes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "api.md"
METHODS = ("get", "post", "put", "patch", "delete")
_CONSTRAINTS = (
    ("minimum", "≥ {}"),
    ("maximum", "≤ {}"),
    ("exclusiveMinimum", "> {}"),
    ("exclusiveMaximum", "< {}"),
    ("minLength", "length ≥ {}"),
    ("maxLength", "length ≤ {}"),
    ("minItems", "≥ {} items"),
    ("maxItems", "≤ {} items"),
    ("pattern", "pattern `{}`"),
)

Schema = Mapping[str, Any]


def _cell(text: str) -> str:
    """Safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _link(name: str) -> str:
    # GitHub's heading anchor of `### Name`: lower case; letters, digits, `_` and `-` survive.
    return f"[{name}](#{name.lower()})"


def _non_null(schema: Schema) -> tuple[list[Schema], bool]:
    members = list(schema.get("anyOf", [])) or [schema]
    kept = [m for m in members if m.get("type") != "null"]
    return kept, len(kept) != len(members)


def type_text(schema: Schema) -> str:
    """A readable type: `string (uuid)`, `array of [LotIn](#lotin)`, `` `a` | `b` | null ``."""
    if "$ref" in schema:
        return _link(_ref_name(schema["$ref"]))
    if "anyOf" in schema:
        members, nullable = _non_null(schema)
        return " | ".join([type_text(m) for m in members] + (["null"] if nullable else []))
    if "enum" in schema:
        return " | ".join(f"`{value}`" for value in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    kind = schema.get("type")
    if kind == "array":
        return f"array of {type_text(schema.get('items', {}))}"
    if kind == "object":
        extra = schema.get("additionalProperties")
        return f"object of {type_text(extra)}" if isinstance(extra, Mapping) and extra else "object"
    if kind == "string" and "format" in schema:
        return f"string ({schema['format']})"
    return str(kind or "any")


def constraints_text(schema: Schema) -> str:
    members, _ = _non_null(schema)
    found = []
    for member in members:
        for key, template in _CONSTRAINTS:
            if key in member:
                found.append(template.format(member[key]))
        if member.get("type") == "array":
            found += [f"items {c}" for c in [constraints_text(member.get("items", {}))] if c]
    return ", ".join(found)


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> Iterator[str]:
    """A Markdown table without the columns that are empty in every row."""
    keep = [i for i in range(len(header)) if i == 0 or any(row[i] for row in rows)]
    yield "| " + " | ".join(header[i] for i in keep) + " |"
    yield "|" + "---|" * len(keep)
    for row in rows:
        yield "| " + " | ".join(_cell(row[i]) for i in keep) + " |"
    yield ""


def _content_text(content: Mapping[str, Any]) -> str:
    return "; ".join(f"`{media}`: {type_text(body.get('schema', {}))}" for media, body in content.items())


def _common_success_headers(document: Schema) -> list[str]:
    """Headers every documented success answer carries: described once, not per operation."""
    sets = [
        set(response.get("headers", {}))
        for path in document["paths"].values()
        for method, operation in path.items()
        if method in METHODS
        for status, response in operation["responses"].items()
        if status.startswith("2")
    ]
    return sorted(set.intersection(*sets)) if sets else []


def _operation(path: str, method: str, operation: Schema, common: list[str]) -> Iterator[str]:
    yield f"### `{method.upper()} {path}`"
    yield ""
    yield operation.get("summary", "")
    yield ""
    parameters = operation.get("parameters", [])
    if parameters:
        yield "Parameters:"
        yield ""
        parameter_rows = [
            (
                f"`{p['name']}`",
                str(p["in"]),
                "yes" if p.get("required") else "no",
                type_text(p.get("schema", {})),
                constraints_text(p.get("schema", {})),
            )
            for p in parameters
        ]
        yield from _table(("name", "in", "required", "type", "constraints"), parameter_rows)
    body = operation.get("requestBody")
    if body:
        required = "required" if body.get("required") else "optional"
        yield f"Request body ({required}): {_content_text(body['content'])}"
        yield ""
    yield "Responses:"
    yield ""
    rows = []
    for status, response in operation["responses"].items():
        extra = sorted(set(response.get("headers", {})) - set(common))
        content = _content_text(response.get("content", {})) or "no body"
        headers = ", ".join(f"`{h}`" for h in extra)
        rows.append((str(status), str(response.get("description", "")), content, headers))
    yield from _table(("status", "meaning", "body", "extra headers"), rows)


def _request_schemas(document: Schema) -> set[str]:
    """Names of the schemas a request body uses, directly or inside another one."""
    schemas: Mapping[str, Schema] = document.get("components", {}).get("schemas", {})
    found: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str) and _ref_name(ref) not in found:
                found.add(_ref_name(ref))
                visit(schemas.get(_ref_name(ref), {}))
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    for item in document["paths"].values():
        for method, operation in item.items():
            if method in METHODS:
                visit(operation.get("requestBody", {}))
    return found


def _schema(name: str, schema: Schema, *, in_requests: bool) -> Iterator[str]:
    yield f"### {name}"
    yield ""
    if schema.get("description"):
        yield schema["description"].strip()
        yield ""
    properties: Mapping[str, Schema] = schema.get("properties", {})
    if not properties:
        yield f"Type: {type_text(schema)}"
        yield ""
        return
    required = set(schema.get("required", []))
    rows = [
        (
            f"`{field}`",
            type_text(spec),
            "yes" if field in required else "no",
            constraints_text(spec),
            "" if "default" not in spec or spec["default"] is None else f"`{spec['default']}`",
        )
        for field, spec in properties.items()
    ]
    yield from _table(("field", "type", "required", "constraints", "default"), rows)
    if in_requests and schema.get("additionalProperties") is False:
        yield "In a request, unknown fields are refused (422)."
        yield ""


def render(document: Schema) -> str:
    info = document["info"]
    common = _common_success_headers(document)
    schemes = document.get("components", {}).get("securitySchemes", {})
    lines = [
        "# HTTP API reference",
        "",
        "<!-- Generated by scripts/gen_api_docs.py from api_service.http.openapi.openapi_document(). "
        "Do not edit: run `.venv/bin/python scripts/gen_api_docs.py`. -->",
        "",
        f"{info['title']} {info['version']} (OpenAPI {document['openapi']}). {info.get('description', '')}",
        "",
        "The contract in prose is [contract.md](contract.md); this page lists every operation and "
        "schema as the API itself documents them. The same document is served, without a key, at "
        "`GET /products/api/v1/openapi.json`.",
        "",
        "## Authentication",
        "",
    ]
    for name, scheme in schemes.items():
        lines += [
            f"`{name}`: {scheme['type']} in the `{scheme['name']}` {scheme['in']}, on every operation.",
            "",
        ]
    lines += [
        "Every error answer is the envelope [ErrorEnvelope](#errorenvelope) "
        "([contract.md](contract.md#errors)).",
        "",
        "Every success answer carries "
        + ", ".join(f"`{h}`" for h in common)
        + " ([contract.md](contract.md#rate-limits)).",
        "",
        "## Operations",
        "",
    ]
    index = [
        (f"`{method.upper()}`", f"`{path}`", operation.get("summary", ""))
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]
    lines += _table(("method", "path", "summary"), index)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                lines += _operation(path, method, operation, common)
    lines += ["## Schemas", ""]
    requests = _request_schemas(document)
    for name, schema in sorted(document.get("components", {}).get("schemas", {}).items()):
        lines += _schema(name, schema, in_requests=name in requests)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/api.md is not up to date")
    args = parser.parse_args(argv)
    from api_service.http.openapi import openapi_document

    text = render(openapi_document())
    if args.check:
        current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
        if current != text:
            print(f"{DOC_PATH} is stale: run .venv/bin/python scripts/gen_api_docs.py", file=sys.stderr)
            return 1
        return 0
    DOC_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOC_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {DOC_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
