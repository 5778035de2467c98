"""One error vocabulary: every error Skillpath answers, from the HTTP layer, the parser, the
validation rules, variable coercion or a resolver, carries an ``extensions.code`` from
``ResponseErrorCode``, and docs/graphql.md documents each code."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.bootstrap import build_services
from app.main import create_app
from app.schema.error_codes import ResponseErrorCode
from app.settings import Settings
from tests.conftest import auth_headers
from tests.domain_support import Organisation

DOCS = Path(__file__).resolve().parent.parent / "docs" / "graphql.md"
SETTINGS = Settings(persistence="memory", seed_if_empty=False, introspection=False)
DEEP = "{ employees { edges { node " + "{ manager " * 12 + "{ id }" + " }" * 12 + " } } }"

#: (what is sent, the code it must get)
BAD_OPERATIONS: list[tuple[dict[str, Any], str]] = [
    ({"query": "{ employees(first: 1) { edges "}, "GRAPHQL_PARSE_FAILED"),
    ({"query": "{ nope }"}, "GRAPHQL_VALIDATION_FAILED"),
    ({"query": '{ employees(first: "x") { totalCount } }'}, "GRAPHQL_VALIDATION_FAILED"),
    ({"query": "{ employees(bogus: 1) { totalCount } }"}, "GRAPHQL_VALIDATION_FAILED"),
    ({"query": "{ employees }"}, "GRAPHQL_VALIDATION_FAILED"),
    ({"query": "{ enrollments(status: FOO) { id } }"}, "GRAPHQL_VALIDATION_FAILED"),
    ({"query": "query($n: Int!) { __typename }", "variables": {"n": 1}},
     "GRAPHQL_VALIDATION_FAILED"),  # an unused variable
    ({"query": "query($n: Int!) { employees(first: $n) { totalCount } }",
      "variables": {"n": "x"}}, "BAD_USER_INPUT"),
    ({"query": "query($n: Int!) { employees(first: $n) { totalCount } }"}, "BAD_USER_INPUT"),
    ({"query": "{ employees(first: 0) { totalCount } }"}, "BAD_USER_INPUT"),
    ({"query": DEEP}, "QUERY_TOO_DEEP"),
    ({"query": "{ " + " ".join(f"a{i}: __typename" for i in range(60)) + " }"},
     "TOO_MANY_ALIASES"),
    ({"query": "{ " + " __typename" * 5_100 + " }"}, "TOO_MANY_TOKENS"),
    ({"query": "{ __schema { queryType { name } } }"}, "INTROSPECTION_DISABLED"),
    ({"query": "query A { __typename }", "operationName": "B"},
     "OPERATION_RESOLUTION_FAILURE"),
    ({"variables": {}}, "BAD_REQUEST"),
    ({"query": 5}, "BAD_REQUEST"),
    ({"query": "{ __typename }", "variables": [1]}, "BAD_REQUEST"),
]  # fmt: skip


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    services = build_services(SETTINGS)
    Organisation(services.app)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(SETTINGS, services)),
        base_url="http://t", headers=auth_headers(services),
    )  # fmt: skip
    try:
        yield client
    finally:
        await client.aclose()
        services.close()


def _codes(response: httpx.Response) -> list[str]:
    body = response.json()
    return [(error.get("extensions") or {}).get("code") for error in body["errors"]]


async def test_every_schema_validation_and_request_error_carries_its_code(
    http: httpx.AsyncClient,
) -> None:
    known = {code.value for code in ResponseErrorCode}
    for sent, expected in BAD_OPERATIONS:
        response = await http.post("/graphql", json=sent)
        codes = _codes(response)
        assert codes and all(code in known for code in codes), (sent, response.text)
        assert codes[0] == expected, (str(sent)[:80], response.text[:300])


async def test_requests_refused_before_graphql_runs_are_coded_bad_request(
    http: httpx.AsyncClient,
) -> None:
    refused = [
        await http.get("/graphql", params={"query": "mutation { __typename }"}),
        await http.post(
            "/graphql", content=b"{not json", headers={"content-type": "application/json"}
        ),
        await http.post("/graphql", content=b"query", headers={"content-type": "text/plain"}),
    ]
    for response in refused:
        assert response.status_code == 400 and _codes(response) == ["BAD_REQUEST"], response.text


async def test_a_code_a_resolver_set_is_kept_with_its_field(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", json={"query": '{ history(streamId: "x") { edges { cursor } } }'}
    )
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "streamId"}


def test_docs_describe_every_code_and_no_other() -> None:
    section = DOCS.read_text().split("## Error codes", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z_0-9]+)` \|", section, re.MULTILINE))
    assert documented == {code.value for code in ResponseErrorCode}
