"""Clean answers to bad requests and bounded cost: a body that is too large or not UTF-8
gets a JSON 400, a naive DateTime is read as UTC, introspection is a setting (off in
production), an operation over the cost limit is refused before it runs, a token over its
rate gets a 429, a request over its time a 503; nothing is written, and the next request
is served."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest

from app.bootstrap import Services, build_services
from app.main import create_app
from app.schema import build_schema
from app.schema.cost import operation_cost
from app.settings import Settings
from tests.conftest import auth_headers
from tests.domain_support import Organisation

BASE = Settings(persistence="memory", seed_if_empty=False)
NESTED = "edges { node { id name enrollments { id module { title } } skills { skill } } }"
#: The operation that took 29 s and 300 MB before the cost limit.
WIDE = "{ " + " ".join(f"a{i}: employees(first: 100) {{ {NESTED} }}" for i in range(49)) + " }"

Client = Callable[..., Any]


@pytest.fixture
async def client() -> AsyncIterator[Callable[[Settings], Any]]:
    opened: list[tuple[Services, httpx.AsyncClient]] = []

    async def open_with(settings: Settings) -> tuple[Services, httpx.AsyncClient]:
        services = build_services(settings)
        Organisation(services.app)
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(settings, services)),
            base_url="http://t", headers=auth_headers(services),
        )  # fmt: skip
        opened.append((services, http))
        return services, http

    yield open_with
    for services, http in opened:
        await http.aclose()
        services.close()


def _code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


async def test_a_body_that_is_not_utf8_gets_a_json_400_and_the_next_request_is_served(
    client: Any,
) -> None:
    _, http = await client(BASE)
    response = await http.post(
        "/graphql", content=b'{"query": "{ __typename \xff\xfe }"}',
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 400 and _code(response) == "BODY_NOT_UTF8"
    assert (await http.post("/graphql", json={"query": "{ __typename }"})).status_code == 200


async def test_a_body_over_the_limit_gets_a_json_400_announced_or_not(client: Any) -> None:
    services, http = await client(replace(BASE, max_body_bytes=10_000))
    head = services.app.last_position()
    big = {"query": "mutation { __typename }", "variables": {"x": "y" * 20_000}}
    announced = await http.post("/graphql", json=big)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(30):
            yield b" " * 1_000

    streamed = await http.post("/graphql", content=chunks(),
                               headers={"Content-Type": "application/json"})  # fmt: skip
    for response in (announced, streamed):
        assert response.status_code == 400 and _code(response) == "BODY_TOO_LARGE"
    assert services.app.last_position() == head


async def test_a_datetime_without_a_time_zone_is_read_as_utc(client: Any) -> None:
    services, http = await client(BASE)
    org = Organisation(services.app, tag="2")
    as_of = await http.post("/graphql", json={"query": "query($id: ID!) { employeeAsOf(id: $id,"
                            ' at: "1900-01-01T00:00:00") { __typename } }',
                            "variables": {"id": str(org.employee_id)}})  # fmt: skip
    log = await http.post(
        "/graphql",
        json={
            "query": '{ eventLog(from: "1900-01-01T00:00:00",'
            " first: 1) { pageInfo { hasNextPage } } }"
        },
    )
    for response in (as_of, log):
        body = response.json()
        assert "errors" not in body, body


async def test_introspection_is_off_by_default_in_production_and_a_setting() -> None:
    production = Settings.from_env({
        "SKILLPATH_PERSISTENCE": "postgres", "SKILLPATH_MASTER_KEY": "x" * 44,
        "SKILLPATH_JWT_SECRET": "s" * 32,
    })  # fmt: skip
    assert production.introspection is False
    assert Settings.from_env({}).introspection is True
    closed = await build_schema(introspection=False).execute("{ __schema { queryType { name } } }")
    opened = await build_schema().execute("{ __schema { queryType { name } } }")
    assert closed.errors and "introspection" in closed.errors[0].message.lower()
    assert opened.errors is None


def test_the_cost_multiplies_page_sizes_through_nested_lists() -> None:
    schema = build_schema()._schema
    from graphql import parse

    def cost(document: str, **variables: Any) -> int:
        return operation_cost(schema, parse(document), variables, None, 10**9)

    assert cost("{ employees(first: 50) { edges { node { id name } } } }") == 1 + 50 + 50
    assert cost("query($n: Int!) { employees(first: $n) { edges { node { id } } } }", n=10) == 21
    assert cost("{ employees(first: 5000) { edges { node { id } } } }") == 1 + 100 + 100
    wide = cost(WIDE)
    assert wide == 49 * (1 + 100 + 100 + 100 * 20 * 2 + 100 * 20)


async def test_the_49_alias_query_gets_a_cost_error_and_a_page_of_50_is_served(
    client: Any,
) -> None:
    _, http = await client(BASE)
    refused = await http.post("/graphql", json={"query": WIDE})
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["limit"] == BASE.max_query_cost
    assert refused.json()["data"] is None
    page = await http.post(
        "/graphql",
        json={"query": "{ employees(first: 50) { edges { node { id name role { title } } } } }"},
    )
    assert "errors" not in page.json()


async def test_a_token_over_its_rate_gets_a_429_with_retry_after(client: Any) -> None:
    _, http = await client(replace(BASE, rate_limit_per_minute=3))
    answers = [await http.post("/graphql", json={"query": "{ __typename }"}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert _code(answers[-1]) == "RATE_LIMITED"
    assert int(answers[-1].headers["Retry-After"]) >= 1


async def test_a_request_over_its_time_limit_is_answered_with_a_timeout(client: Any) -> None:
    _, http = await client(replace(BASE, request_timeout_seconds=1e-9))
    response = await http.post("/graphql", json={"query": "{ employees { totalCount } }"})
    assert response.status_code == 503 and _code(response) == "TIMEOUT"


async def test_a_subscription_over_the_cost_limit_gets_the_cost_error_and_no_data() -> None:
    from app.aggregates import Actor
    from app.schema.context import Context

    services = build_services(BASE)
    try:
        context = Context(services=services, actor=Actor("admin@skillpath", "admin"))
        stream: Any = await build_schema(max_cost=5).subscribe(
            "subscription { kpiUpdated { groups { __typename } } }", context_value=context
        )
        first = await anext(stream)
        await stream.aclose()
    finally:
        services.close()
    assert first.data is None
    assert first.errors[0].extensions["code"] == "QUERY_TOO_COSTLY"
