"""The OpenAPI document describes every route, validates as OpenAPI 3.1, and a schema-driven fuzzer
(schemathesis) finds no answer that breaks it and no input that causes a 500."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api_service.app import create_app
from api_service.http.openapi import OPENAPI_PATH, openapi_document
from tests.support.api import Api, Tenant

FUZZ_EXAMPLES = 25  # per operation and mode: bounded so the suite stays fast
FUZZ_SEED = 20261129
HUGE_EXAMPLES = 8  # per operation with a JSON body
# Beyond every documented maximum, up to 2 MB (the body limit is 16 MB, so the fields are judged).
HUGE_LENGTHS = (257, 65_537, 1_100_000, 2_000_000)


def test_document_is_valid_openapi_31() -> None:
    document = openapi_document()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_route_is_documented() -> None:
    documented = {
        (method.upper(), path) for path, ops in openapi_document()["paths"].items() for method in ops
    }
    app = create_app()
    registered = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith("/products/api/v1/")
        and route.method != "HEAD"
        and route.resource.canonical != OPENAPI_PATH
    }
    assert registered == documented


async def test_served_document_is_public_and_equal(api_url: str) -> None:
    async with aiohttp.ClientSession() as session, session.get(api_url + OPENAPI_PATH) as resp:
        assert resp.status == 200
        assert await resp.json() == openapi_document()


@pytest.fixture
async def catalog(api_url: str, tenant: Tenant) -> AsyncIterator[dict[str, Any]]:
    async with aiohttp.ClientSession() as session:
        api = Api(session, api_url, tenant)
        product = await api.product("09506000134352")
        lots = await api.lots(product["id"], [{"lot_number": "F1"}])
        yield {"product_id": product["id"], "lot_id": lots["ids"][0]}


def _fuzz_check(strategy: Any, mode: GenerationMode, base_url: str, api_key: str) -> Any:
    """One hypothesis test over an operation's generated requests (bound here, not in a loop)."""

    @given(case=strategy)
    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.generate],
    )
    @hypothesis.seed(FUZZ_SEED)
    def check(case: Any) -> None:
        headers = {"X-API-Key": api_key}
        response = case.call(base_url=base_url, headers=headers, timeout=10)
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"
        if mode is GenerationMode.POSITIVE:
            # Rules across fields (format fits type, `products` scope reserved,
            # docs/contract.md#export-request) are not JSON Schema: a schema-valid body may rightly get 422.
            case.validate_response(response, headers=headers, excluded_checks=[positive_data_acceptance])

    return check


def _fuzz(base_url: str, api_key: str) -> list[str]:
    schema = schemathesis.openapi.from_dict(openapi_document())
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            check = _fuzz_check(operation.as_strategy(generation_mode=mode), mode, base_url, api_key)
            try:
                check()
            except Exception as exc:
                failures.append(f"{operation.label} [{mode.value}]: {exc}"[:2000])
    return failures


def _string_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _string_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _string_paths(v, (*path, i))]
    return []


def _replaced(value: Any, path: tuple[Any, ...], new: str) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    return [_replaced(v, rest, new) if i == head else v for i, v in enumerate(value)]


def _huge_check(strategy: Any, base_url: str, api_key: str, sent: list[int]) -> Any:
    """Schema-valid bodies with one string (picked by hypothesis) swapped for a huge one."""

    @given(case=strategy, data=hypothesis.strategies.data())
    @settings(
        max_examples=HUGE_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.generate],
    )
    @hypothesis.seed(FUZZ_SEED)
    def check(case: Any, data: Any) -> None:
        paths = _string_paths(case.body)
        if paths:
            path = data.draw(hypothesis.strategies.sampled_from(paths))
            length = data.draw(hypothesis.strategies.sampled_from(HUGE_LENGTHS))
            filler = data.draw(hypothesis.strategies.sampled_from(["a", "\x00", "9", "é"]))
            case.body = _replaced(case.body, path, "https://example.com/" + filler * length)
            sent.append(length)
        response = case.call(base_url=base_url, headers={"X-API-Key": api_key}, timeout=30)
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"

    return check


def _fuzz_huge(base_url: str, api_key: str, sent: list[int]) -> list[str]:
    schema = schemathesis.openapi.from_dict(openapi_document())
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.body is None or not len(operation.body):
            continue
        strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
        check = _huge_check(strategy, base_url, api_key, sent)
        try:
            check()
        except Exception as exc:
            failures.append(f"{operation.label} [huge strings]: {exc}"[:2000])
    return failures


async def test_strings_up_to_2_mb_cause_no_500(api_url: str, tenant: Tenant, catalog: dict[str, Any]) -> None:
    sent: list[int] = []
    failures = await asyncio.to_thread(_fuzz_huge, api_url, tenant.api_key, sent)
    assert not failures, "\n\n".join(failures)
    assert max(sent) >= 2_000_000 and len(sent) >= 20, sent  # the huge strings were really sent


async def test_fuzzing_finds_no_500_and_no_answer_outside_the_document(
    api_url: str, tenant: Tenant, catalog: dict[str, Any]
) -> None:
    # The fuzzer is synchronous; it runs in a thread so this loop keeps serving the API it calls.
    failures = await asyncio.to_thread(_fuzz, api_url, tenant.api_key)
    assert not failures, "\n\n".join(failures)
