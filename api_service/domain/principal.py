"""Who is calling: the API key's organization and limits. Every query is scoped by `organization_id`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: uuid.UUID
    organization_id: uuid.UUID
    rate_limit_per_minute: int
    rate_limit_per_day: int
