"""Catalog data of the fault tests: one lot of serials per `Catalog`, and what its labels encode."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from tests.support.api import Api

GTIN = "09506000134352"
EXPIRY = "2027-06-30"
EXPIRY_AI = "270630"


@dataclass
class Catalog:
    """Serials of one lot, in creation (= export) order."""

    lot_id: str
    lot_number: str
    ids: list[str]
    serials: list[str]

    def encoded(self, index: int) -> str:
        """What the DataMatrix of the index-th entity must decode to (GS1, FNC1 as GS)."""
        return f"01{GTIN}17{EXPIRY_AI}10{self.lot_number}\x1d21{self.serials[index]}"

    @property
    def body(self) -> dict[str, Any]:
        """An export of exactly these serials as DataMatrix PNGs."""
        return {
            "scope": "serials",
            "export_type": "datamatrix",
            "file_format": "png",
            "filters": {"lot_ids": [self.lot_id]},
        }


async def make_catalog(api: Api, count: int, lot_number: str | None = None) -> Catalog:
    products = await api.get("/products/api/v1/products/")
    existing = [p for p in products.body["data"] if p["gtin"] == GTIN]
    product = existing[0] if existing else await api.product(GTIN)
    lot_number = lot_number or f"L{uuid.uuid4().hex[:8].upper()}"
    lot = (await api.lots(product["id"], [{"lot_number": lot_number, "expiry_date": EXPIRY}]))["ids"][0]
    ids: list[str] = []
    serials: list[str] = []
    width = max(6, len(str(count)))
    while len(ids) < count:  # bulk create takes 100,000 at most
        n = min(count - len(ids), 100_000)
        answer = await api.post("/products/api/v1/serials/bulk/", {"lot_id": lot, "generate": {"count": n}})
        assert answer.status == 201, answer.body
        ids += answer.body["ids"]
    serials = [f"{n:0{width}d}" for n in range(1, count + 1)]
    return Catalog(lot_id=lot, lot_number=lot_number, ids=ids, serials=serials)
