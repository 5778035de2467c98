"""Group commit: new aggregates from concurrent callers share one durable transaction.

Every served recommendation list is logged as a decision before the answer leaves, and each
such save used to wait for its own disk sync. Under load most of a request's time was that
wait. Here the first caller to arrive saves what is queued at that moment; callers that
arrive during its save queue up and the next of them saves them all in one transaction. No
caller waits for a timer, nobody returns before their own events are durable, and a single
caller pays exactly what a plain save costs.

Only aggregates that cannot clash with each other belong here (new aggregates with random
ids): should a shared save fail, each aggregate of it is saved again on its own, so one
caller's failure is never another's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Recording

Save = Callable[..., Sequence[Recording[Any]]]


@dataclass
class _Waiting:
    aggregate: Aggregate
    wake: threading.Event = field(default_factory=threading.Event)
    finished: bool = False
    position: int = 0
    error: BaseException | None = None


class GroupCommit:
    """Saves aggregates through ``save`` with concurrent callers sharing transactions."""

    def __init__(self, save: Save) -> None:
        self._save = save
        self._lock = threading.Lock()
        self._queue: list[_Waiting] = []
        self._saving = False
        #: How many transactions and aggregates were saved (for metrics and tests).
        self.transactions = 0
        self.aggregates = 0

    def save(self, aggregate: Aggregate) -> int:
        """Save ``aggregate`` durably; returns the highest notification id of its events."""
        waiting = _Waiting(aggregate)
        with self._lock:
            self._queue.append(waiting)
        while True:
            with self._lock:
                if waiting.finished:
                    break
                batch: list[_Waiting] | None = None
                if not self._saving:
                    self._saving, batch, self._queue = True, self._queue, []
                waiting.wake.clear()
            if batch is None:
                waiting.wake.wait()
                continue
            try:
                self._save_batch(batch)
            finally:
                with self._lock:
                    self._saving = False
                    for done in batch:
                        done.finished = True
                        done.wake.set()
                    # The next caller in the queue leads the next transaction.
                    if self._queue:
                        self._queue[0].wake.set()
        if waiting.error is not None:
            raise waiting.error
        return waiting.position

    def _save_batch(self, batch: list[_Waiting]) -> None:
        try:
            recordings = self._save(*(w.aggregate for w in batch))
        except Exception as error:
            if len(batch) == 1:
                batch[0].error = error
                return
            for waiting in batch:
                try:
                    self._record(waiting, self._save(waiting.aggregate))
                except Exception as error:
                    waiting.error = error
            return
        by_aggregate: dict[object, int] = {}
        for recording in recordings:
            key = recording.domain_event.originator_id
            by_aggregate[key] = max(by_aggregate.get(key, 0), recording.notification.id)
        for waiting in batch:
            waiting.position = by_aggregate.get(waiting.aggregate.id, 0)
        self.transactions += 1
        self.aggregates += len(batch)

    def _record(self, waiting: _Waiting, recordings: Sequence[Recording[Any]]) -> None:
        waiting.position = max((r.notification.id for r in recordings), default=0)
        self.transactions += 1
        self.aggregates += 1
