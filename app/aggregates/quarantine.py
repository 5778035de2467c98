"""The record of events an operator told one projection to skip.

A projection that cannot apply an event stops at it (app/projections/engine.py). After
the cause is fixed (or judged harmless), an operator quarantines the event for that
projection; the decision is an event like any other, so the history says who skipped
what, when and why.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from app.aggregates.base import Actor


def quarantine_id(projection: str) -> UUID:
    """One record per projection, derived from its name."""
    return uuid5(NAMESPACE_URL, f"skillpath:projection-quarantine:{projection}")


class ProjectionQuarantine(Aggregate):
    """The events one projection skips, by event-store position."""

    class Opened(Aggregate.Created):
        projection: str

    class EventQuarantined(Aggregate.Event):
        position: int
        reason: str
        actor: Actor

    @event(Opened)
    def __init__(self, projection: str) -> None:
        self.projection = projection
        self.positions: set[int] = set()

    @classmethod
    def open(cls, projection: str) -> ProjectionQuarantine:
        return cls._create(cls.Opened, id=quarantine_id(projection), projection=projection)

    @event(EventQuarantined)
    def quarantine(self, position: int, reason: str, actor: Actor) -> None:
        self.positions.add(position)
