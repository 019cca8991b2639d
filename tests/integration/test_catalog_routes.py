"""Catalog routes (docs/contract.md#catalog): bulk creation, pagination, filters, activation, tenancy."""

from __future__ import annotations

from tests.support.api import Api, Tenant

BASE = "/products/api/v1"


async def test_product_gtin_is_normalized_and_unique(api: Api) -> None:
    product = await api.product("9506000134352", "Aspirin")  # GTIN-13 → 14 digits
    assert product["gtin"] == "09506000134352" and product["name"] == "Aspirin"
    again = await api.post(f"{BASE}/products/", {"gtin": "0950-6000-13435-2", "name": "dup"})
    assert again.status == 409 and "09506000134352" in again.body["error"]["message"]
    bad = await api.post(f"{BASE}/products/", {"gtin": "09506000134353", "name": "x"})
    assert bad.status == 422 and bad.body["error"]["details"][0]["field"] == "gtin"


async def test_bulk_lots_and_serials_then_list_with_pagination(api: Api) -> None:
    product = await api.product("09506000134352")
    lots = await api.lots(product["id"], [{"lot_number": f"L{n:02d}"} for n in range(30)])
    assert lots["created"] == 30 and len(lots["ids"]) == 30
    page = await api.get(f"{BASE}/lots/?product_id={product['id']}&page=2&page_size=10")
    assert page.status == 200
    assert [lot["lot_number"] for lot in page.body["data"]] == [f"L{n:02d}" for n in range(10, 20)]
    assert page.body["pagination"] == {
        "page": 2,
        "page_size": 10,
        "total_count": 30,
        "total_pages": 3,
        "has_next": True,
        "has_previous": True,
    }
    generated = await api.post(
        f"{BASE}/serials/bulk/", {"lot_id": lots["ids"][0], "generate": {"count": 5, "prefix": "SN"}}
    )
    assert generated.status == 201 and generated.body["created"] == 5
    listed = await api.get(f"{BASE}/serials/?lot_run_id={generated.body['lot_run_id']}")
    assert [s["serial_number"] for s in listed.body["data"]] == [f"SN{n:06d}" for n in range(1, 6)]
    more = await api.post(
        f"{BASE}/serials/bulk/", {"lot_id": lots["ids"][0], "generate": {"count": 2, "prefix": "SN"}}
    )
    assert more.status == 201  # continues after the existing ones instead of colliding


async def test_bulk_create_is_all_or_nothing_and_names_duplicates(api: Api) -> None:
    product = await api.product("09506000134352")
    lot = (await api.lots(product["id"], [{"lot_number": "L1"}]))["ids"][0]
    await api.serials(lot, ["A", "B"])
    answer = await api.post(f"{BASE}/serials/bulk/", {"lot_id": lot, "serial_numbers": ["C", "B", "D"]})
    assert answer.status == 409 and "'B'" in answer.body["error"]["message"]
    inside = await api.post(f"{BASE}/serials/bulk/", {"lot_id": lot, "serial_numbers": ["E", "E"]})
    assert inside.status == 409 and "'E'" in inside.body["error"]["message"]
    listed = await api.get(f"{BASE}/serials/?lot_id={lot}")
    assert [s["serial_number"] for s in listed.body["data"]] == ["A", "B"]  # nothing of the refused calls


async def test_page_size_is_bounded(api: Api) -> None:
    for bad in ("0", "101", "x"):
        answer = await api.get(f"{BASE}/products/?page_size={bad}")
        assert answer.status == 422 and answer.body["error"]["details"][0]["field"] == "page_size"
    unknown = await api.get(f"{BASE}/products/?colour=red")
    assert unknown.status == 422 and unknown.body["error"]["details"][0]["field"] == "colour"


async def test_patch_is_active(api: Api) -> None:
    product = await api.product("09506000134352")
    lot = (await api.lots(product["id"], [{"lot_number": "L1", "expiry_date": "2027-01-31"}]))["ids"][0]
    answer = await api.request("PATCH", f"{BASE}/lots/{lot}/", json={"is_active": False})
    assert (
        answer.status == 200
        and answer.body["is_active"] is False
        and answer.body["expiry_date"] == "2027-01-31"
    )


async def test_another_organization_sees_nothing(api: Api, api_url: str, other_tenant: Tenant) -> None:
    product = await api.product("09506000134352")
    lot = (await api.lots(product["id"], [{"lot_number": "L1"}]))["ids"][0]
    theirs = Api(api.session, api_url, other_tenant)
    assert (await theirs.get(f"{BASE}/lots/?product_id={product['id']}")).body["pagination"][
        "total_count"
    ] == 0
    assert (
        await theirs.post(f"{BASE}/lots/bulk/", {"product_id": product["id"], "lots": [{"lot_number": "X"}]})
    ).status == 404
    assert (
        await theirs.post(f"{BASE}/serials/bulk/", {"lot_id": lot, "serial_numbers": ["X"]})
    ).status == 404
    assert (await theirs.request("PATCH", f"{BASE}/lots/{lot}/", json={"is_active": False})).status == 404
