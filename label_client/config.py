"""Where the CLI finds the API: `--api-url`, then the environment, then `.run/demo.env`.

The API key is deliberately not a command-line option: arguments end up in shell history and in
every `ps` listing, the environment and a file do not.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ENV_FILE = Path(".run") / "demo.env"  # what `make run` writes


class ConfigError(ValueError):
    """The API URL or key is missing or unusable; the CLI reports it as a usage error."""


@dataclass(frozen=True, slots=True)
class Settings:
    api_url: str
    api_key: str
    source: str  # where they came from, for messages


def parse_env_file(text: str) -> dict[str, str]:
    """`KEY=value` lines as a shell would source them: comments, blanks, `export`, quotes. Pure.

    Only the simple forms `make run` and people write by hand are understood; a line that is not
    an assignment is ignored rather than fatal, since the file may hold settings for other tools.
    """
    values: dict[str, str] = {}
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.replace("_", "").isalnum() or key[0].isdigit():
            continue
        values[key] = _unquote(value.strip())
    return values


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    # An unquoted value ends at a comment that follows whitespace, as in a shell.
    hash_at = value.find(" #")
    return value[:hash_at].rstrip() if hash_at >= 0 else value


def resolve_settings(
    *,
    environ: Mapping[str, str],
    env_file: Path | None = None,
    api_url: str | None = None,
) -> Settings:
    """Each of API_URL and API_KEY from the first place that has it. Raises `ConfigError`."""
    explicit_file = env_file is not None
    path = env_file if env_file is not None else DEFAULT_ENV_FILE
    from_file: dict[str, str] = {}
    if path.is_file():
        try:
            from_file = parse_env_file(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from exc
    elif explicit_file:
        raise ConfigError(f"env file {path} does not exist")

    def pick(name: str, override: str | None) -> tuple[str, str]:
        if override:
            return override, "--api-url"
        if environ.get(name):
            return environ[name], "environment"
        if from_file.get(name):
            return from_file[name], str(path)
        raise ConfigError(
            f"{name} is not set: export it, or put {name}=... in {path} (`make run` writes one)"
        )

    url, url_source = pick("API_URL", api_url)
    key, key_source = pick("API_KEY", None)
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"API_URL must start with http:// or https:// (got {url!r} from {url_source})")
    source = url_source if url_source == key_source else f"{url_source} + {key_source}"
    return Settings(api_url=url.rstrip("/"), api_key=key, source=source)


def settings_from_env(*, env_file: Path | None = None, api_url: str | None = None) -> Settings:
    return resolve_settings(environ=os.environ, env_file=env_file, api_url=api_url)
