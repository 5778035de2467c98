"""Shared command infrastructure: atomic saves, typed loads, and what a command returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

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


class CommandBase(Application[UUID]):
    """What every group of commands shares: the atomic save and typed aggregate loads."""

    saved: SavedListeners
    decision_commits: GroupCommit
    policy: ConsentPolicy
    erased: list[Callable[[UUID], None]]
    withdrawn: list[Callable[[UUID, str], None]]
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
