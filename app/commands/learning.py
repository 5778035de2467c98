"""Commands about learning: the module catalogue and enrolments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from app.aggregates import (
    Actor,
    Conflict,
    Employee,
    Enrollment,
    LearningModule,
    ModuleContent,
    NotFound,
    ValidationFailed,
)
from app.commands.base import CommandBase, Written


class LearningCommands(CommandBase):
    """The catalogue and every step of an enrolment."""

    def _check_prerequisites(self, content: ModuleContent) -> None:
        for prerequisite in content.prerequisite_ids:
            module = self.module(prerequisite, "prerequisiteIds")
            if module.retired:
                raise ValidationFailed("prerequisiteIds", f"module {prerequisite} is retired")

    def publish_module(
        self, content: ModuleContent, *, actor: Actor, module_id: UUID | None = None
    ) -> Written:
        self._check_prerequisites(content)
        module = LearningModule.publish(content, actor, module_id)
        return Written(self._store(module, conflict="a module with this id exists"), module.id)

    def revise_module(self, module_id: UUID, *, changes: dict[str, Any], actor: Actor) -> Written:
        """Apply the given content fields (ModuleContent names) over the current ones."""
        module = self.module(module_id)
        content = ModuleContent(**{**module.content.__dict__, **changes})
        self._check_prerequisites(content)
        module.revise(content, actor)
        return Written(self._store(module), module.id)

    def review_module_tags(
        self, module_id: UUID, *, suggested: list[dict[str, Any]], topics: list[str],
        skills: dict[str, int], actor: Actor,
    ) -> Written:  # fmt: skip
        """HR accepts or corrects the suggested tags: the review is recorded and, when the
        tags change, the module is revised to them, both in one save."""
        module = self.module(module_id)
        content = ModuleContent(**{**module.content.__dict__, "topics": topics, "skills": skills})
        checked = content.validated(module.id)
        module.review_tags(suggested, checked.topics, list(checked.skills), actor)
        if checked != module.content:
            module.revise(checked, actor)
        return Written(self._store(module), module.id)

    def flag_module_for_revision(
        self, module_id: UUID, *, reason: str, figures: dict[str, float], actor: Actor
    ) -> Written:
        module = self.module(module_id)
        module.flag_for_revision(reason, figures, actor)
        return Written(self._store(module), module.id)

    def retire_module(self, module_id: UUID, *, reason: str, actor: Actor) -> Written:
        module = self.module(module_id)
        module.retire(reason, actor)
        return Written(self._store(module), module.id)

    # -- enrolments -------------------------------------------------------------------

    def enroll(
        self,
        *,
        employee_id: UUID,
        module_id: UUID,
        source: str,
        recommendation_id: UUID | None,
        actor: Actor,
        occurred_at: datetime | None = None,
    ) -> Written:
        employee, module = self._enrolment_parties(employee_id, module_id)
        details: dict[str, Any] = {
            "employee": employee,
            "module": module,
            "source": source,
            "recommendation_id": recommendation_id,
            "actor": actor,
            "occurred_at": occurred_at,
        }
        conflict = "the employee is already enrolled in this module"
        # Most enrolments are first ones: saved without first looking for an earlier one (a
        # query that finds nothing); the store refuses a second first, and then the earlier
        # enrolment is loaded for another attempt.
        # Commands saved together (the demo seed) are stored later, all at once, so the
        # store cannot refuse a second first in time: they look first.
        together = getattr(self, "_together", None) is not None
        first = Enrollment.open(**details)
        if not together:
            try:
                return Written(self._store(first, as_conflict=False), first.id)
            except IntegrityError:
                pass
        try:
            enrollment = self.enrollment(first.id, "moduleId")
        except NotFound:
            if together:  # nothing earlier, saved or pending
                return Written(self._store(first), first.id)
            raise Conflict(conflict, "moduleId") from None  # saved concurrently, not yet readable
        enrollment.reenrol(**details)
        return Written(self._store(enrollment, conflict=conflict, field="moduleId"), first.id)

    def _enrolment_parties(
        self, employee_id: UUID, module_id: UUID
    ) -> tuple[Employee, LearningModule]:
        employee = self._load(Employee, employee_id, "employee", "employeeId", readonly=True)
        self._refuse_erased(employee)
        module = self._load(LearningModule, module_id, "module", "moduleId", readonly=True)
        return employee, module

    def _enrolment(
        self,
        employee_id: UUID,
        module_id: UUID,
        source: str,
        recommendation_id: UUID | None,
        actor: Actor,
        occurred_at: datetime | None,
    ) -> Enrollment:
        """A first enrolment or another attempt, not yet saved."""
        employee, module = self._enrolment_parties(employee_id, module_id)
        enrollment_id = Enrollment.id_for(employee.id, module.id)
        details: dict[str, Any] = {
            "employee": employee,
            "module": module,
            "source": source,
            "recommendation_id": recommendation_id,
            "actor": actor,
            "occurred_at": occurred_at,
        }
        try:
            enrollment: Enrollment = self.repository.get(enrollment_id)
        except AggregateNotFoundError:
            enrollment = Enrollment.open(**details)
        else:
            enrollment.reenrol(**details)
        return enrollment

    def _on_enrollment(self, enrollment_id: UUID, change: Callable[[Enrollment], None]) -> Written:
        enrollment = self.enrollment(enrollment_id)
        change(enrollment)
        return Written(self._store(enrollment), enrollment.id)

    def record_progress(
        self,
        enrollment_id: UUID,
        *,
        percent: int,
        minutes: int | None,
        position_minutes: float | None,
        actor: Actor,
        occurred_at: datetime | None = None,
    ) -> Written:
        def progress(e: Enrollment) -> None:
            Enrollment.check_activity(minutes=minutes, position_minutes=position_minutes)
            details = self.policy.activity_details(
                e.employee_id, {"minutes": minutes, "position_minutes": position_minutes}
            )
            e.record_progress(percent=percent, actor=actor, occurred_at=occurred_at, **details)

        return self._on_enrollment(enrollment_id, progress)

    def record_quiz_attempt(
        self, enrollment_id: UUID, *, score: int, actor: Actor, occurred_at: datetime | None = None
    ) -> Written:
        return self._on_enrollment(
            enrollment_id,
            lambda e: e.record_quiz_attempt(score=score, actor=actor, occurred_at=occurred_at),
        )

    def complete_enrollment(
        self, enrollment_id: UUID, *, actor: Actor, occurred_at: datetime | None = None
    ) -> Written:
        return self._on_enrollment(
            enrollment_id, lambda e: e.complete(actor=actor, occurred_at=occurred_at)
        )

    def drop_enrollment(
        self,
        enrollment_id: UUID,
        *,
        position_minutes: float | None,
        actor: Actor,
        occurred_at: datetime | None = None,
    ) -> Written:
        def drop(e: Enrollment) -> None:
            Enrollment.check_activity(minutes=None, position_minutes=position_minutes)
            details = self.policy.activity_details(
                e.employee_id, {"position_minutes": position_minutes}
            )
            e.drop(actor=actor, occurred_at=occurred_at, **details)

        return self._on_enrollment(enrollment_id, drop)

    def give_feedback(
        self,
        enrollment_id: UUID,
        *,
        rating: int,
        comment: str,
        actor: Actor,
        occurred_at: datetime | None = None,
    ) -> Written:
        return self._on_enrollment(
            enrollment_id,
            lambda e: e.give_feedback(
                rating=rating, comment=comment, actor=actor, occurred_at=occurred_at
            ),
        )
