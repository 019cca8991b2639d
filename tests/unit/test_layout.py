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
import re
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


# Inside a service: SQL only in adapters/, HTTP only in http/ (and the composition root).
# Upper case, as every statement of ours is written (prose like "create an organization" is not SQL).
SQL_START = re.compile(r"\s*(SELECT|INSERT INTO|UPDATE|DELETE FROM|WITH|CREATE|ALTER|DROP|TRUNCATE)\s")
SERVICES = ("api_service", "render_service")


def sql_strings(path: Path) -> list[int]:
    """Lines of string literals (f-string parts included) that read as SQL statements."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_START.match(node.value)
    )


@pytest.mark.parametrize("service", SERVICES)
def test_sql_lives_only_in_adapters(service: str) -> None:
    outside = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / service).rglob("*.py"))
        if "adapters" not in path.relative_to(ROOT / service).parts
        for line in sql_strings(path)
    ]
    assert outside == []


def test_the_sql_check_sees_statements_and_not_prose(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        '"""Flushed in one UPDATE every few seconds."""\n'
        'q = "SELECT pg_advisory_xact_lock($1)"\n'
        'r = f"""\n  INSERT INTO t VALUES ({q})"""\n'
    )
    assert sql_strings(module) == [2, 3]


def test_use_cases_and_rules_know_nothing_of_http() -> None:
    """api_service/services/ and domain/ raise domain exceptions; only http/ maps them to codes."""
    layers = [
        ROOT / "api_service" / "services",
        ROOT / "api_service" / "domain",
        ROOT / "render_service" / "domain",
    ]
    violations = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for layer in layers
        for path in sorted(layer.rglob("*.py"))
        for line, name in sorted(imported_modules(path))
        if name.split(".")[0] == "aiohttp" or name.startswith("api_service.http")
    ]
    assert violations == []


def imported_modules(path: Path) -> set[tuple[int, str]]:
    """Full dotted names of absolute imports."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[tuple[int, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.lineno, node.module))
    return found
