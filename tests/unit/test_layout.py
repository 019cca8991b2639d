"""The folder tree is the architecture: who may import whom, checked on every import statement
(module level or inside a function) with the `ast` module.

    labelkit      pure label library: imports no service, no runtime, no I/O library
    shared        runtime both services run on: may use labelkit, never a service
    api_service   may use shared and labelkit, never render_service
    render_service  may use shared and labelkit, never api_service
    label_client  a standalone client: labelkit at most
    devtools      local stack and `make run`: starts services as processes, imports none
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PACKAGES = ("labelkit", "shared", "api_service", "render_service", "label_client", "devtools")
IO_LIBRARIES = {"asyncpg", "aiokafka", "aioboto3", "aiobotocore", "boto3", "botocore", "aiohttp", "requests"}

# package -> the top-level names it must never import
FORBIDDEN: dict[str, set[str]] = {
    "labelkit": {"shared", "api_service", "render_service", "label_client", "devtools", *IO_LIBRARIES},
    "shared": {"api_service", "render_service", "label_client", "devtools"},
    "api_service": {"render_service", "label_client", "devtools"},
    "render_service": {"api_service", "label_client", "devtools"},
    "label_client": {"shared", "api_service", "render_service", "devtools"},
    "devtools": {"api_service", "render_service", "label_client"},
}


def imported_top_levels(path: Path) -> set[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[tuple[int, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update((node.lineno, alias.name.split(".")[0]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.lineno, node.module.split(".")[0]))
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_only_what_its_role_allows(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no modules"
    violations = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in files
        for line, name in sorted(imported_top_levels(path))
        if name in FORBIDDEN[package]
    ]
    assert violations == []


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from render_service.app import create_app\n    import aiohttp.web\n")
    assert imported_top_levels(module) == {(2, "render_service"), (3, "aiohttp")}
