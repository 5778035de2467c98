"""Subscriptions over graphql-transport-ws against a running server, with the Python ``gql``
client: live KPI pushes carrying their position, coalescing, the live log with resume, and
bad arguments answered with an error frame on a connection that stays open."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from app.auth.tokens import mint_token
from app.bootstrap import Services
from tests.conftest import TEST_JWT_SECRET, operator_token
from tests.kpi_support import Company
from tests.live_server import push_services, serving

KPIS = gql(
    "subscription($groupBy: KpiGrouping!) { kpiUpdated(groupBy: $groupBy) { position"
    " groups { key figures { completionRate { value numerator denominator } } } } }"
)
EVENTS = gql(
    "subscription($from: Int, $types: [String!]) { events(fromPosition: $from, types: $types)"
    " { position type aggregateId version } }"
)
#: Every wait on a push is bounded: a missing push fails the test instead of hanging it.
PUSH_TIMEOUT = 20


@pytest.fixture
def live_services(tmp_path: Path) -> Iterator[Services]:
    with push_services(tmp_path) as services:
        yield services


@pytest.fixture
def url(live_services: Services) -> Iterator[str]:
    with serving(live_services) as base:
        yield base.replace("http", "ws") + "/graphql"


@pytest.fixture
async def session(url: str) -> AsyncIterator[Any]:
    transport = WebsocketsTransport(
        url=url,
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        init_payload={"token": operator_token()},
    )
    async with Client(transport=transport, fetch_schema_from_transport=False) as opened:
        yield opened


async def next_push(stream: Any) -> dict[str, Any]:
    result: dict[str, Any] = await asyncio.wait_for(anext(stream), PUSH_TIMEOUT)
    return result


def completion(push: dict[str, Any]) -> Any:
    return push["kpiUpdated"]["groups"][0]["figures"]["completionRate"]


async def test_kpi_push_follows_a_change_and_carries_its_position(
    session: Any, live_services: Services
) -> None:
    app = live_services.app
    company = await asyncio.to_thread(Company, app)
    enrollment = await asyncio.to_thread(company.enroll, company.people["Sales"][0], 1)
    assert await asyncio.to_thread(live_services.read_models_reach, app.last_position(), 20)
    stream = session.subscribe(GraphQLRequest(KPIS, variable_values={"groupBy": "COMPANY"}))
    first = await next_push(stream)
    assert completion(first) == {"value": 0.0, "numerator": 0.0, "denominator": 1.0}
    written = await asyncio.to_thread(company.complete, enrollment, 0)
    push = await next_push(stream)
    while completion(push)["value"] == 0.0:  # a push from an earlier, unrelated event
        push = await next_push(stream)
    assert completion(push) == {"value": 1.0, "numerator": 1.0, "denominator": 1.0}
    assert push["kpiUpdated"]["position"] >= written > first["kpiUpdated"]["position"]
    await stream.aclose()


async def test_a_burst_of_events_is_coalesced_into_fewer_pushes(
    session: Any, live_services: Services
) -> None:
    app = live_services.app
    company = await asyncio.to_thread(Company, app)
    stream = session.subscribe(GraphQLRequest(KPIS, variable_values={"groupBy": "COMPANY"}))
    await next_push(stream)
    people = company.people["Engineering"] + company.people["Sales"]

    def burst() -> int:
        return max(company.complete(company.enroll(p, 1), 0) for p in people)

    last = await asyncio.to_thread(burst)
    pushes = 0
    while True:
        push = await next_push(stream)
        pushes += 1
        if push["kpiUpdated"]["position"] >= last:
            break
    assert completion(push)["numerator"] == len(people)
    assert pushes < 2 * len(people)  # one push per event would be 24
    await stream.aclose()


async def test_events_replay_from_a_position_then_follow_live(
    session: Any, live_services: Services
) -> None:
    app = live_services.app
    company = await asyncio.to_thread(Company, app)
    resume_after = app.last_position() - 5
    stream = session.subscribe(GraphQLRequest(EVENTS, variable_values={"from": resume_after}))
    replayed = [(await next_push(stream))["events"] for _ in range(5)]
    assert [e["position"] for e in replayed] == list(range(resume_after + 1, resume_after + 6))
    written = await asyncio.to_thread(company.enroll, company.people["Sales"][1], 0)
    live = (await next_push(stream))["events"]
    assert (live["type"], live["aggregateId"]) == ("Enrollment.Enrolled", str(written))
    assert live["position"] == app.last_position()
    await stream.aclose()


async def test_events_filtered_by_type_skip_the_others(
    session: Any, live_services: Services
) -> None:
    app = live_services.app
    company = await asyncio.to_thread(Company, app)
    stream = session.subscribe(
        GraphQLRequest(EVENTS, variable_values={"from": 0, "types": ["Employee.Hired"]})
    )
    hired = [(await next_push(stream))["events"] for _ in range(12)]
    assert {e["type"] for e in hired} == {"Employee.Hired"}
    assert len({e["aggregateId"] for e in hired}) == 12 == len(company.people["Sales"]) * 2
    await stream.aclose()


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        (EVENTS, {"from": -1}, "fromPosition"),
        (EVENTS, {"types": ["Enrollment.Teleported"]}, "types"),
        (
            gql(
                'subscription { kpiUpdated(window: {kind: QUARTER, quarter: "2026-Q9"}) {position}}'
            ),
            {},
            "window.quarter",
        ),
        (
            gql('subscription { moduleInsightsUpdated(moduleId: "nope") { position } }'),
            {},
            "moduleId",
        ),
    ],
)
async def test_bad_arguments_get_an_error_frame_and_the_connection_stays_open(
    session: Any, live_services: Services, query: Any, variables: dict[str, Any], field: str
) -> None:
    with pytest.raises(TransportQueryError) as raised:
        async for _ in session.subscribe(GraphQLRequest(query, variable_values=variables)):
            pass
    assert raised.value.errors is not None
    assert raised.value.errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    # The same connection still serves a good subscription.
    stream = session.subscribe(GraphQLRequest(KPIS, variable_values={"groupBy": "COMPANY"}))
    assert "position" in (await next_push(stream))["kpiUpdated"]
    await stream.aclose()


async def test_identical_subscriptions_share_one_stream_and_each_gets_every_push(
    url: str, live_services: Services
) -> None:
    app = live_services.app
    company = await asyncio.to_thread(Company, app)
    enrollment = await asyncio.to_thread(company.enroll, company.people["Sales"][0], 1)
    assert await asyncio.to_thread(live_services.read_models_reach, app.last_position(), 20)
    sessions = [
        Client(transport=WebsocketsTransport(
            url=url, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
            init_payload={"token": operator_token()}),
            fetch_schema_from_transport=False)
        for _ in range(3)
    ]  # fmt: skip
    opened = [await client.connect_async() for client in sessions]
    streams = [
        s.subscribe(GraphQLRequest(KPIS, variable_values={"groupBy": "COMPANY"})) for s in opened
    ]
    firsts = [await next_push(stream) for stream in streams]
    assert len(live_services.live.streams) == 1
    assert {completion(f)["value"] for f in firsts} == {0.0}
    await asyncio.to_thread(company.complete, enrollment, 0)
    for stream in streams:
        push = await next_push(stream)
        while completion(push)["value"] == 0.0:
            push = await next_push(stream)
        assert completion(push)["value"] == 1.0
        await stream.aclose()
    for client in sessions:
        await client.close_async()


async def test_distinct_readers_of_the_same_figures_share_one_stream_but_a_refused_one_joins_none(
    url: str, live_services: Services
) -> None:
    app = live_services.app
    company = await asyncio.to_thread(Company, app)
    await asyncio.to_thread(company.enroll, company.people["Sales"][0], 1)
    assert await asyncio.to_thread(live_services.read_models_reach, app.last_position(), 20)
    readers = [("hr", "hr-anna"), ("works_council", "wc-bo"), ("leadership", "lead-cy"),
               ("hr", "hr-dag")]  # fmt: skip

    def session(role: str, subject: str) -> Client:
        token = mint_token(TEST_JWT_SECRET.encode(), role=role, subject=subject)
        return Client(transport=WebsocketsTransport(
            url=url, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
            init_payload={"token": token}), fetch_schema_from_transport=False)  # fmt: skip

    sessions = [session(role, subject) for role, subject in readers]
    opened = [await client.connect_async() for client in sessions]
    request = GraphQLRequest(KPIS, variable_values={"groupBy": "COMPANY"})
    streams = [s.subscribe(request) for s in opened]
    firsts = [await next_push(stream) for stream in streams]
    employee = session("employee", str(company.people["Sales"][0]))
    refused_session = await employee.connect_async()
    with pytest.raises(TransportQueryError) as refused:
        await next_push(refused_session.subscribe(request))

    assert len(live_services.live.streams) == 1
    assert len({str(f) for f in firsts}) == 1  # the same figures for every reader
    assert "FORBIDDEN" in str(refused.value.errors)
    for stream in streams:
        await stream.aclose()
    for client in [*sessions, employee]:
        await client.close_async()
