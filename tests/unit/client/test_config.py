"""Where the CLI finds API_URL and API_KEY: the env-file format and the order of sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from label_client.config import ConfigError, parse_env_file, resolve_settings

KEY = "csb_" + "a" * 32 + "_00000000"


def test_env_file_as_make_run_writes_it() -> None:
    assert parse_env_file(f"API_URL=http://127.0.0.1:8080\nAPI_KEY={KEY}\n") == {
        "API_URL": "http://127.0.0.1:8080",
        "API_KEY": KEY,
    }


def test_env_file_shell_forms() -> None:
    text = """
    # a comment
    export API_URL="http://h:1"
    API_KEY='k=v'
    EMPTY=
    TRAILING=value # comment after a space
    HASH=a#b
    not an assignment
    =novalue
    9BAD=x
    """
    assert parse_env_file(text) == {
        "API_URL": "http://h:1",
        "API_KEY": "k=v",
        "EMPTY": "",
        "TRAILING": "value",
        "HASH": "a#b",
    }


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    env_file = tmp_path / "demo.env"
    env_file.write_text(f"API_URL=http://file:1\nAPI_KEY={KEY}\n")
    settings = resolve_settings(environ={"API_URL": "http://env:2/"}, env_file=env_file)
    assert settings.api_url == "http://env:2"  # trailing slash dropped
    assert settings.api_key == KEY
    assert settings.source == f"environment + {env_file}"


def test_api_url_option_wins_over_everything(tmp_path: Path) -> None:
    settings = resolve_settings(environ={"API_URL": "http://env:2", "API_KEY": KEY}, api_url="https://cli:3")
    assert settings.api_url == "https://cli:3"


def test_default_file_is_read_relative_to_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".run").mkdir()
    (tmp_path / ".run" / "demo.env").write_text(f"API_URL=http://demo:8080\nAPI_KEY={KEY}\n")
    monkeypatch.chdir(tmp_path)
    assert resolve_settings(environ={}).api_url == "http://demo:8080"


def test_missing_key_names_the_variable_and_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"API_KEY is not set.*\.run/demo\.env"):
        resolve_settings(environ={"API_URL": "http://x"})


def test_explicit_env_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_settings(environ={}, env_file=tmp_path / "nope.env")


def test_url_must_be_http() -> None:
    with pytest.raises(ConfigError, match="http:// or https://"):
        resolve_settings(environ={"API_URL": "127.0.0.1:8080", "API_KEY": KEY})
