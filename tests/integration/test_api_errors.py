"""Every error answers with the error envelope (docs/contract.md#errors) and says what is wrong."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from api_service.domain.api_keys import generate_api_key
from labelkit.ids import new_job_id
from tests.support.api import EXPORTS, Answer, Api, Tenant

VALID_BODY = {"scope": "lots", "export_type": "datamatrix", "file_format": "png"}


def assert_envelope(answer: Answer, status: int, code: str) -> dict[str, Any]:
    assert answer.status == status, answer.body
    assert answer.headers["Content-Type"].startswith("application/json")
    error = answer.body["error"]
    assert error["status"] == status and error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error  # type: ignore[no-any-return]


async def test_missing_key_is_401(session: aiohttp.ClientSession, api_url: str) -> None:
    error = assert_envelope(
        await Api(session, api_url, None).get(EXPORTS + new_job_id() + "/"), 401, "UNAUTHORIZED"
    )
    assert "X-API-Key" in error["message"]


@pytest.mark.parametrize("key", ["nonsense", "csb_" + "a" * 32 + "_00000000", generate_api_key()[:-1] + "x"])
async def test_malformed_key_is_401(session: aiohttp.ClientSession, api_url: str, key: str) -> None:
    error = assert_envelope(
        await Api(session, api_url, key).get(EXPORTS + new_job_id() + "/"), 401, "UNAUTHORIZED"
    )
    assert "malformed" in error["message"]


async def test_unknown_key_is_401(session: aiohttp.ClientSession, api_url: str) -> None:
    error = assert_envelope(
        await Api(session, api_url, generate_api_key()).get(EXPORTS + new_job_id() + "/"), 401, "UNAUTHORIZED"
    )
    assert "unknown" in error["message"]


async def test_malformed_job_id_is_422(session: aiohttp.ClientSession, api_url: str, tenant: Tenant) -> None:
    error = assert_envelope(
        await Api(session, api_url, tenant.api_key).get(EXPORTS + "not-a-job-id/"), 422, "VALIDATION_ERROR"
    )
    assert error["details"] == [{"field": "job_id", "message": "must be a 22-character shortuuid"}]


async def test_unknown_job_is_404(session: aiohttp.ClientSession, api_url: str, tenant: Tenant) -> None:
    assert_envelope(
        await Api(session, api_url, tenant.api_key).get(EXPORTS + new_job_id() + "/"), 404, "NOT_FOUND"
    )


async def test_other_organizations_job_is_404(
    session: aiohttp.ClientSession, api_url: str, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = Api(session, api_url, tenant.api_key)
    receipt = await mine.submit(VALID_BODY)
    assert receipt.status == 202
    poll = receipt.body["poll_url"]
    assert (await mine.get(poll)).status == 200
    theirs = Api(session, api_url, other_tenant.api_key)
    error = assert_envelope(await theirs.get(poll), 404, "NOT_FOUND")
    assert receipt.body["job_id"] not in error["message"]


async def test_unknown_body_field_is_422_naming_it(
    session: aiohttp.ClientSession, api_url: str, tenant: Tenant
) -> None:
    api = Api(session, api_url, tenant.api_key)
    error = assert_envelope(await api.submit({**VALID_BODY, "colour": "red"}), 422, "VALIDATION_ERROR")
    assert {"field": "colour", "message": "unknown field"} in error["details"]
    error = assert_envelope(
        await api.submit({**VALID_BODY, "filters": {"lot_idz": []}}), 422, "VALIDATION_ERROR"
    )
    assert {"field": "filters.lot_idz", "message": "unknown field"} in error["details"]


async def test_bad_pair_and_products_scope_are_422_naming_the_field(
    session: aiohttp.ClientSession, api_url: str, tenant: Tenant
) -> None:
    api = Api(session, api_url, tenant.api_key)
    error = assert_envelope(await api.submit({**VALID_BODY, "file_format": "eps"}), 422, "VALIDATION_ERROR")
    assert [d["field"] for d in error["details"]] == ["file_format"]
    error = assert_envelope(await api.submit({**VALID_BODY, "scope": "products"}), 422, "VALIDATION_ERROR")
    assert [d["field"] for d in error["details"]] == ["scope"]
    assert "reserved" in error["details"][0]["message"]


async def test_bad_gtin_check_digit_names_its_position(
    session: aiohttp.ClientSession, api_url: str, tenant: Tenant
) -> None:
    api = Api(session, api_url, tenant.api_key)
    body = {**VALID_BODY, "filters": {"gtins": ["09506000134352", "09506000134353"]}}
    error = assert_envelope(await api.submit(body), 422, "VALIDATION_ERROR")
    assert [d["field"] for d in error["details"]] == ["filters.gtins.1"]
    assert "check digit" in error["details"][0]["message"]


async def test_malformed_json_is_400(session: aiohttp.ClientSession, api_url: str, tenant: Tenant) -> None:
    api = Api(session, api_url, tenant.api_key)
    error = assert_envelope(await api.request("POST", EXPORTS, data=b'{"scope": '), 400, "BAD_REQUEST")
    assert "JSON" in error["message"]


async def test_unknown_route_and_method_use_the_envelope(
    session: aiohttp.ClientSession, api_url: str, tenant: Tenant
) -> None:
    api = Api(session, api_url, tenant.api_key)
    assert_envelope(await api.get("/products/api/v1/nothing-here/"), 404, "NOT_FOUND")
    assert_envelope(await api.get("/nothing-here"), 404, "NOT_FOUND")
    answer = await api.request("DELETE", EXPORTS)
    assert_envelope(answer, 405, "METHOD_NOT_ALLOWED")
    assert "POST" in answer.headers["Allow"]


async def test_catalog_validation_names_item_and_field(
    session: aiohttp.ClientSession, api_url: str, tenant: Tenant
) -> None:
    api = Api(session, api_url, tenant.api_key)
    product = await api.product("09506000134352")
    answer = await api.post(
        "/products/api/v1/lots/bulk/",
        {"product_id": product["id"], "lots": [{"lot_number": "OK1"}, {"lot_number": "bad lot"}]},
    )
    error = assert_envelope(answer, 422, "VALIDATION_ERROR")
    assert error["details"][0]["field"] == "lots.1.lot_number"
    assert "' '" in error["details"][0]["message"]
    answer = await api.post(
        "/products/api/v1/lots/bulk/", {"product_id": product["id"], "lots": [{"lot_number": "OK1"}]}
    )
    assert answer.status == 201
    answer = await api.post(
        "/products/api/v1/lots/bulk/", {"product_id": product["id"], "lots": [{"lot_number": "OK1"}]}
    )
    error = assert_envelope(answer, 409, "CONFLICT")
    assert "OK1" in error["message"]
