"""Automatic persisted queries: a known hash runs its query, an unknown one gets the
standard answer on which clients send the text, and a hash must match its query."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from app.bootstrap import Services, build_services
from app.settings import Settings
from tests.api_support import http_client

QUERY = "{ __typename }"
HASH = hashlib.sha256(QUERY.encode()).hexdigest()


@pytest.fixture
def in_memory(memory_settings: Settings) -> Iterator[Services]:
    built = build_services(memory_settings)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
async def http(in_memory: Services) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(in_memory) as client:
        yield client


def persisted(digest: str = HASH, version: int = 1) -> dict[str, object]:
    return {"persistedQuery": {"version": version, "sha256Hash": digest}}


async def test_an_unknown_hash_gets_persisted_query_not_found(http: httpx.AsyncClient) -> None:
    answer = await http.post("/graphql", json={"extensions": persisted()})
    assert answer.status_code == 200
    error = answer.json()["errors"][0]
    assert error["message"] == "PersistedQueryNotFound"
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_query_sent_with_its_hash_runs_later_from_the_hash_alone(
    http: httpx.AsyncClient,
) -> None:
    first = await http.post("/graphql", json={"query": QUERY, "extensions": persisted()})
    assert first.json() == {"data": {"__typename": "Query"}}
    again = await http.post("/graphql", json={"extensions": persisted()})
    assert again.json() == {"data": {"__typename": "Query"}}


async def test_a_hash_sent_over_get_runs_its_stored_query(http: httpx.AsyncClient) -> None:
    await http.post("/graphql", json={"query": QUERY, "extensions": persisted()})
    answer = await http.get("/graphql", params={"extensions": json.dumps(persisted())})
    assert answer.json() == {"data": {"__typename": "Query"}}


async def test_a_hash_that_does_not_match_its_query_is_refused(http: httpx.AsyncClient) -> None:
    wrong = hashlib.sha256(b"{ other }").hexdigest()
    answer = await http.post("/graphql", json={"query": QUERY, "extensions": persisted(wrong)})
    assert answer.status_code == 400
    assert "does not match" in answer.json()["errors"][0]["message"]
    unknown = await http.post("/graphql", json={"extensions": persisted(wrong)})
    assert unknown.json()["errors"][0]["message"] == "PersistedQueryNotFound"


@pytest.mark.parametrize(
    ("extensions", "field"),
    [
        (persisted(version=2), "version 1"),
        (persisted("xyz"), "sha256Hash"),
        ({"persistedQuery": "abc"}, "version 1"),
    ],
)
async def test_a_malformed_persisted_query_is_a_bad_request(
    http: httpx.AsyncClient, extensions: dict[str, object], field: str
) -> None:
    answer = await http.post("/graphql", json={"extensions": extensions})
    assert answer.status_code == 400
    error = answer.json()["errors"][0]
    assert field in error["message"] and error["extensions"]["code"] == "BAD_REQUEST"
