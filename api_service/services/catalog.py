"""Catalog use cases: bulk creation is all-or-nothing and refuses duplicates by name
(docs/contract.md#catalog)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg

from api_service.adapters import catalog_repo
from api_service.domain.catalog import LotsBulkIn, SerialsBulkIn, duplicates, generated_serials
from api_service.domain.errors import Conflict, InvalidRequest, NotFound
from labelkit.field_errors import FieldError


@dataclass(frozen=True, slots=True)
class BulkResult:
    lot_run_id: uuid.UUID
    ids: list[uuid.UUID]


def _conflict(what: str, values: list[str]) -> Conflict:
    shown = ", ".join(repr(v) for v in values[:20]) + (" …" if len(values) > 20 else "")
    return Conflict(f"duplicate {what}: {shown}", details=[{"field": what, "duplicates": values[:1000]}])


async def create_lots(*, pool: asyncpg.Pool, organization_id: uuid.UUID, body: LotsBulkIn) -> BulkResult:
    numbers = [lot.lot_number for lot in body.lots]
    if dup := duplicates(numbers):
        raise _conflict("lot_number", dup)
    async with pool.acquire() as conn, conn.transaction():
        if not await catalog_repo.product_exists(
            conn, organization_id=organization_id, product_id=body.product_id
        ):
            raise NotFound("product")
        # Serialize bulk creates on one product so the duplicate check below cannot race.
        await catalog_repo.lock_lots_of_product(conn, product_id=body.product_id)
        if taken := await catalog_repo.existing_lot_numbers(
            conn, product_id=body.product_id, lot_numbers=numbers
        ):
            raise _conflict("lot_number", taken)
        run_id = await catalog_repo.create_run(
            conn, organization_id=organization_id, kind="lots", count=len(numbers)
        )
        ids = await catalog_repo.insert_lots(
            conn,
            organization_id=organization_id,
            product_id=body.product_id,
            run_id=run_id,
            lots=[(lot.lot_number, lot.expiry_date) for lot in body.lots],
        )
    return BulkResult(lot_run_id=run_id, ids=ids)


async def create_serials(
    *, pool: asyncpg.Pool, organization_id: uuid.UUID, body: SerialsBulkIn
) -> BulkResult:
    async with pool.acquire() as conn, conn.transaction():
        if not await catalog_repo.lot_exists(conn, organization_id=organization_id, lot_id=body.lot_id):
            raise NotFound("lot")
        await catalog_repo.lock_serials_of_lot(conn, lot_id=body.lot_id)
        if body.generate is not None:
            start = await catalog_repo.count_serials(conn, lot_id=body.lot_id) + 1
            try:
                serials = generated_serials(
                    prefix=body.generate.prefix, start=start, count=body.generate.count
                )
            except ValueError as exc:
                raise InvalidRequest([FieldError("generate.prefix", str(exc))], str(exc)) from None
        else:
            serials = list(body.serial_numbers or ())
            if dup := duplicates(serials):
                raise _conflict("serial_number", dup)
        if taken := await catalog_repo.existing_serial_numbers(conn, lot_id=body.lot_id, serials=serials):
            raise _conflict("serial_number", taken)
        run_id = await catalog_repo.create_run(
            conn, organization_id=organization_id, kind="serials", count=len(serials)
        )
        ids = await catalog_repo.insert_serials(
            conn, organization_id=organization_id, lot_id=body.lot_id, run_id=run_id, serials=serials
        )
    return BulkResult(lot_run_id=run_id, ids=ids)
