"""What ships: the images hold the runtime packages and nothing of the dev tooling (`devtools/`:
the local stack and `make run`), the tests or the benchmarks. The wheel is built here the way the
Dockerfile's builder stage builds it (from exactly the sources that stage copies), and from a
whole checkout, as `pip install .` does."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NEVER_SHIPPED = {"devtools", "tests", "bench", "scripts", "deploy", "docs"}


def dockerfile_sources() -> set[str]:
    """Every source of the Dockerfile's plain COPY lines (`COPY a b ./`: all words but the last)."""
    copied: set[str] = set()
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            copied.update(word.rstrip("/") for word in line.split()[1:-1])
    return copied


def wheel_contents(context: Path, wheels: Path) -> tuple[list[str], set[str]]:
    """The file names in the project wheel built from `context`, and their top-level packages."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(context)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("label_export-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    return names, {name.split("/")[0] for name in names if "/" in name and ".dist-info/" not in name}


def test_the_image_build_copies_no_dev_tooling() -> None:
    copied = dockerfile_sources()
    assert {"pyproject.toml", "labelkit", "shared", "api_service", "render_service"} <= copied
    assert copied & NEVER_SHIPPED == set()
    allowed = {
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!") and "*" not in line
    }
    assert copied <= allowed, "the build context holds what the builder copies"
    assert allowed & NEVER_SHIPPED == set()


def test_the_image_wheel_holds_the_runtime_packages_only(tmp_path: Path) -> None:
    context = tmp_path / "context"
    for source in dockerfile_sources():
        path = ROOT / source
        if path.is_dir():
            shutil.copytree(path, context / source, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            context.mkdir(exist_ok=True)
            shutil.copy2(path, context / source)
    names, top_levels = wheel_contents(context, tmp_path / "wheels")
    assert top_levels == {"labelkit", "shared", "api_service", "render_service"}
    assert any(n.startswith("shared/db/migrations/") and n.endswith(".sql") for n in names)
    assert any(n.startswith("api_service/static/") for n in names), "the dashboard's page ships"


def test_the_project_wheel_holds_no_dev_tooling(tmp_path: Path) -> None:
    """`pip install .` from a checkout: every top-level package of the tree is offered to setuptools
    (devtools, tests and bench included), and only the runtime packages and the client ship."""
    context = tmp_path / "checkout"
    context.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, context / name)
    packages = sorted(p.parent.name for p in ROOT.glob("*/__init__.py"))
    assert {"devtools", "tests", "bench"} <= set(packages)
    for name in packages:
        shutil.copytree(
            ROOT / name, context / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules")
        )
    _, top_levels = wheel_contents(context, tmp_path / "wheels")
    assert top_levels == {"labelkit", "shared", "api_service", "render_service", "label_client"}
