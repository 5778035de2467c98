"""Many commands per transaction, for seeding benchmark companies in minutes, not hours.

Inside ``batched(app)`` each command still runs the real command method with all its
checks, but its save is deferred: the aggregates it changed are kept (a later command on the
same aggregate continues from the kept, unsaved state) and every ``size`` commands they are
written in one ``save`` (one transaction, one disk sync) in the order they were first
touched. The events are the ones the commands would have written one by one; only the
transaction boundaries and the order of aggregates within a batch differ.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from app.application import Skillpath
from app.commands.clean_text import check_event_texts


class _Batch:
    def __init__(self, app: Skillpath, size: int) -> None:
        self.app = app
        self.size = size
        self.kept: dict[UUID, Aggregate] = {}
        self.commands = 0
        self.position = app.last_position()
        self._get = app.repository.get

    def get(self, aggregate_id: UUID, *args: Any, **kwargs: Any) -> Any:
        kept = self.kept.get(aggregate_id)
        return kept if kept is not None else self._get(aggregate_id, *args, **kwargs)

    def store(self, *aggregates: Aggregate, conflict: str = "", field: str | None = None) -> int:
        for aggregate in aggregates:
            check_event_texts(aggregate.pending_events)
            self.kept.setdefault(aggregate.id, aggregate)
        self.commands += 1
        if self.commands >= self.size:
            self.flush()
        return self.position

    def flush(self) -> None:
        if self.kept:
            recordings = self.app.save(*self.kept.values())
            self.position = max((r.notification.id for r in recordings), default=self.position)
            self.app.saved(self.position)
        self.kept.clear()
        self.commands = 0


@contextmanager
def batched(app: Skillpath, size: int = 500) -> Iterator[None]:
    """Commands on ``app`` inside the block are saved ``size`` at a time (and at the end)."""
    batch = _Batch(app, size)
    app._store = batch.store  # type: ignore[method-assign]
    app.repository.get = batch.get  # type: ignore[method-assign]
    try:
        yield
        batch.flush()
    finally:
        del app._store
        app.repository.get = batch._get  # type: ignore[method-assign]
