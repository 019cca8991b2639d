"""Where local state goes: `.run/` at the repository root (git-ignored), never the system's temp
dir, so a developer can read the logs of the last run and `git clean` removes everything."""

from __future__ import annotations

from pathlib import Path


def repo_root(start: Path | None = None) -> Path:
    """The nearest directory at or above `start` (default: the working directory) holding a
    pyproject.toml. The working directory rather than this file's location, because an installed
    (non-editable) package lives in site-packages, where `.run/` must not go."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "pyproject.toml").is_file():
            return candidate
    return here


def run_dir() -> Path:
    return repo_root() / ".run"


def default_data_dir(name: str = "default") -> Path:
    return run_dir() / "devstack" / name


def default_env_file() -> Path:
    return run_dir() / "stack.env"
