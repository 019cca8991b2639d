"""An organization with an API key of its own, made through the repositories: the one way every
harness (session fixtures, the fault rig) gets a tenant."""

from __future__ import annotations

import asyncpg

from api_service.adapters import api_keys_repo, catalog_repo
from tests.support.api import Tenant


async def make_tenant(
    db: asyncpg.Pool, name: str, *, per_minute: int = 100_000, per_day: int = 1_000_000
) -> Tenant:
    """Tests poll hard, so the key's limits are high; the defaults are exercised by their own test."""
    org = await catalog_repo.create_organization(db, name=name)
    key_id, key = await api_keys_repo.create_key(db, organization_id=org, name="tests")
    await api_keys_repo.set_rate_limits(db, key_id=key_id, per_minute=per_minute, per_day=per_day)
    return Tenant(organization_id=org, api_key=key, key_id=key_id)
