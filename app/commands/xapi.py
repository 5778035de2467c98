"""Recording xAPI statements: each becomes enrolment events through the enrolment's own
commands, saved together with the statement, so a statement and what it caused land in
one atomic save or not at all.

A batch is applied statement by statement on working copies of the aggregates it touches;
a statement that is refused leaves its copies as they were, so the good ones of a batch
land in one save and each refused one is reported.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from app.aggregates import (
    Actor,
    Conflict,
    DomainError,
    EmailClaim,
    Employee,
    Enrollment,
    ValidationFailed,
)
from app.aggregates.enrollment import ACTIVE, COMPLETED
from app.aggregates.learning_module import LearningModule
from app.aggregates.xapi import ActivityMapping, XapiStatement
from app.commands.base import Written
from app.commands.learning import LearningCommands
from app.consent.ledger import ConsentLedger
from app.integration.xapi import Statement, StatementRejected, without_activity_details

_STARTS = frozenset({"launched", "initialized", "attempted", "progressed", "answered", "scored"})
_AFTER_COMPLETION = frozenset({"answered", "scored", "passed", "failed", "completed", "terminated"})


@dataclass(frozen=True)
class StatementOutcome:
    """What became of one statement: recorded (or already recorded), or refused."""

    statement_id: UUID
    rejected: StatementRejected | None = None


class XapiCommands(LearningCommands):
    """xAPI statements and the activity table HR keeps."""

    #: Finds the employee of an ``mbox_sha1sum`` (wired to the directory read model).
    find_by_mbox_sha1: Callable[[str], UUID | None] = staticmethod(lambda _: None)

    def map_activity(self, activity_id: str, module_id: UUID, *, actor: Actor) -> Written:
        """Say which module an LMS activity id stands for (new or changed)."""
        activity_id = _activity_iri(activity_id)
        module = self.module(module_id)
        try:
            mapping: ActivityMapping = self.repository.get(ActivityMapping.id_for(activity_id))
        except AggregateNotFoundError:
            mapping = ActivityMapping.map(activity_id, module.id, actor)
        else:
            if mapping.module_id == module.id:
                return Written(self.last_position(), module.id)
            mapping.remap(module.id, actor)
        position = self._store(
            mapping, conflict="the activity was mapped concurrently", field="activityId"
        )
        return Written(position, module.id)

    def statement(self, statement_id: UUID) -> XapiStatement | None:
        try:
            found: Aggregate = self.repository.get(statement_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, XapiStatement) else None

    def record_statements(
        self, statements: list[Statement], *, actor: Actor
    ) -> tuple[list[StatementOutcome], int]:
        """Record the statements that can be; the outcome of each, and the position written.

        A batch is first tried as new statements (no look-up per statement id: the save
        fails if one exists), then, if that clashed, with each id looked up, then, if it
        clashed again (a concurrent writer), one statement per save."""
        for optimistic in (True, False):
            work = _Batch(self, actor, statements, optimistic=optimistic)
            outcomes = [work.apply(statement) for statement in statements]
            if not work.touched:
                return outcomes, 0
            try:
                return outcomes, self._store(*work.touched.values())
            except Conflict:
                continue
        if len(statements) == 1:
            raise Conflict("the statement clashed with a concurrent write")
        position = 0
        retried: list[StatementOutcome] = []
        for statement, outcome in zip(statements, outcomes, strict=True):
            if outcome.rejected is not None:
                retried.append(outcome)
                continue
            try:
                [single], written = self.record_statements([statement], actor=actor)
            except Conflict as error:
                single = StatementOutcome(statement.id, StatementRejected(error.message, 409))
                written = 0
            retried.append(single)
            position = max(position, written)
        return retried, position


class _Batch:
    """Working copies of what one batch of statements changes.

    Everything the batch reads is read before the first statement is applied, in two
    reads of the event store for the whole batch: first the e-mail claims, activity
    mappings (and, unless optimistic, the statements by id), then the employees, modules,
    consent ledgers and enrolments these name."""

    def __init__(
        self, app: XapiCommands, actor: Actor, statements: list[Statement], *, optimistic: bool
    ) -> None:
        self.app = app
        self.actor = actor
        #: Take every statement for new (the save refuses one that exists).
        self.optimistic = optimistic
        self.touched: dict[UUID, Aggregate] = {}
        self.digests: dict[UUID, str] = {}
        self.loaded: dict[UUID, Aggregate] = {}
        self._prefetch(statements)

    def _prefetch(self, statements: list[Statement]) -> None:
        first: list[UUID] = []
        for statement in statements:
            email = _email_of(statement)
            if email is not None:
                first.append(EmailClaim.id_for(email, self.app.email_claim_secret))
            if statement.module_in_activity is None:
                first.append(ActivityMapping.id_for(statement.activity_id))
            if not self.optimistic:
                first.append(statement.id)
        self.loaded = self.app._load_many(first)
        second: list[UUID] = []
        for statement in statements:
            employee_id = self._employee_id(statement)
            module_id = self._module_id(statement)
            if employee_id is not None:
                second += [employee_id, ConsentLedger.id_for(employee_id)]
            if module_id is not None:
                second.append(module_id)
            if employee_id is not None and module_id is not None:
                second.append(Enrollment.id_for(employee_id, module_id))
        self.loaded.update(self.app._load_many(second))

    def apply(self, statement: Statement) -> StatementOutcome:
        before = dict(self.touched)
        try:
            self._apply(statement)
        except StatementRejected as error:
            self.touched = before
            return StatementOutcome(statement.id, error)
        except DomainError as error:
            self.touched = before
            status = 409 if isinstance(error, Conflict) else 400
            return StatementOutcome(statement.id, StatementRejected(error.message, status))
        return StatementOutcome(statement.id)

    def _apply(self, statement: Statement) -> None:
        seen = self.digests.get(statement.id)
        if seen is None and not self.optimistic:
            stored = self.loaded.get(statement.id)
            seen = stored.digest if isinstance(stored, XapiStatement) else None
        if seen is not None:
            if seen != statement.digest:
                raise StatementRejected(
                    f"statement {statement.id} was recorded with different content", 409
                )
            return  # re-sent: nothing changes
        employee = self._employee(statement)
        module = self._module(statement)
        ledger = self.loaded.get(ConsentLedger.id_for(employee.id))
        tracked = isinstance(ledger, ConsentLedger) and "activity_tracking" in ledger.granted
        minutes = statement.minutes if tracked else None
        position = statement.position_minutes if tracked else None
        at = statement.timestamp
        enrollment = self._enrollment(employee, module, statement)
        if enrollment is not None:
            self._follow(statement, enrollment, minutes, position, at)
            self.touched[enrollment.id] = enrollment
        body = statement.body if tracked else without_activity_details(statement.body)
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        body = {
            **body,
            "timestamp": body.get("timestamp", now),
            "stored": now,
            "authority": {
                "objectType": "Agent",
                "account": {"homePage": "urn:skillpath:integration", "name": self.actor.id},
            },
            "version": "1.0.3",
        }
        self.touched[statement.id] = XapiStatement.record(
            statement_id=statement.id,
            employee_id=employee.id,
            module_id=module.id,
            verb=statement.verb,
            digest=statement.digest,
            statement=body,
            actor=self.actor,
        )
        self.digests[statement.id] = statement.digest

    def _employee_id(self, statement: Statement) -> UUID | None:
        """The employee the actor names, as far as the prefetched claims tell."""
        ref = statement.actor
        if ref.kind == "account" and "@" not in ref.value:
            try:
                return UUID(ref.value)
            except ValueError:
                return None
        if ref.kind == "mbox_sha1sum":
            return self.app.find_by_mbox_sha1(ref.value)
        claim = self.loaded.get(EmailClaim.id_for(ref.value, self.app.email_claim_secret))
        return claim.employee_id if isinstance(claim, EmailClaim) else None

    def _employee(self, statement: Statement) -> Employee:
        ref = statement.actor
        if ref.kind == "account" and "@" not in ref.value:
            try:
                UUID(ref.value)
            except ValueError:
                raise StatementRejected(
                    "actor.account.name must be a Skillpath employee id or an email"
                ) from None
        employee_id = self._employee_id(statement)
        employee = None if employee_id is None else self.loaded.get(employee_id)
        if not isinstance(employee, Employee):
            raise StatementRejected("the statement's actor matches no employee")
        if employee.has_left:
            raise StatementRejected("the statement's actor has left the organisation")
        if self.app.subject_keys.for_writing(str(employee.id)) is None:
            raise StatementRejected("the statement's actor was erased")
        return employee

    def _module_id(self, statement: Statement) -> UUID | None:
        module_id = statement.module_in_activity
        if module_id is not None:
            return module_id
        mapping = self.loaded.get(ActivityMapping.id_for(statement.activity_id))
        return mapping.module_id if isinstance(mapping, ActivityMapping) else None

    def _module(self, statement: Statement) -> LearningModule:
        module_id = self._module_id(statement)
        if module_id is None:
            raise StatementRejected(
                f"activity {statement.activity_id} maps to no module (HR maps activities"
                " with mapXapiActivity)"
            )
        module = self.loaded.get(module_id)
        if not isinstance(module, LearningModule):
            raise StatementRejected(
                f"activity {statement.activity_id} names no module of the catalogue"
            )
        return module

    def _enrollment(
        self, employee: Employee, module: LearningModule, statement: Statement
    ) -> Enrollment | None:
        """The enrolment this statement is about, as a working copy of its own."""
        enrollment_id = Enrollment.id_for(employee.id, module.id)
        found: Any = self.touched.get(enrollment_id) or self.loaded.get(enrollment_id)
        enrollment: Enrollment | None = None if found is None else copy.deepcopy(found)
        details: dict[str, Any] = {
            "employee": employee,
            "module": module,
            "source": "self",
            "recommendation_id": None,
            "actor": self.actor,
            "occurred_at": statement.timestamp,
        }
        if enrollment is None:
            if statement.verb == "terminated" or statement.verb == "abandoned":
                return None  # a session ended that never began here: only the statement
            return Enrollment.open(**details)
        if enrollment.status == ACTIVE:
            return enrollment
        if enrollment.status == COMPLETED and statement.verb in _AFTER_COMPLETION:
            return enrollment
        if statement.verb in _STARTS or statement.verb in ("passed", "completed"):
            enrollment.reenrol(**details)
            return enrollment
        return None

    def _follow(
        self,
        statement: Statement,
        enrollment: Enrollment,
        minutes: int | None,
        position: float | None,
        at: datetime | None,
    ) -> None:
        """The enrolment events a statement stands for."""
        verb, actor = statement.verb, self.actor
        moved = statement.progress is not None or verb == "progressed" or minutes or position
        if enrollment.status == ACTIVE and moved and verb != "abandoned":
            percent = enrollment.percent if statement.progress is None else statement.progress
            enrollment.record_progress(
                percent=percent,
                minutes=minutes,
                position_minutes=position,
                actor=actor,
                occurred_at=at,
            )
        if statement.score is not None and verb in ("answered", "scored", "passed", "failed"):
            enrollment.record_quiz_attempt(score=statement.score, actor=actor, occurred_at=at)
        finished = verb in ("completed", "passed") or statement.completion is True
        if finished and enrollment.status == ACTIVE:
            enrollment.complete(actor=actor, occurred_at=at)
        if verb == "abandoned" and enrollment.status == ACTIVE:
            enrollment.drop(position_minutes=position, actor=actor, occurred_at=at)


def _email_of(statement: Statement) -> str | None:
    """The address an actor is named by (mbox, or an account whose name is an email)."""
    ref = statement.actor
    if ref.kind == "mbox" or (ref.kind == "account" and "@" in ref.value):
        return ref.value
    return None


def _activity_iri(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 2_000 or ":" not in value or any(c.isspace() for c in value):
        raise ValidationFailed("activityId", "must be an IRI such as https://lms.example/course/7")
    return value
