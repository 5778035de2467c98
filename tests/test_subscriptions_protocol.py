"""The protocol's edges: malformed messages close with graphql-transport-ws codes, callers
without the right role get an error, and a client that stops reading is cut off with a reason
instead of the server buffering for it without bound."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.aggregates import Actor
from app.bootstrap import Services, build_services
from app.broadcast.memory import InProcessBroadcaster
from app.broadcast.tail import EventTail, LogEntry
from app.schema import build_schema
from app.schema.context import Context
from app.settings import Settings
from tests.conftest import TEST_JWT_SECRET, operator_token
from tests.live_server import serving

PROTOCOL = "graphql-transport-ws"


@pytest.fixture
def services() -> Iterator[Services]:
    built = build_services(
        Settings(persistence="memory", seed_if_empty=False, jwt_secret=TEST_JWT_SECRET)
    )
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def url(services: Services) -> Iterator[str]:
    with serving(services) as base:
        yield base.replace("http", "ws") + "/graphql"


async def closed_with(url: str, *messages: str) -> tuple[int | None, str]:
    """Send raw frames and return how the server closed the socket (bounded wait)."""
    async with connect(url, subprotocols=[PROTOCOL]) as socket:  # type: ignore[list-item]
        for message in messages:
            await socket.send(message)
        with pytest.raises(ConnectionClosed) as closed:
            for _ in range(10):
                await asyncio.wait_for(socket.recv(), 10)
    received = closed.value.rcvd
    assert received is not None
    return received.code, received.reason


INIT = json.dumps({"type": "connection_init", "payload": {"token": operator_token()}})
SUBSCRIBE = json.dumps(
    {
        "id": "1",
        "type": "subscribe",
        "payload": {"query": "subscription { kpiUpdated { position } }"},
    }
)


async def test_a_message_that_is_not_json_closes_with_4400(url: str) -> None:
    code, reason = await closed_with(url, INIT, "{not json")
    assert code == 4400 and reason


async def test_subscribing_before_connection_init_closes_with_4401(url: str) -> None:
    assert await closed_with(url, SUBSCRIBE) == (4401, "Unauthorized")


async def test_a_second_connection_init_closes_with_4429(url: str) -> None:
    code, _ = await closed_with(url, INIT, INIT)
    assert code == 4429


async def test_a_reused_subscription_id_closes_with_4409(url: str) -> None:
    code, reason = await closed_with(url, INIT, SUBSCRIBE, SUBSCRIBE)
    assert (code, reason) == (4409, "Subscriber for 1 already exists")


async def test_employees_without_a_kpi_role_get_a_forbidden_error(services: Services) -> None:
    context = Context(services=services, actor=Actor(id="e-1", role="employee"))
    stream: Any = await build_schema().subscribe(
        "subscription { kpiUpdated { position } }", context_value=context
    )
    first = stream if not hasattr(stream, "__anext__") else await anext(stream)
    assert first.errors is not None
    assert first.errors[0].extensions is not None
    assert first.errors[0].extensions["code"] == "FORBIDDEN"


def _entries(start: int, count: int) -> list[LogEntry]:
    now = datetime.now(UTC)
    return [LogEntry(p, "Employee.Hired", f"id-{p}", 1, now) for p in range(start, start + count)]


async def test_a_reader_that_falls_more_than_the_capacity_behind_is_cut_off() -> None:
    log: list[LogEntry] = []

    def read(start: int, limit: int) -> list[LogEntry]:
        return [e for e in log if e.position >= start][:limit]

    broadcaster = InProcessBroadcaster()
    await broadcaster.start()
    tail = EventTail(read, lambda: log[-1].position if log else 0, broadcaster, capacity=5)
    reasons: list[str] = []
    cut_off = asyncio.Event()

    def cut(reason: str) -> None:
        reasons.append(reason)
        cut_off.set()

    reader = tail.entries(0, cut)
    log.extend(_entries(1, 1))
    first = await asyncio.wait_for(anext(reader), 5)
    assert first.position == 1 and reasons == []
    # The reader takes nothing more while 20 events arrive.
    log.extend(_entries(2, 20))
    broadcaster.publish(21)
    await asyncio.wait_for(cut_off.wait(), 10)  # the tail follows on the loop
    assert reasons == ["slow consumer: more than 5 events behind; resubscribe with fromPosition 1"]
    await reader.aclose()
    await tail.close()
