"""The snapshot's SQL over the catalog (docs/contract.md#filters): the export selection of
shared/db/selection.py, one definition with the API's count at submit, in entity order. Builds
text and args only; `jobs_repo.plan_job` runs it."""

from __future__ import annotations

import uuid
from typing import Any

from labelkit.export_spec import ExportSpec
from shared.db.selection import selection_query


def snapshot_query(spec: ExportSpec, organization_id: uuid.UUID) -> tuple[str, list[Any]]:
    """SELECT entity_id, gtin, lot, expiry, serial, entity_seq of every matching active entity, in order."""
    return selection_query(spec, organization_id)
