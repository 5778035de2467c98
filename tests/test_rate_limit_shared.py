"""The per-token rate limit is one limit across API workers: with Redis configured, two app
instances (two workers' guards) count one token's requests in one Redis window; without
Redis, or while Redis does not answer, each worker counts its own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
import redis

from app.bootstrap import Services, build_services
from app.main import create_app
from app.settings import Settings
from tests.conftest import auth_headers
from tests.domain_support import Organisation

REDIS_URL = "redis://127.0.0.1:6379/0"
QUERY = {"query": "{ __typename }"}


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own, and its keys removed afterwards."""
    name = f"test-rate-{uuid.uuid4().hex[:12]}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(f"{name}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


BASE = Settings(persistence="memory", seed_if_empty=False, rate_limit_per_minute=3)


@pytest.fixture
async def workers() -> AsyncIterator[Any]:
    """Two API workers over one event store, each with its own guard, as uvicorn's
    ``--workers 2`` or compose's api-1 and api-2 run them."""
    opened: list[httpx.AsyncClient] = []
    built: list[Services] = []

    async def two(
        **changes: Any,
    ) -> tuple[httpx.AsyncClient, httpx.AsyncClient, Services]:  # fmt: skip
        settings = replace(BASE, **changes)
        services = build_services(settings)
        built.append(services)
        Organisation(services.app)
        clients = []
        for _ in range(2):
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=create_app(settings, services)),
                base_url="http://t", headers=auth_headers(services),
            )  # fmt: skip
            opened.append(client)
            clients.append(client)
        return clients[0], clients[1], services

    yield two
    for client in opened:
        await client.aclose()
    for services in built:
        services.close()


async def _alternate(a: httpx.AsyncClient, b: httpx.AsyncClient, n: int) -> list[int]:
    return [(await (a if i % 2 == 0 else b).post("/graphql", json=QUERY)).status_code
            for i in range(n)]  # fmt: skip


async def test_two_workers_share_one_tokens_limit_through_redis(workers: Any, prefix: str) -> None:
    a, b, services = await workers(
        broadcast="redis", redis_url=REDIS_URL, redis_channel_prefix=prefix
    )
    assert await _alternate(a, b, 5) == [200, 200, 200, 429, 429]
    refused = await b.post("/graphql", json=QUERY)
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    client = redis.Redis.from_url(REDIS_URL)
    try:
        [key] = list(client.scan_iter(f"{prefix}:rate:*"))
        assert int(client.get(key) or 0) == 6  # every request of both workers counted
        assert 0 < client.pttl(key) <= 60_000  # the window expires by itself
    finally:
        client.close()
    # Another token has a window of its own.
    other = auth_headers(services, "hr")
    assert (await a.post("/graphql", json=QUERY, headers=other)).status_code == 200


async def test_without_redis_each_worker_counts_its_own(workers: Any) -> None:
    a, b, _ = await workers(broadcast="memory")
    assert await _alternate(a, b, 6) == [200] * 6
    assert (await a.post("/graphql", json=QUERY)).status_code == 429


async def test_while_redis_does_not_answer_each_worker_still_limits(
    workers: Any, prefix: str
) -> None:
    a, b, _ = await workers(
        broadcast="redis", redis_url="redis://127.0.0.1:1/0", redis_channel_prefix=prefix
    )
    answers = [(await a.post("/graphql", json=QUERY)).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert (await b.post("/graphql", json=QUERY)).status_code == 200
