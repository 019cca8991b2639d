"""Every setting of both services is documented in the README's table, and a wrong value stops a
service at start-up with a message naming the setting."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from api_service.settings import ApiSettings
from render_service.settings import RenderSettings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def documented() -> set[str]:
    table = README[README.index("## Configuration") :]
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))


@pytest.mark.parametrize("settings", [ApiSettings, RenderSettings])
def test_every_setting_is_in_the_readme_table(settings: type[ApiSettings] | type[RenderSettings]) -> None:
    missing = sorted(name.upper() for name in settings.model_fields if name.upper() not in documented())
    assert not missing, f"settings missing from the README configuration table: {missing}"


@pytest.mark.parametrize(
    ("module", "variable", "value"),
    [("api_service", "API_PORT", "eighty"), ("render_service", "RENDER_CHUNK_SIZE", "0")],
)
def test_a_wrong_value_fails_fast_naming_the_setting(module: str, variable: str, value: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", module],
        env={"PATH": "/usr/bin:/bin", variable: value},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert variable.lower() in result.stderr
