"""The Enrollment aggregate: one employee's relationship with one module.

Its id is derived from the (employee, module) pair, so two concurrent enrolments of the same
person in the same module collide in the event store instead of creating duplicates. Taking
a module again after completing or dropping it starts a new attempt on the same aggregate.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from app.aggregates import base
from app.aggregates.base import Actor, PersonalData
from app.aggregates.employee import Employee
from app.aggregates.errors import Conflict, ValidationFailed
from app.aggregates.learning_module import LearningModule

ENROLLMENT_NAMESPACE = UUID("0b7c1d52-61a4-4c55-a0d9-2a34f8b3c6e1")
SOURCES = ("self", "assigned", "recommendation")
ACTIVE, COMPLETED, DROPPED = "active", "completed", "dropped"


class Enrollment(Aggregate):
    """Enrolled, progressing, quizzed, then completed or dropped; feedback at any time."""

    class Enrolled(Aggregate.Created):
        employee_id: UUID
        module_id: UUID
        source: str
        recommendation_id: UUID | None
        occurred_at: datetime
        actor: Actor

    class Reenrolled(Aggregate.Event):
        attempt: int
        source: str
        recommendation_id: UUID | None
        occurred_at: datetime
        actor: Actor

    class Progressed(Aggregate.Event):
        percent: int
        minutes: int | None
        position_minutes: float | None
        occurred_at: datetime
        actor: Actor

    class QuizAttempted(Aggregate.Event):
        score: int
        occurred_at: datetime
        actor: Actor

    class Completed(Aggregate.Event):
        occurred_at: datetime
        actor: Actor

    class Dropped(Aggregate.Event):
        position_minutes: float | None
        occurred_at: datetime
        actor: Actor

    class FeedbackGiven(Aggregate.Event, PersonalData):
        personal_fields: ClassVar[frozenset[str]] = frozenset({"comment"})
        subject_field: ClassVar[str | None] = "employee_id"
        employee_id: UUID
        rating: int
        comment: str
        occurred_at: datetime
        actor: Actor

    @event(Enrolled)
    def __init__(
        self,
        employee_id: UUID,
        module_id: UUID,
        source: str,
        recommendation_id: UUID | None,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        self.employee_id = employee_id
        self.module_id = module_id
        self.attempt = 1
        self._start()

    def _start(self) -> None:
        self.status = ACTIVE
        self.percent = 0
        self.minutes = 0

    @staticmethod
    def id_for(employee_id: UUID, module_id: UUID) -> UUID:
        return uuid5(ENROLLMENT_NAMESPACE, f"{employee_id}/{module_id}")

    @classmethod
    def open(
        cls,
        *,
        employee: Employee,
        module: LearningModule,
        source: str,
        recommendation_id: UUID | None,
        actor: Actor,
        occurred_at: datetime | None,
    ) -> Enrollment:
        """A first enrolment: the employee must still work here and the module be current."""
        _check_can_enrol(employee, module, source, recommendation_id)
        return cls._create(
            cls.Enrolled,
            id=cls.id_for(employee.id, module.id),
            employee_id=employee.id,
            module_id=module.id,
            source=source,
            recommendation_id=recommendation_id,
            occurred_at=base.business_time(occurred_at, "occurredAt"),
            actor=actor,
        )

    def reenrol(
        self,
        *,
        employee: Employee,
        module: LearningModule,
        source: str,
        recommendation_id: UUID | None,
        actor: Actor,
        occurred_at: datetime | None,
    ) -> None:
        """Another attempt after completing or dropping the module."""
        if self.status == ACTIVE:
            raise Conflict("the employee is already enrolled in this module", field="moduleId")
        _check_can_enrol(employee, module, source, recommendation_id)
        self._reenrolled(
            attempt=self.attempt + 1,
            source=source,
            recommendation_id=recommendation_id,
            occurred_at=base.business_time(occurred_at, "occurredAt"),
            actor=actor,
        )

    @event(Reenrolled)
    def _reenrolled(
        self,
        attempt: int,
        source: str,
        recommendation_id: UUID | None,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        self.attempt = attempt
        self._start()

    @staticmethod
    def check_activity(*, minutes: int | None, position_minutes: float | None) -> None:
        """Range checks of fine-grained activity, made before consent may drop the values."""
        if minutes is not None:
            base.in_range(minutes, "minutes", 0, 24 * 60)
        if position_minutes is not None:
            base.in_range(position_minutes, "positionMinutes", 0, 100 * 60)

    def _require_active(self, doing: str) -> None:
        if self.status != ACTIVE:
            raise Conflict(f"cannot {doing}: the enrollment is {self.status}")

    def record_progress(
        self,
        *,
        percent: int,
        minutes: int | None,
        position_minutes: float | None,
        actor: Actor,
        occurred_at: datetime | None,
    ) -> None:
        self._require_active("record progress")
        base.in_range(percent, "percent", 0, 100)
        self.check_activity(minutes=minutes, position_minutes=position_minutes)
        self._progressed(
            percent=percent,
            minutes=minutes,
            position_minutes=position_minutes,
            occurred_at=base.business_time(occurred_at, "occurredAt"),
            actor=actor,
        )

    @event(Progressed)
    def _progressed(
        self,
        percent: int,
        minutes: int | None,
        position_minutes: float | None,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        self.percent = max(self.percent, percent)
        self.minutes += minutes or 0

    def record_quiz_attempt(
        self, *, score: int, actor: Actor, occurred_at: datetime | None
    ) -> None:
        # Quizzes after completion are how spaced repetition checks what stuck.
        if self.status == DROPPED:
            raise Conflict("cannot record a quiz attempt: the enrollment is dropped")
        base.in_range(score, "score", 0, 100)
        self._quiz_attempted(
            score=score, occurred_at=base.business_time(occurred_at, "occurredAt"), actor=actor
        )

    @event(QuizAttempted)
    def _quiz_attempted(self, score: int, occurred_at: datetime, actor: Actor) -> None:
        pass

    def complete(self, *, actor: Actor, occurred_at: datetime | None) -> None:
        self._require_active("complete")
        self._completed(occurred_at=base.business_time(occurred_at, "occurredAt"), actor=actor)

    @event(Completed)
    def _completed(self, occurred_at: datetime, actor: Actor) -> None:
        self.status = COMPLETED
        self.percent = 100

    def drop(
        self, *, position_minutes: float | None, actor: Actor, occurred_at: datetime | None
    ) -> None:
        self._require_active("drop")
        self.check_activity(minutes=None, position_minutes=position_minutes)
        self._dropped(
            position_minutes=position_minutes,
            occurred_at=base.business_time(occurred_at, "occurredAt"),
            actor=actor,
        )

    @event(Dropped)
    def _dropped(self, position_minutes: float | None, occurred_at: datetime, actor: Actor) -> None:
        self.status = DROPPED

    def give_feedback(
        self, *, rating: int, comment: str, actor: Actor, occurred_at: datetime | None
    ) -> None:
        base.in_range(rating, "rating", 1, 5)
        self._feedback_given(
            employee_id=self.employee_id,
            rating=rating,
            comment=base.text(comment, "comment", base.MAX_LONG_TEXT, required=False),
            occurred_at=base.business_time(occurred_at, "occurredAt"),
            actor=actor,
        )

    @event(FeedbackGiven)
    def _feedback_given(
        self, employee_id: UUID, rating: int, comment: str, occurred_at: datetime, actor: Actor
    ) -> None:
        pass


def _check_can_enrol(
    employee: Employee, module: LearningModule, source: str, recommendation_id: UUID | None
) -> None:
    if employee.has_left:
        raise Conflict(f"employee {employee.id} has left and cannot enrol", field="employeeId")
    if module.retired:
        raise Conflict(f"module {module.id} is retired and takes no enrolments", field="moduleId")
    base.one_of(source, "source", SOURCES)
    if source == "recommendation" and recommendation_id is None:
        raise ValidationFailed("recommendationId", "is required when source is recommendation")
