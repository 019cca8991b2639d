"""Job identifiers: 22-character shortuuids (docs/contract.md#status-and-polling)."""

from __future__ import annotations

import re

import shortuuid

JOB_ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# Matched whole with fullmatch: `$` would also match before a trailing newline ("…2A\n").
_JOB_ID_RE = re.compile(f"[{JOB_ID_ALPHABET}]{{22}}")
_generator = shortuuid.ShortUUID(alphabet=JOB_ID_ALPHABET)


def new_job_id() -> str:
    return str(_generator.uuid())


def is_valid_job_id(value: str) -> bool:
    return _JOB_ID_RE.fullmatch(value) is not None
