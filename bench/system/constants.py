"""Names shared by the system benchmark's modules."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXPORTS = "/products/api/v1/labels/export/"
GTIN = "09506000134352"
EXPIRY = dt.date(2027, 6, 30)
RUN = secrets.token_hex(3)
MB = 2**20
REPEAT_UP_TO = 200_000  # jobs up to this size run --job-repeats times (median kept)
