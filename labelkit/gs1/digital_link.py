"""GS1 Digital Link URI: `{base}/01/{gtin}/10/{lot}/21/{serial}?17={YYMMDD}`."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from .element_string import GS1Data
from .errors import GS1ValidationError

DEFAULT_DIGITAL_LINK_BASE = "https://id.gs1.org"


def normalize_base(base: str, *, field: str = "digital_link_base") -> str:
    """Check `base` is an absolute http(s) URI stem without query or fragment; drop a trailing slash."""
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise GS1ValidationError(field, f"{base!r} is not an absolute http(s) URI")
    if parts.query or parts.fragment or "?" in base or "#" in base:
        raise GS1ValidationError(field, f"{base!r} must not have a query or fragment")
    if any(ch.isspace() or ord(ch) < 0x21 or ord(ch) > 0x7E for ch in base):
        raise GS1ValidationError(field, f"{base!r} must be printable ASCII without spaces")
    return base.rstrip("/")


def _segment(value: str) -> str:
    # GS1 Digital Link: every character outside RFC 3986 "unreserved" is percent-encoded in a
    # path segment, including sub-delims such as '!', '(', '+' that RFC 3986 alone would allow.
    return quote(value, safe="")


def digital_link_uri(data: GS1Data, base: str = DEFAULT_DIGITAL_LINK_BASE) -> str:
    """The Digital Link URI of `data`; lot, serial and expiry appear only when present.

    Path order follows the GS1 DL qualifier path for AI 01 (`/10/` before `/21/`); the expiry
    date is a data attribute, so it goes in the query string.
    """
    parts = [normalize_base(base), "/01/", data.gtin]
    if data.lot is not None:
        parts += ["/10/", _segment(data.lot)]
    if data.serial is not None:
        parts += ["/21/", _segment(data.serial)]
    if data.expiry is not None:
        parts += ["?17=", data.expiry]
    return "".join(parts)
