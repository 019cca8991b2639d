"""Resolves an export's filters into the snapshot's SQL over the catalog (docs/contract.md#filters).
Builds text and args only; `jobs_repo.plan_job` runs it.

Only fixed fragments go into the SQL text; every value is a bound parameter. Items come out in
entity order (`seq`), which is the order of labels in the artifact.
"""

from __future__ import annotations

import uuid
from typing import Any

from labelkit.export_spec import ExportSpec

# Per scope: the entity table alias, and the FROM clause that reaches product and lot.
_FROM = {
    "lots": (
        "l",
        """catalog.lots l JOIN catalog.products p ON p.id = l.product_id""",
        "NULL::text",
    ),
    "serials": (
        "s",
        """catalog.serials s JOIN catalog.lots l ON l.id = s.lot_id
           JOIN catalog.products p ON p.id = l.product_id""",
        "s.serial_number",
    ),
}


def snapshot_query(spec: ExportSpec, organization_id: uuid.UUID) -> tuple[str, list[Any]]:
    """SELECT entity_id, gtin, lot, expiry, serial, entity_seq of every matching active entity, in order."""
    alias, from_clause, serial = _FROM[spec.scope]
    args: list[Any] = [organization_id]
    where = [f"{alias}.organization_id = $1", "l.is_active"]
    if spec.scope == "serials":
        # A serial is exported only while it and its lot are both active.
        where.append("s.is_active")

    def bind(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    f = spec.filters
    if f.gtins is not None:
        where.append(f"p.gtin = ANY({bind(f.gtins)}::text[])")
    if f.product_id is not None:
        where.append(f"l.product_id = {bind(f.product_id)}")
    if f.lot_ids is not None:
        where.append(f"l.id = ANY({bind(f.lot_ids)}::uuid[])")
    if f.serial_ids is not None:
        where.append(f"s.id = ANY({bind(f.serial_ids)}::uuid[])")
    if f.lot_run_id is not None:
        where.append(f"{alias}.lot_run_id = {bind(f.lot_run_id)}")
    if f.expiry_from is not None:
        where.append(f"l.expiry_date >= {bind(f.expiry_from)}")
    if f.expiry_to is not None:
        where.append(f"l.expiry_date <= {bind(f.expiry_to)}")
    if f.never_printed:  # false means "no restriction", like leaving the filter out
        # History is written while a job renders; it counts once that job has completed.
        where.append(
            "NOT EXISTS (SELECT 1 FROM render.print_history h JOIN render.jobs j ON j.job_id = h.job_id"
            f" WHERE h.entity_id = {alias}.id AND j.status = 'completed')"
        )
    sql = (
        f"SELECT {alias}.id AS entity_id, p.gtin, l.lot_number AS lot, l.expiry_date AS expiry, "
        f"{serial} AS serial, {alias}.seq AS entity_seq FROM {from_clause}"
        f" WHERE {' AND '.join(where)} ORDER BY {alias}.seq"
    )
    return sql, args
