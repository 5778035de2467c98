"""Shared command infrastructure: atomic saves, typed loads, and what a command returns."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, StoredEvent

from app.aggregates import (
    Conflict,
    Employee,
    Enrollment,
    LearningModule,
    NotFound,
    Role,
    ValidationFailed,
)
from app.commands.clean_text import check_event_texts
from app.commands.group_commit import GroupCommit
from app.consent.policy import ConsentPolicy
from app.keystore import SubjectKeys

A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class Written:
    """What a command stored: the last event-store position and the aggregate it was about."""

    position: int
    id: UUID


@dataclass(frozen=True)
class Erasure:
    """The outcome of an erasure request: when the key was deleted, and whether it already was."""

    position: int
    id: UUID
    erased_at: datetime
    already_erased: bool


@dataclass
class SavedListeners:
    """Callbacks told the newest position after each save (wakes projections, pushes)."""

    callbacks: list[Callable[[int], None]] = field(default_factory=list)

    def __call__(self, position: int) -> None:
        for callback in self.callbacks:
            callback(position)


@dataclass
class _SavedTogether:
    """Events of commands issued inside ``saving_together``, in the order they were issued,
    and the aggregates they changed, until they are saved in one transaction."""

    limit: int
    events: list[object] = field(default_factory=list)
    aggregates: dict[UUID, Aggregate] = field(default_factory=dict)
    position: int = 0
    #: Aggregates changed in the block and already saved, most recent last: loaded again
    #: from here, not reconstructed from the store (the cache holds fewer than a big seed).
    kept: dict[UUID, Aggregate] = field(default_factory=dict)
    keep: int = 50_000


class CommandBase(Application[UUID]):
    """What every group of commands shares: the atomic save and typed aggregate loads."""

    saved: SavedListeners
    decision_commits: GroupCommit
    policy: ConsentPolicy
    erased: list[Callable[[UUID], None]]
    withdrawn: list[Callable[[UUID, str, int], None]]
    subject_keys: SubjectKeys
    email_claim_secret: bytes

    def _store(
        self, *aggregates: Aggregate, conflict: str = "", field: str | None = None,
        as_conflict: bool = True,
    ) -> int:  # fmt: skip
        """Save atomically; a clash on a derived id means someone got there first.

        Every command's events pass the one text check first (app/commands/clean_text.py):
        what a read model could not store never enters the event store. ``as_conflict``
        False lets the store's ``IntegrityError`` through, for a command that tries again."""
        for aggregate in aggregates:
            check_event_texts(aggregate.pending_events)
        together: _SavedTogether | None = getattr(self, "_together", None)
        if together is not None:
            for aggregate in aggregates:
                together.events.extend(aggregate.collect_events())
                together.aggregates[aggregate.id] = aggregate
            if len(together.events) >= together.limit:
                self._save_together(together)
            return together.position
        try:
            recordings = self.save(*aggregates)
        except IntegrityError:
            if not as_conflict:
                raise
            raise Conflict(conflict or "the change clashed with a concurrent one", field) from None
        position = max((r.notification.id for r in recordings), default=0)
        if position:
            self.saved(position)
        return position

    @contextlib.contextmanager
    def saving_together(self, events: int = 5000) -> Iterator[None]:
        """Commands issued in this block are saved together, about ``events`` events per
        transaction (the demo seed: thousands of commands that nothing else waits for).

        Each command still loads, checks and changes its aggregates as on its own; its
        events are kept in the order the commands were issued and stored in that order, so
        the log and every read model are the same as with one save per command. A later
        command in the block sees the aggregates earlier ones changed, saved or not. What a
        command returns as its position is the last one saved (0 before the first save):
        only the block's end is known to be stored. A clash found when saving (a duplicate
        derived id, or an aggregate another process changed meanwhile: the block keeps the
        aggregates it changed) refuses the whole transaction; nothing of it is stored. Not
        for requests, which must know their own write is durable before they answer."""
        if getattr(self, "_together", None) is not None:
            yield
            return
        together = self._together = _SavedTogether(limit=events)
        repository = self.repository
        get = repository.get

        def get_pending_first(aggregate_id: UUID, *args: object, **kwargs: object) -> object:
            if not args and kwargs.get("version") is None:
                found = together.aggregates.get(aggregate_id)
                if found is None:
                    found = together.kept.get(aggregate_id)
                if found is not None:
                    return found
            return get(aggregate_id, *args, **kwargs)  # type: ignore[arg-type]

        repository.get = get_pending_first  # type: ignore[method-assign,assignment]
        try:
            yield
            self._save_together(together)
        finally:
            del repository.get
            self._together = None  # type: ignore[assignment]

    def _save_together(self, together: _SavedTogether) -> None:
        events, together.events = together.events, []
        saved, together.aggregates = together.aggregates, {}
        if not events:
            return
        # The events as they are, in order (``save`` would ask of each whether it is an
        # event or an aggregate, a slow protocol check).
        processing = ProcessingEvent[UUID]()
        processing.events.extend(events)  # type: ignore[arg-type]
        try:
            recordings = self._record(processing)
        except IntegrityError:
            raise Conflict("a change saved together clashed with one already stored") from None
        self._notify(recordings)
        kept = together.kept
        for aggregate_id, aggregate in saved.items():
            kept.pop(aggregate_id, None)
            kept[aggregate_id] = aggregate
        while len(kept) > together.keep:
            del kept[next(iter(kept))]
        together.position = max((r.notification.id for r in recordings), default=0)
        if together.position:
            self.saved(together.position)

    def _load(
        self, cls: type[A], aggregate_id: UUID, entity: str, field: str, *, readonly: bool = False
    ) -> A:
        try:
            # A look to check a rule may share the cached aggregate; a command that changes
            # an aggregate gets its own copy, so a refused change leaves the cache intact.
            aggregate: Aggregate = self.repository.get(
                aggregate_id, deepcopy_from_cache=not readonly
            )
        except AggregateNotFoundError:
            raise NotFound(entity, str(aggregate_id), field) from None
        if not isinstance(aggregate, cls):
            raise NotFound(entity, str(aggregate_id), field)
        return aggregate

    def _load_many(self, ids: Iterable[UUID]) -> dict[UUID, Aggregate]:
        """Several aggregates in one read of the event store (those that exist), each a
        copy of its own: a batch's reads are one query rather than one per aggregate.

        Aggregates in the cache are brought forward with the newer events of that read."""
        wanted = list(dict.fromkeys(ids))
        select = getattr(self.recorder, "select_streams", None)
        if not wanted:
            return {}
        if select is None or self.repository.snapshot_store is not None:
            found: dict[UUID, Aggregate] = {}
            for aggregate_id in wanted:
                with contextlib.suppress(AggregateNotFoundError):
                    found[aggregate_id] = self.repository.get(aggregate_id)
            return found
        streams: dict[UUID, list[StoredEvent]] = select(wanted)
        cache = self.repository.cache
        loaded: dict[UUID, Aggregate] = {}
        for aggregate_id, stored in streams.items():
            start: Aggregate | None = None
            if cache is not None:
                with contextlib.suppress(KeyError):
                    start = cast(Aggregate, copy.deepcopy(cache.get(aggregate_id)))
            after = 0 if start is None else start.version
            events: list[Any] = [
                self.mapper.to_domain_event(s) for s in stored if s.originator_version > after
            ]
            aggregate: Any = start
            for domain_event in events:  # what project_aggregate does, without its checks
                aggregate = domain_event.mutate(aggregate)
            if aggregate is not None:
                loaded[aggregate_id] = aggregate
        return loaded

    def employee(self, employee_id: UUID, field: str = "employeeId") -> Employee:
        return self._load(Employee, employee_id, "employee", field)

    def _refuse_erased(self, employee: Employee, field: str = "employeeId") -> None:
        """Nothing new is recorded about an erased employee (their offboarding aside)."""
        if self.subject_keys.for_writing(str(employee.id)) is None:
            raise Conflict(f"employee {employee.id} was erased", field=field)

    def module(self, module_id: UUID, field: str = "moduleId") -> LearningModule:
        return self._load(LearningModule, module_id, "module", field)

    def role(self, role_id: UUID, field: str = "roleId") -> Role:
        return self._load(Role, role_id, "role", field)

    def enrollment(self, enrollment_id: UUID, field: str = "enrollmentId") -> Enrollment:
        return self._load(Enrollment, enrollment_id, "enrollment", field)

    def _active_manager(self, manager_id: UUID | None) -> UUID | None:
        if manager_id is None:
            return None
        manager = self.employee(manager_id, "managerId")
        if manager.has_left:
            raise ValidationFailed("managerId", "the manager has left the organisation")
        if self.subject_keys.for_writing(str(manager.id)) is None:
            raise ValidationFailed("managerId", "the manager was erased")
        return manager.id

    def _current_role(self, role_id: UUID) -> UUID:
        role = self.role(role_id)
        if role.retired:
            raise ValidationFailed("roleId", "the role is retired")
        return role.id

    def last_position(self) -> int:
        return self.recorder.max_notification_id() or 0
