"""The GraphQL endpoint as a client meets it: malformed requests get GraphQL errors and never a
500, GraphiQL, no redirect, read-your-writes, page bounds, and masked internal errors."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from app.bootstrap import Services, build_services
from app.settings import Settings
from tests.api_support import head, http_client, mutate, valid_input
from tests.conftest import GraphQLClient
from tests.domain_support import Organisation

MALFORMED = [
    pytest.param({"query": "{ employees(first: 2 { totalCount } }"}, "Syntax Error", id="syntax"),
    pytest.param({"query": "{ employeez { totalCount } }"}, "Cannot query", id="unknown-field"),
    pytest.param(
        {"query": "query($n: Int) { roles(consistentWith: $n) { id } }", "variables": {"n": 1.5}},
        "Variable '$n'",
        id="variable-type",
    ),
    pytest.param(
        {"query": "mutation { answerPulse(input: {employeeId: 1}) { __typename } }"},
        "score",
        id="missing-input-field",
    ),
    pytest.param({"query": "{ roles { id } } { roles { id } }"}, "anonymous", id="two-anonymous"),
    pytest.param({"query": "{ roles { nope } }"}, "nope", id="unknown-subfield"),
    pytest.param(
        {
            "query": "mutation($i: RecordProductivityReachedInput!) {"
            " recordProductivityReached(input: $i) { __typename } }",
            "variables": {"i": {"employeeId": "x", "reachedOn": "2024-13-45"}},
        },
        "Date",
        id="impossible-date",
    ),
    pytest.param({"query": "{ roles { id } }", "variables": "[]"}, "variables", id="variables"),
    pytest.param({"query": 42}, "query", id="query-not-a-string"),
    pytest.param(
        {"query": "query A { roles { id } }", "operationName": "B"}, "Unknown operation", id="op"
    ),
    pytest.param(
        {"query": "{ employee(id: 1) { " + "manager { " * 14 + "id" + " }" * 14 + " } }"},
        "maximum operation depth",
        id="too-deep",
    ),
]  # fmt: skip


@pytest.fixture
def in_memory(memory_settings: Settings) -> Iterator[Services]:
    """Request handling does not depend on the engine: these tests run in memory only."""
    built = build_services(memory_settings)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
async def http(in_memory: Services) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(in_memory) as client:
        yield client


def assert_graphql_error(response: httpx.Response, mentions: str) -> None:
    assert response.status_code < 500
    body = response.json()
    assert body.get("data") is None
    assert any(mentions in error["message"] for error in body["errors"]), body


@pytest.mark.parametrize(("body", "mentions"), MALFORMED)
async def test_malformed_graphql_gets_a_graphql_error_not_a_500(
    http: httpx.AsyncClient, body: dict[str, Any], mentions: str
) -> None:
    assert_graphql_error(await http.post("/graphql", json=body), mentions)


async def test_a_get_without_a_query_gets_a_graphql_error(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"accept": "application/json"})
    assert response.status_code == 400
    assert_graphql_error(response, "No GraphQL query")


async def test_a_body_that_is_not_json_gets_a_graphql_error(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert_graphql_error(response, "JSON")


async def test_a_mutation_over_get_is_refused_with_a_graphql_error(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get(
        "/graphql",
        params={"query": 'mutation { retireRole(input: {roleId: "x"}) { __typename } }'},
        headers={"accept": "application/json"},
    )
    assert 400 <= response.status_code < 500
    assert_graphql_error(response, "mutations are not allowed")


async def test_graphql_answers_at_its_path_without_a_redirect(
    http: httpx.AsyncClient, in_memory: Services
) -> None:
    Organisation(in_memory.app)
    response = await http.get(
        "/graphql",
        params={"query": "{ readModelStatus { lastEventPosition } }"},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json() == {
        "data": {"readModelStatus": {"lastEventPosition": in_memory.app.last_position()}}
    }


async def test_graphiql_is_served_to_a_browser(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


@pytest.mark.parametrize("first", [0, -1, 101])
@pytest.mark.parametrize("connection", ["employees", "modules"])
async def test_a_page_size_outside_1_to_100_is_bad_user_input_naming_first(
    http: httpx.AsyncClient, connection: str, first: int
) -> None:
    body = await GraphQLClient(http)(
        f"query($n: Int!) {{ {connection}(first: $n) {{ totalCount }} }}", n=first
    )
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}


async def test_read_model_status_shows_every_read_model_caught_up(
    gql: GraphQLClient, services: Services
) -> None:
    Organisation(services.app)
    await gql.data(
        "query($at: Int) { roles(consistentWith: $at) { id } }", at=services.app.last_position()
    )
    data = await gql.data(
        "{ readModelStatus { lastEventPosition upToDate readModels { name position } } }"
    )
    status = data["readModelStatus"]
    assert status["lastEventPosition"] == services.app.last_position()
    names = {m["name"] for m in status["readModels"]}
    assert {"employee_directory", "module_catalogue", "enrollments", "roles", "consents"} <= names
    assert status["upToDate"] is True
    assert {m["position"] for m in status["readModels"]} == {status["lastEventPosition"]}


# -- read-your-writes, with projections run by hand --------------------------------------


@pytest.fixture
def paused(any_settings: Settings) -> Iterator[Services]:
    """Services whose read models move only when the test calls ``runner.catch_up``."""
    built = build_services(
        dataclasses.replace(any_settings, consistency_timeout_seconds=5),
        start_projections=False,
    )
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
async def paused_gql(paused: Services) -> AsyncIterator[GraphQLClient]:
    async with http_client(paused) as http:
        yield GraphQLClient(http)


EMPLOYEE_AT = "query($id: ID!, $at: Int) { employee(id: $id, consistentWith: $at) { name } }"


async def test_consistent_with_waits_until_the_read_models_include_the_write(
    paused: Services, paused_gql: GraphQLClient
) -> None:
    org = Organisation(paused.app)
    paused.runner.catch_up()
    hired = await mutate(paused_gql, "hireEmployee", valid_input("hireEmployee", org))
    assert hired["position"] > paused.runner.position

    stale = await paused_gql.data(EMPLOYEE_AT, id=hired["employeeId"], at=None)
    assert stale["employee"] is None
    waiting = asyncio.create_task(
        paused_gql.data(EMPLOYEE_AT, id=hired["employeeId"], at=hired["position"])
    )
    await asyncio.to_thread(paused.runner.catch_up)
    fresh = await waiting

    assert fresh["employee"] == {"name": "Linus Torvalds"}


async def test_consistent_with_beyond_what_the_read_models_reach_in_time_is_bad_user_input(
    paused: Services, paused_gql: GraphQLClient
) -> None:
    paused.settings = dataclasses.replace(paused.settings, consistency_timeout_seconds=0.05)
    body = await paused_gql(
        "query($at: Int) { roles(consistentWith: $at) { id } }", at=await head(paused_gql) + 1
    )
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "consistentWith"}


async def test_a_negative_consistent_with_is_bad_user_input(http: httpx.AsyncClient) -> None:
    body = await GraphQLClient(http)("{ roles(consistentWith: -1) { id } }")
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "consistentWith"}


# -- internal errors ---------------------------------------------------------------------


async def test_an_internal_error_in_a_query_is_masked_with_a_reference_that_is_logged(
    gql: GraphQLClient,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(**_: Any) -> Any:
        raise RuntimeError("connection string with a secret")

    monkeypatch.setattr(services.directory, "page", broken)
    with caplog.at_level(logging.ERROR):
        body = await gql("{ employees(first: 5) { totalCount } }")

    [error] = body["errors"]
    assert "secret" not in str(body)
    reference = error["extensions"]["reference"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert reference in error["message"]
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert "connection string with a secret" in str(logged[0].exc_info[1])


async def test_an_internal_error_in_a_mutation_is_masked_and_writes_nothing(
    gql: GraphQLClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = Organisation(services.app)
    before = await head(gql)

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services.app, "answer_pulse", broken)
    body = await gql.as_employee(org.employee_id)(
        "mutation($id: ID!) { answerPulse(input: {employeeId: $id, score: 5}) { __typename } }",
        id=str(org.employee_id),
    )

    [error] = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "disk on fire" not in str(body)
    assert await head(gql) == before
