"""API keys (docs/contract.md#api-keys): `csb_<32 alphanumerics>_<8 lowercase hex>`.

The suffix is the CRC-32 of the 32-character body, so a mistyped or truncated key is refused
without a database round trip. Keys are stored only as SHA-256 of the whole key.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
import zlib

_ALPHANUMERICS = string.ascii_letters + string.digits
_KEY_RE = re.compile(r"csb_([A-Za-z0-9]{32})_([0-9a-f]{8})")  # fullmatch: no trailing newline
PREFIX_LEN = 12  # "csb_" + 8 body characters: enough to tell keys apart in listings


def _checksum(body: str) -> str:
    return f"{zlib.crc32(body.encode('ascii')):08x}"


def generate_api_key() -> str:
    body = "".join(secrets.choice(_ALPHANUMERICS) for _ in range(32))
    return f"csb_{body}_{_checksum(body)}"


def is_well_formed(key: str) -> bool:
    match = _KEY_RE.fullmatch(key)
    return bool(match) and _checksum(match.group(1)) == match.group(2)  # type: ignore[union-attr]


def key_digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("ascii")).digest()


def display_prefix(key: str) -> str:
    return key[:PREFIX_LEN]
