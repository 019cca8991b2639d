"""pydantic validation errors as (dotted field path, readable message): the one formatter behind
the API's 422 `details`, failed-request reasons and DLQ reasons."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from labelkit.gs1 import GS1ValidationError


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str  # dotted path, e.g. "filters.gtins.2"
    message: str


def field_errors(exc: ValidationError) -> list[FieldError]:
    """pydantic errors as dotted field paths with readable messages, one per field."""
    out: list[FieldError] = []
    seen: set[str] = set()
    for err in exc.errors(include_url=False):
        # Union members show up in `loc` as tags like "literal['a','b']" or "dict[str,any]": not fields.
        path = ".".join(str(p) for p in err["loc"] if not (isinstance(p, str) and "[" in p)) or "body"
        if path in seen:
            continue  # one message per field: the first member's is enough
        seen.add(path)
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "missing":
            message = "field required"
        elif err["type"] == "value_error":
            cause = err.get("ctx", {}).get("error")
            message = cause.reason if isinstance(cause, GS1ValidationError) else str(cause or message)
        out.append(FieldError(path, message))
    return out


def describe(exc: ValidationError, *, limit: int = 5) -> str:
    """The first few problems on one line, e.g. for a failed job's error or a DLQ reason."""
    return "; ".join(f"{e.field}: {e.message}" for e in field_errors(exc)[:limit])
