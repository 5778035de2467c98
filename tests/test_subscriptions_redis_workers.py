"""Fan-out across API workers through Redis: two uvicorn processes on one PostgreSQL schema,
worker A runs the projections, worker B only serves subscribers. An event written through A
reaches B's subscribers; when B's Redis connection drops, B reconnects and its subscribers
catch up from the store, and nothing crashes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import redis
from gql import Client, GraphQLRequest, gql
from gql.transport.websockets import WebsocketsTransport

from app.auth.tokens import mint_token
from tests.conftest import fresh_postgres_schema
from tests.worker_processes import Worker, worker, worker_env

REDIS_URL = "redis://127.0.0.1:6379/0"
KPIS = gql(
    "subscription($m: ID!) { kpiUpdated(filter: {moduleId: $m}) { position groups { figures {"
    " completionRate { value denominator } } } } }"
)
PUSH_TIMEOUT = 20


@pytest.fixture(scope="module")
def prefix() -> Iterator[str]:
    """A channel prefix of this test's own, so parallel runs never hear each other."""
    name = f"sp-test-{uuid.uuid4().hex[:10]}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{name}*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="module")
def workers(
    prefix: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Worker, Worker]]:
    """Both workers for the whole module: starting a process takes seconds."""
    common = {
        "SKILLPATH_BROADCAST": "redis", "SKILLPATH_REDIS_URL": REDIS_URL,
        "SKILLPATH_REDIS_CHANNEL_PREFIX": prefix, "SKILLPATH_MIN_GROUP_SIZE": "1",
        "SKILLPATH_PUSH_INTERVAL_SECONDS": "0.05",
    }  # fmt: skip
    logs = tmp_path_factory.mktemp("workers")
    with fresh_postgres_schema() as settings:
        a_env = worker_env(settings, SKILLPATH_RUN_PROJECTIONS="true", **common)
        b_env = worker_env(settings, SKILLPATH_RUN_PROJECTIONS="false", **common)
        with worker(a_env, logs, "a") as a, worker(b_env, logs, "b") as b:
            yield a, b


class Api:
    """Mutations over HTTP against one worker."""

    def __init__(self, worker: Worker) -> None:
        self.url = worker.url
        self.headers = {"Authorization": f"Bearer {worker.token}"}
        self.learners: dict[str, str] = {}
        self.secret = worker.secret

    def __call__(
        self, query: str, as_employee: str | None = None, **variables: Any
    ) -> dict[str, Any]:
        headers = self.headers
        if as_employee is not None:
            token = mint_token(self.secret.encode(), role="employee", subject=as_employee)
            headers = {"Authorization": f"Bearer {token}"}
        response = httpx.post(
            self.url + "/graphql", json={"query": query, "variables": variables}, timeout=20,
            headers=headers,
        )  # fmt: skip
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        return next(iter(body["data"].values()))  # type: ignore[no-any-return]

    def must(self, query: str, **variables: Any) -> dict[str, Any]:
        found = self(query, **variables)
        assert len(found) == 1, found  # the payload's one field, not an error type
        return found

    def learner_enrolled(self) -> tuple[str, str]:
        """A role, person and module of their own, and the person enrolled in the module."""
        unique = uuid.uuid4().hex[:8]
        role = self.must(
            'mutation($c: String!) { defineRole(input: {code: $c, title: "Developer",'
            ' requiredSkills: [{skill: "sql", level: 3}]}) { ... on RolePayload { roleId } } }',
            c=f"dev-{unique}",
        )
        person = self.must(
            'mutation($r: ID!, $m: String!) { hireEmployee(input: {name: "Ann", email: $m,'
            ' roleId: $r, department: "IT", location: "Oslo", hireDate: "2024-01-02"})'
            " { ... on EmployeePayload { employeeId } } }",
            r=role["roleId"],
            m=f"ann-{unique}@example.org",
        )
        module = self.must(
            'mutation { publishModule(input: {title: "SQL", skills: [{skill: "sql",'
            " level: 2}], difficulty: 2, mediaType: COURSE, minutes: 30})"
            " { ... on ModulePayload { moduleId } } }"
        )
        enrolled = self.must(
            "mutation($e: ID!, $m: ID!) { enroll(input: {employeeId: $e, moduleId: $m})"
            " { ... on EnrollmentPayload { enrollmentId } } }",
            e=person["employeeId"],
            m=module["moduleId"],
        )
        self.learners[str(enrolled["enrollmentId"])] = str(person["employeeId"])
        return str(enrolled["enrollmentId"]), str(module["moduleId"])

    def complete(self, enrollment: str) -> int:
        """The learner completes their enrolment (only they may)."""
        done = self(
            "mutation($id: ID!) { completeEnrollment(input: {enrollmentId: $id})"
            " { ... on EnrollmentPayload { position } } }",
            as_employee=self.learners[enrollment],
            id=enrollment,
        )
        return int(done["position"])


@pytest.fixture
async def on_b(workers: tuple[Worker, Worker]) -> AsyncIterator[Any]:
    transport = WebsocketsTransport(
        url=workers[1].ws_url, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        init_payload={"token": workers[1].token},
    )  # fmt: skip
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        yield session


async def push_where(stream: Any, wanted: Any) -> dict[str, Any]:
    """The first push satisfying ``wanted``; each wait is bounded."""
    for _ in range(50):
        push: dict[str, Any] = (await asyncio.wait_for(anext(stream), PUSH_TIMEOUT))["kpiUpdated"]
        if wanted(push):
            return push
    raise AssertionError("no matching push")


def completion(push: dict[str, Any]) -> Any:
    return push["groups"][0]["figures"]["completionRate"]


async def test_an_event_written_through_worker_a_reaches_subscribers_on_worker_b(
    workers: tuple[Worker, Worker], on_b: Any
) -> None:
    api = Api(workers[0])
    enrollment, module = await asyncio.to_thread(api.learner_enrolled)
    stream = on_b.subscribe(GraphQLRequest(KPIS, variable_values={"m": module}))
    await push_where(stream, lambda p: completion(p)["denominator"] == 1)
    position = await asyncio.to_thread(api.complete, enrollment)
    push = await push_where(stream, lambda p: completion(p)["value"] == 1.0)
    assert push["position"] >= position
    await stream.aclose()


def kill_connections(prefix: str, name: str) -> int:
    """Cut this test's own Redis connections named ``{prefix}-...-{name}``; returns how many."""
    client = redis.Redis.from_url(REDIS_URL)
    killed = 0
    for connection in client.client_list():
        if connection["name"].startswith(prefix) and connection["name"].endswith(name):
            killed += int(client.client_kill_filter(_id=connection["id"]))
    client.close()
    return killed


async def test_worker_b_reconnects_after_redis_drops_and_subscribers_catch_up(
    workers: tuple[Worker, Worker], on_b: Any, prefix: str
) -> None:
    api = Api(workers[0])
    enrollment, module = await asyncio.to_thread(api.learner_enrolled)
    stream = on_b.subscribe(GraphQLRequest(KPIS, variable_values={"m": module}))
    await push_where(stream, lambda p: completion(p)["denominator"] == 1)
    assert await asyncio.to_thread(kill_connections, prefix, "-sub") >= 2  # A's and B's listeners
    position = await asyncio.to_thread(api.complete, enrollment)
    push = await push_where(stream, lambda p: completion(p)["value"] == 1.0)
    assert push["position"] >= position
    for each in workers:
        assert each.process.poll() is None
        health = httpx.get(each.url + "/healthz", timeout=5).json()
        assert health["status"] == "ready"
    await stream.aclose()
