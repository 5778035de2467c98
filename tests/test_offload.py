"""Costly queries run in a worker thread on an event loop of their own, answering exactly as
they would on the request's loop (the same data, the same access policy, the same coded
errors); cheap queries, mutations and refused queries stay on the request's loop."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from app.aggregates import Actor
from app.bootstrap import Services
from app.schema import build_schema, offload
from app.schema.context import Context
from tests.domain_support import HR, Organisation

NESTED = "edges { node { id name enrollments { id module { title } } skills { skill } } }"
#: Cost 6,201: over the default SKILLPATH_OFFLOAD_COST of 1,000.
COSTLY = "{ employees(first: 100) { totalCount " + NESTED + " } }"
CHEAP = "{ employees(first: 2) { edges { node { id } } } }"


@pytest.fixture
def threads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The threads costly operations ran in."""
    seen: list[int] = []
    original = offload._execute_on_own_loop

    def spy(*args: Any) -> Any:
        seen.append(threading.get_ident())
        return original(*args)

    monkeypatch.setattr(offload, "_execute_on_own_loop", spy)
    return seen


async def _answer(services: Services, actor: Actor, query: str, offload_cost: int) -> Any:
    schema = build_schema(max_cost=10_000, offload_cost=offload_cost)
    result = await schema.execute(query, context_value=Context(services=services, actor=actor))
    return result.data, [(e.message, (e.extensions or {}).get("code")) for e in result.errors or ()]


async def test_a_costly_query_runs_in_a_worker_thread_and_answers_as_on_the_loop(
    services: Services, threads: list[int]
) -> None:
    org = Organisation(services.app)
    for n in range(3):
        bee = org.hire(f"bee{n}@example.com", name=f"Bee {n}", manager_id=org.manager_id)
        org.enroll(employee_id=bee)
    services.runner.catch_up()
    for actor in (HR, Actor(id="admin-1", role="admin")):
        threaded = await _answer(services, actor, COSTLY, offload_cost=1_000)
        on_the_loop = await _answer(services, actor, COSTLY, offload_cost=0)
        # The same data and the same errors (the policy refuses some facets to HR).
        assert threaded == on_the_loop
        assert threaded[0]["employees"]["totalCount"] == 5
    assert len(threads) == 2
    assert threading.get_ident() not in threads  # not the test's (the request's) thread


async def test_cheap_refused_and_failing_queries_stay_on_the_request_loop(
    services: Services, threads: list[int]
) -> None:
    Organisation(services.app)
    services.runner.catch_up()
    data, errors = await _answer(services, HR, CHEAP, offload_cost=1_000)
    assert len(data["employees"]["edges"]) == 2 and not errors
    wide = "{ " + " ".join(f"a{i}: employees(first: 100) {{ {NESTED} }}" for i in range(3)) + " }"
    _, refused = await _answer(services, HR, wide, offload_cost=1_000)
    assert [code for _, code in refused] == ["QUERY_TOO_COSTLY"]
    assert threads == []
    # A resolver's coded error in an offloaded query comes back coded.
    bad = COSTLY.replace("first: 100", 'first: 100, after: "not a cursor"')
    _, failing = await _answer(services, HR, bad, offload_cost=1_000)
    assert [code for _, code in failing] == ["BAD_USER_INPUT"]
    assert len(threads) == 1
