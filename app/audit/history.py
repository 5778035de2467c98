"""The record as auditors read it: a stream's events, the global log, and state as of a time.

Everything here is computed from the events themselves (decrypted with the subject's key),
never from read models, so it answers "what did the system know, and who did it" even for
history that read models summarise away. Personal fields are shown only where the caller
may read the subject's personal data; elsewhere they read ``[redacted]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar, cast
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from app.aggregates import Actor, EmailClaim, Employee, Enrollment, LearningModule, Role
from app.aggregates.decision import RecommendationDecision
from app.aggregates.programme import Programme
from app.application import Skillpath
from app.audit.chain import ChainedEvent
from app.audit.payload import event_payload, event_type
from app.audit.screen import UNINDEXED, EventScreen
from app.consent.envelope import subject_of
from app.consent.export import Complete
from app.consent.ledger import ConsentLedger

#: Writers' clocks and commit order differ by up to this much: a time window is read this
#: far past its end before the walk along positions stops.
ORDER_SLACK = timedelta(minutes=5)
SCAN_BATCH = 500
A = TypeVar("A", bound=Aggregate)
#: The whole record, for the subject's own export and operators' command-line tools.
UNSCREENED = Complete()

AGGREGATES: tuple[type[Aggregate], ...] = (
    Employee, EmailClaim, LearningModule, Enrollment, Role, ConsentLedger,
    RecommendationDecision, Programme,
)  # fmt: skip


def event_classes() -> dict[str, type]:
    """Every event class by its type name (``Employee.Hired``)."""
    found: dict[str, type] = {}
    for aggregate in AGGREGATES:
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, Aggregate.Event):
                found[value.__qualname__] = value
    return found


class UnknownEventType(ValueError):
    """A type filter names no event class; the message lists the known ones."""


class StreamLog(Protocol):
    def select_stream(
        self, stream_id: UUID, after_version: int, limit: int, *,
        before_version: int = ..., backward: bool = False,
    ) -> Sequence[ChainedEvent]: ...  # fmt: skip


@dataclass(frozen=True)
class RecordedEvent:
    """One event as stored: where in the log, which stream and version, when, who, what."""

    position: int
    stream_id: UUID
    version: int
    type: str
    recorded_at: datetime
    actor: Actor | None
    subject_id: str | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class EventPage:
    events: list[RecordedEvent]
    has_next: bool
    has_previous: bool = False


class History:
    """Queries over the event store itself."""

    def __init__(self, app: Skillpath) -> None:
        self._app = app
        self._types = event_classes()

    @property
    def type_names(self) -> list[str]:
        return sorted(self._types)

    def _recorded(self, position: int, event: Any, screen: EventScreen) -> RecordedEvent | None:
        """The event as the screen lets its caller read it; None when it is not shown."""
        person = screen.subject_of(str(event.originator_id), event)
        if not screen.shows(person, event):
            return None
        sealed_for = subject_of(event) if hasattr(type(event), "personal_fields") else None
        actor = getattr(event, "actor", None)
        return RecordedEvent(
            position=position,
            stream_id=event.originator_id,
            version=event.originator_version,
            type=event_type(event),
            recorded_at=event.timestamp,
            actor=actor if isinstance(actor, Actor) else None,
            subject_id=sealed_for or (person if person != UNINDEXED else None),
            payload=event_payload(event, readable=lambda f: screen.readable(person, event, f)),
        )

    def _decode(self, row: ChainedEvent) -> Any:
        return self._app.mapper.to_domain_event(
            StoredEvent(row.originator_id, row.originator_version, row.topic, row.state)
        )

    # -- one stream ---------------------------------------------------------------------

    def stream(
        self,
        stream_id: UUID,
        *,
        first: int,
        after_version: int = 0,
        screen: EventScreen = UNSCREENED,
    ) -> EventPage:
        """The stream's events in version order, after a version; events the screen does
        not show are left out (the page may then hold fewer than ``first``)."""
        log = cast(StreamLog, self._app.recorder)
        rows = log.select_stream(stream_id, after_version, first + 1)
        decoded = [(r.position, self._decode(r)) for r in rows[:first]]
        screen.prepare((str(e.originator_id), e) for _, e in decoded)
        events = [self._recorded(position, e, screen) for position, e in decoded]
        return EventPage(
            [e for e in events if e is not None],
            has_next=len(rows) > first,
            has_previous=after_version > 0,
        )

    def stream_back(
        self,
        stream_id: UUID,
        *,
        last: int,
        before_version: int | None = None,
        screen: EventScreen = UNSCREENED,
    ) -> EventPage:
        """The ``last`` events of the stream before a version (None: its end), in version
        order; has_next says whether events follow the page."""
        log = cast(StreamLog, self._app.recorder)
        bound = {} if before_version is None else {"before_version": before_version}
        rows = list(log.select_stream(stream_id, 0, last + 1, backward=True, **bound))
        kept = rows[:last][::-1]
        decoded = [(r.position, self._decode(r)) for r in kept]
        screen.prepare((str(e.originator_id), e) for _, e in decoded)
        events = [self._recorded(position, e, screen) for position, e in decoded]
        later = before_version is not None and bool(
            log.select_stream(stream_id, before_version - 1, 1)
        )
        return EventPage(
            [e for e in events if e is not None], has_next=later, has_previous=len(rows) > last
        )

    # -- the whole log ------------------------------------------------------------------

    def topics(self, types: Sequence[str]) -> list[str]:
        unknown = [t for t in types if t not in self._types]
        if unknown:
            raise UnknownEventType(
                f"unknown event type {unknown[0]!r}; known types: {', '.join(self.type_names)}"
            )
        return [get_topic(self._types[t]) for t in types]

    def log(
        self,
        *,
        first: int,
        after_position: int = 0,
        since: datetime | None = None,
        until: datetime | None = None,
        types: Sequence[str] = (),
        screen: EventScreen = UNSCREENED,
    ) -> EventPage:
        """The global log in position order, optionally within recording times and types;
        events the screen does not show are skipped."""
        topics = self.topics(types)
        start = after_position + 1
        if since is not None and after_position == 0:
            start = self._first_position_at(since)
        found: list[RecordedEvent] = []
        while len(found) <= first:
            batch = self._app.recorder.select_notifications(
                start=start, limit=SCAN_BATCH, topics=topics
            )
            if not batch:
                break
            decoded: list[tuple[int, Any]] = [
                (n.id, self._app.mapper.to_domain_event(n)) for n in batch
            ]
            screen.prepare((str(e.originator_id), e) for _, e in decoded)
            for position, event in decoded:
                if until is not None and event.timestamp > until + ORDER_SLACK:
                    return EventPage(found[:first], has_next=False,
                                     has_previous=after_position > 0)  # fmt: skip
                in_window = (since is None or event.timestamp >= since) and (
                    until is None or event.timestamp <= until
                )
                recorded = self._recorded(position, event, screen) if in_window else None
                if recorded is not None:
                    found.append(recorded)
                    if len(found) > first:
                        break
            start = batch[-1].id + 1
        return EventPage(found[:first], has_next=len(found) > first,
                         has_previous=after_position > 0)  # fmt: skip

    def log_back(
        self,
        *,
        last: int,
        before_position: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        types: Sequence[str] = (),
        screen: EventScreen = UNSCREENED,
    ) -> EventPage:
        """The ``last`` events of the global log before a position (None: the end of the
        window), in position order: the log walked backward in batches, as ``log`` walks
        it forward, with the same window and screen."""
        topics = self.topics(types)
        head = (self._app.recorder.max_notification_id() or 0) + 1
        end = head if before_position is None else min(before_position, head)
        if until is not None and before_position is None:
            # Past this position every event was recorded after the window, give or take skew.
            end = min(end, self._first_position_at(until + 2 * ORDER_SLACK))
        found: list[RecordedEvent] = []
        while len(found) <= last and end > 1:
            low = max(1, end - SCAN_BATCH)
            batch = self._app.recorder.select_notifications(
                start=low, limit=SCAN_BATCH, stop=end - 1, topics=topics
            )
            decoded: list[tuple[int, Any]] = [
                (n.id, self._app.mapper.to_domain_event(n)) for n in reversed(batch)
            ]
            screen.prepare((str(e.originator_id), e) for _, e in decoded)
            for position, event in decoded:
                if since is not None and event.timestamp < since - ORDER_SLACK:
                    end = 0
                    break
                in_window = (since is None or event.timestamp >= since) and (
                    until is None or event.timestamp <= until
                )
                recorded = self._recorded(position, event, screen) if in_window else None
                if recorded is not None:
                    found.append(recorded)
                    if len(found) > last:
                        break
            end = min(end, low)
        page = found[:last][::-1]
        # The cursor's own event lies after the page: no walk forward needed to know it.
        later = before_position is not None and before_position < head
        return EventPage(page, has_next=later, has_previous=len(found) > last)

    def _first_position_at(self, moment: datetime) -> int:
        """Where a walk for events recorded at or after ``moment`` may start.

        A binary search over positions by recording time, stepped back by the slack,
        since recording times follow positions only up to the writers' clock skew.
        """
        low, high = 1, self._app.recorder.max_notification_id() or 0
        cutoff = moment - ORDER_SLACK
        while low <= high:
            middle = (low + high) // 2
            found = self._app.recorder.select_notifications(start=middle, limit=1)
            if not found:
                high = middle - 1
                continue
            probe: Any = self._app.mapper.to_domain_event(found[0])
            if probe.timestamp < cutoff:
                low = found[0].id + 1
            else:
                high = middle - 1
        return low

    # -- state as of a time ---------------------------------------------------------------

    def as_of(self, cls: type[A], aggregate_id: UUID, at: datetime) -> tuple[A, int] | None:
        """The aggregate as it was after the events recorded up to ``at``, and its version."""
        state: Any = None
        events: list[Any] = list(self._app.events.get(aggregate_id))
        for event in events:
            if event.timestamp > at:
                break
            state = event.mutate(state)
        if not isinstance(state, cls):
            return None
        return state, state.version
