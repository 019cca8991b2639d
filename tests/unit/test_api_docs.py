"""docs/api.md is generated from the OpenAPI document (scripts/gen_api_docs.py); this fails when a
route or model changed and the page was not regenerated."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from api_service.http.openapi import openapi_document

ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    # scripts/ is not a package: load the script by path, as `python scripts/gen_api_docs.py` would.
    spec = importlib.util.spec_from_file_location("gen_api_docs", ROOT / "scripts" / "gen_api_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_api_doc_is_what_the_generator_writes() -> None:
    expected = _generator().render(openapi_document())
    committed = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert committed == expected, "docs/api.md is stale: run `.venv/bin/python scripts/gen_api_docs.py`"


def test_every_operation_and_schema_is_in_the_doc() -> None:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    document = openapi_document()
    for path, item in document["paths"].items():
        for method in item:
            assert f"### `{method.upper()} {path}`" in text
    for name in document["components"]["schemas"]:
        assert f"### {name}\n" in text
