"""Decisions logged by concurrent requests share durable commits, and nobody returns early."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import pytest

from app.aggregates import Actor
from app.bootstrap import Services
from app.commands.group_commit import GroupCommit
from tests.domain_support import Organisation

HR = Actor(id="hr@example.org", role="hr")


class GatedStore:
    """A store whose first save waits for a gate, so that other callers queue behind it."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        #: Set once the first save has begun (and is waiting for the gate).
        self.entered = threading.Event()
        self.batches: list[list[str]] = []
        self.durable: set[str] = set()
        self.fail: set[str] = set()
        self._next = 0

    def save(self, *aggregates: Any) -> Sequence[Any]:
        if not self.batches:
            self.entered.set()
            assert self.gate.wait(10), "the gate was never opened"
        names = [a.id for a in aggregates]
        if self.fail & set(names):
            self.batches.append(names)
            raise RuntimeError("disk full")
        self.batches.append(names)
        recordings = []
        for name in names:
            self._next += 1
            self.durable.add(name)
            recordings.append(
                SimpleNamespace(
                    domain_event=SimpleNamespace(originator_id=name),
                    notification=SimpleNamespace(id=self._next),
                )
            )
        return recordings


def queued(commits: GroupCommit, count: int) -> None:
    """Wait (bounded) until ``count`` callers are queued behind the save in progress."""
    deadline = threading.Event()
    for _ in range(1000):
        with commits._lock:  # the queue is internal; the test looks, it does not touch
            if len(commits._queue) >= count:
                return
        deadline.wait(0.01)
    raise AssertionError(f"fewer than {count} callers queued")


def test_callers_arriving_during_a_save_share_the_next_transaction() -> None:
    store = GatedStore()
    commits = GroupCommit(store.save)
    with ThreadPoolExecutor(max_workers=9) as pool:
        first = pool.submit(commits.save, SimpleNamespace(id="a0"))
        assert store.entered.wait(10)
        rest = [pool.submit(commits.save, SimpleNamespace(id=f"a{i}")) for i in range(1, 9)]
        queued(commits, 8)
        store.gate.set()
        positions = [first.result(10)] + [f.result(10) for f in rest]
    assert store.batches[0] == ["a0"]
    assert sorted(store.batches[1]) == [f"a{i}" for i in range(1, 9)]
    assert commits.transactions == 2 and commits.aggregates == 9
    assert sorted(positions) == list(range(1, 10))


def test_a_lone_caller_saves_at_once_in_its_own_transaction() -> None:
    store = GatedStore()
    store.gate.set()
    commits = GroupCommit(store.save)
    assert commits.save(SimpleNamespace(id="only")) == 1
    assert store.batches == [["only"]]


def test_one_callers_failure_in_a_shared_save_is_not_the_others() -> None:
    store = GatedStore()
    store.fail = {"bad"}
    commits = GroupCommit(store.save)
    with ThreadPoolExecutor(max_workers=4) as pool:
        first = pool.submit(commits.save, SimpleNamespace(id="first"))
        assert store.entered.wait(10)
        good = [pool.submit(commits.save, SimpleNamespace(id=f"good{i}")) for i in range(2)]
        bad = pool.submit(commits.save, SimpleNamespace(id="bad"))
        queued(commits, 3)
        store.gate.set()
        assert first.result(10) > 0
        assert all(f.result(10) > 0 for f in good)
        with pytest.raises(RuntimeError, match="disk full"):
            bad.result(10)
    assert store.durable == {"first", "good0", "good1"}


def test_concurrent_recommendation_lists_are_all_in_the_event_log(services: Services) -> None:
    app = services.app
    org = Organisation(app)
    employee, module = org.employee_id, org.module_id

    def issue(index: int) -> tuple[UUID, int]:
        written = app.issue_recommendation(
            employee_id=employee, module_ids=[module], scores=[0.5 + index / 100],
            reasons=[[]], model_version=None, consent_basis="role_based", goal=None, actor=HR,
        )  # fmt: skip
        return written.id, written.position

    with ThreadPoolExecutor(max_workers=8) as pool:
        issued = list(pool.map(issue, range(24)))
    assert len({position for _, position in issued}) == 24
    assert app.decision_commits.aggregates >= 24
    stored = {n.originator_id for n in app.recorder.select_notifications(start=1, limit=10_000)}
    assert {decision for decision, _ in issued} <= stored
    for decision, position in issued:
        assert app.repository.get(decision).version == 1
        assert position <= app.recorder.max_notification_id()
