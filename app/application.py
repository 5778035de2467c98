"""The Skillpath application: command methods over the aggregates, one atomic save each.

Every command returns the event-store position it wrote, so a client can ask the read
models to catch up with its own write (``consistentWith``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import ApplicationRecorder, IntegrityError, JSONTranscoder, Mapper
from eventsourcing.popo import POPOFactory

from app.aggregates import (
    Actor,
    Conflict,
    EmailClaim,
    Employee,
    Enrollment,
    LearningModule,
    ModuleContent,
    NotFound,
    RecommendationDecision,
    RequiredSkill,
    Role,
    ValidationFailed,
)
from app.aggregates.base import utc_now
from app.aggregates.programme import Programme
from app.audit.recorders import chained_recorder
from app.consent.cipher import derive_secret, new_key
from app.consent.envelope import PersonalDataMapper
from app.consent.keys import subject_keys_for
from app.consent.ledger import ConsentLedger
from app.consent.policy import ConsentPolicy, ConsentState
from app.persistence import register_transcodings

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


class Skillpath(Application[UUID]):
    """Commands for employees, the catalogue, enrolments and the competence model."""

    name = "Skillpath"

    def __init__(
        self, env: dict[str, str] | None = None, *, master_key: bytes | None = None
    ) -> None:
        """``master_key`` wraps the per-employee data keys; only in memory may it be omitted."""
        self._master_key = master_key
        super().__init__(env)
        self.saved = SavedListeners()
        self.policy = ConsentPolicy(self.consent_state)
        #: Told the employee id after each erasure (the recommender retrains without them).
        self.erased: list[Callable[[UUID], None]] = []

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    @property
    def master_key(self) -> bytes:
        if self._master_key is None:
            if not isinstance(self.factory, POPOFactory):
                raise ValueError("a Skillpath on a database needs its master key")
            self._master_key = new_key()
        return self._master_key

    def construct_mapper(self) -> Mapper[UUID]:
        """Personal fields are sealed with their subject's key (app/consent/envelope.py)."""
        self.subject_keys = subject_keys_for(self.factory, self.master_key)
        self.email_claim_secret = derive_secret(self.master_key, "email-claim")
        return PersonalDataMapper(self.construct_transcoder(), self.subject_keys)

    def construct_recorder(self) -> ApplicationRecorder:
        """Each event is chained to the one before it (app/audit/recorders.py)."""
        self.chain_key = derive_secret(self.master_key, "event-chain")
        return chained_recorder(self.factory, self.chain_key)

    # -- infrastructure ---------------------------------------------------------------

    def _store(self, *aggregates: Aggregate, conflict: str = "", field: str | None = None) -> int:
        """Save atomically; a clash on a derived id means someone got there first."""
        try:
            recordings = self.save(*aggregates)
        except IntegrityError:
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
        return manager.id

    def _current_role(self, role_id: UUID) -> UUID:
        role = self.role(role_id)
        if role.retired:
            raise ValidationFailed("roleId", "the role is retired")
        return role.id

    # -- employees --------------------------------------------------------------------

    def hire_employee(
        self,
        *,
        name: str,
        email: str,
        role_id: UUID,
        department: str,
        manager_id: UUID | None,
        location: str,
        years_experience: int,
        hire_date: date,
        actor: Actor,
        employee_id: UUID | None = None,
    ) -> Written:
        """Hire; ``employee_id`` lets an import or the demo seed choose ids reproducibly."""
        employee = Employee.hire(
            name=name,
            email=email,
            role_id=self._current_role(role_id),
            department=department,
            manager_id=self._active_manager(manager_id),
            location=location,
            years_experience=years_experience,
            hire_date=hire_date,
            actor=actor,
            employee_id=employee_id,
        )
        claim = EmailClaim.claim(employee.email, employee.id, self.email_claim_secret)
        position = self._store(
            employee, claim, conflict="another employee has this email", field="email"
        )
        return Written(position, employee.id)

    def _on_employee(self, employee_id: UUID, change: Callable[[Employee], None]) -> Written:
        employee = self.employee(employee_id)
        change(employee)
        return Written(self._store(employee), employee.id)

    def update_profile(
        self,
        employee_id: UUID,
        *,
        media_types: list[str],
        weekly_minutes: int,
        goals: list[str],
        language: str,
        actor: Actor,
    ) -> Written:
        return self._on_employee(
            employee_id,
            lambda e: e.update_profile(
                media_types=media_types,
                weekly_minutes=weekly_minutes,
                goals=goals,
                language=language,
                actor=actor,
            ),
        )

    def assess_skill(
        self,
        employee_id: UUID,
        *,
        skill: str,
        level: int,
        source: str,
        actor: Actor,
        occurred_at: datetime | None = None,
    ) -> Written:
        return self._on_employee(
            employee_id,
            lambda e: e.assess_skill(
                skill=skill, level=level, source=source, actor=actor, occurred_at=occurred_at
            ),
        )

    def change_role(
        self,
        employee_id: UUID,
        *,
        role_id: UUID,
        department: str | None,
        manager_id: UUID | None,
        actor: Actor,
        occurred_at: datetime | None = None,
        keep_manager: bool = False,
    ) -> Written:
        """An internal move; ``keep_manager`` keeps the current manager whatever ``manager_id``."""
        role = self._current_role(role_id)
        manager = None if keep_manager else self._active_manager(manager_id)
        return self._on_employee(
            employee_id,
            lambda e: e.change_role(
                role_id=role,
                department=department,
                manager_id=e.manager_id if keep_manager else manager,
                actor=actor,
                occurred_at=occurred_at,
            ),
        )

    def record_productivity_reached(
        self, employee_id: UUID, *, reached_on: date, actor: Actor
    ) -> Written:
        return self._on_employee(
            employee_id, lambda e: e.record_productivity_reached(reached_on=reached_on, actor=actor)
        )

    def answer_pulse(
        self, employee_id: UUID, *, score: int, actor: Actor, occurred_at: datetime | None = None
    ) -> Written:
        return self._on_employee(
            employee_id, lambda e: e.answer_pulse(score=score, actor=actor, occurred_at=occurred_at)
        )

    def offboard_employee(self, employee_id: UUID, *, left_on: date, actor: Actor) -> Written:
        return self._on_employee(employee_id, lambda e: e.offboard(left_on=left_on, actor=actor))

    # -- catalogue --------------------------------------------------------------------

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
        enrollment = self._enrolment(
            employee_id, module_id, source, recommendation_id, actor, occurred_at
        )
        position = self._store(
            enrollment, conflict="the employee is already enrolled in this module", field="moduleId"
        )
        return Written(position, enrollment.id)

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
        employee = self._load(Employee, employee_id, "employee", "employeeId", readonly=True)
        module = self._load(LearningModule, module_id, "module", "moduleId", readonly=True)
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

    # -- competence model -------------------------------------------------------------

    def define_role(
        self, *, code: str, title: str, source: str, skills: list[RequiredSkill], actor: Actor
    ) -> Written:
        role = Role.define(code=code, title=title, source=source, skills=skills, actor=actor)
        position = self._store(
            role, conflict=f"a role with code {role.code!r} exists", field="code"
        )
        return Written(position, role.id)

    def revise_role(
        self,
        role_id: UUID,
        *,
        title: str | None,
        skills: list[RequiredSkill] | None,
        actor: Actor,
    ) -> Written:
        role = self.role(role_id)
        role.revise(title=title, skills=skills, actor=actor)
        return Written(self._store(role), role.id)

    def retire_role(self, role_id: UUID, *, actor: Actor) -> Written:
        role = self.role(role_id)
        role.retire(actor)
        return Written(self._store(role), role.id)

    # -- consent ------------------------------------------------------------------------

    def _ledger(self, employee_id: UUID) -> ConsentLedger:
        try:
            ledger: ConsentLedger = self.repository.get(ConsentLedger.id_for(employee_id))
        except AggregateNotFoundError:
            return ConsentLedger.open(employee_id)
        assert isinstance(ledger, ConsentLedger)
        return ledger

    def consent_state(self, employee_id: UUID) -> ConsentState:
        """What the employee has granted, read from the event store (never stale)."""
        try:
            ledger: ConsentLedger = self.repository.get(ConsentLedger.id_for(employee_id))
        except AggregateNotFoundError:
            return ConsentState(employee_id, frozenset())
        assert isinstance(ledger, ConsentLedger)
        return ConsentState(employee_id, frozenset(ledger.granted))

    def grant_consent(
        self,
        employee_id: UUID,
        *,
        purpose: str,
        policy_version: str,
        actor: Actor,
        occurred_at: datetime | None = None,
    ) -> Written:
        employee = self.employee(employee_id)
        if employee.has_left:
            raise Conflict(f"employee {employee.id} has left", field="employeeId")
        ledger = self._ledger(employee.id)
        ledger.grant(
            purpose=purpose, policy_version=policy_version, actor=actor, occurred_at=occurred_at
        )
        return Written(self._store(ledger), employee.id)

    def withdraw_consent(
        self, employee_id: UUID, *, purpose: str, actor: Actor, occurred_at: datetime | None = None
    ) -> Written:
        employee = self.employee(employee_id)
        ledger = self._ledger(employee.id)
        ledger.withdraw(purpose=purpose, actor=actor, occurred_at=occurred_at)
        return Written(self._store(ledger), employee.id)

    def request_erasure(self, employee_id: UUID, *, actor: Actor) -> Erasure:
        """Crypto-shred the employee: withdraw every purpose, delete their data key.

        Two saves on purpose: the request is on record before the key goes, so a crash in
        between is finished by asking again. Erasing an erased employee changes nothing.
        """
        employee = self.employee(employee_id)
        ledger = self._ledger(employee.id)
        if ledger.erased_at is not None:
            return Erasure(self.last_position(), employee.id, ledger.erased_at, True)
        if ledger.erasure_requested_at is None:
            ledger.request_erasure(actor=actor)
            self._store(ledger)
        deleted = self.subject_keys.erase(str(employee.id), at=utc_now())
        ledger.record_erased(erased_at=deleted.erased_at, actor=actor)
        position = self._store(ledger)
        if self.repository.cache is not None:
            # The cached aggregate still holds the decrypted name and email.
            with contextlib.suppress(KeyError):
                self.repository.cache.get(employee.id, evict=True)
        for listener in self.erased:
            listener(employee.id)
        return Erasure(position, employee.id, deleted.erased_at, False)

    # -- programmes (ROI inputs entered by HR) ------------------------------------------

    def programme(self, programme_id: UUID, field: str = "programmeId") -> Programme:
        return self._load(Programme, programme_id, "programme", field)

    def define_programme(self, *, name: str, department: str | None, actor: Actor) -> Written:
        programme = Programme.define(name=name, department=department, actor=actor)
        return Written(self._store(programme), programme.id)

    def record_programme_cost(
        self, programme_id: UUID, *, amount: float, incurred_on: date, description: str,
        actor: Actor,
    ) -> Written:  # fmt: skip
        programme = self.programme(programme_id)
        programme.record_cost(
            amount=amount, incurred_on=incurred_on, description=description, actor=actor
        )
        return Written(self._store(programme), programme.id)

    def estimate_time_saved(
        self, programme_id: UUID, *, hours: float, hourly_value: float, estimated_for: date,
        description: str, actor: Actor,
    ) -> Written:  # fmt: skip
        programme = self.programme(programme_id)
        programme.estimate_time_saved(
            hours=hours, hourly_value=hourly_value, estimated_for=estimated_for,
            description=description, actor=actor,
        )  # fmt: skip
        return Written(self._store(programme), programme.id)

    # -- recommendation decisions -------------------------------------------------------

    def issue_recommendation(
        self,
        *,
        employee_id: UUID,
        module_ids: list[UUID],
        scores: list[float],
        reasons: list[list[dict[str, Any]]],
        model_version: str | None,
        consent_basis: str,
        goal: str | None,
        actor: Actor,
    ) -> Written:
        """Log a served list; the recommender has checked that the employee exists."""
        decision = RecommendationDecision.issue(
            employee_id=employee_id,
            module_ids=module_ids,
            scores=scores,
            reasons=reasons,
            model_version=model_version,
            consent_basis=consent_basis,
            goal=goal,
            actor=actor,
        )
        return Written(self._store(decision), decision.id)

    def answer_recommendation(
        self, decision_id: UUID, *, module_id: UUID, answer: str, comment: str, actor: Actor
    ) -> Written:
        """Record the answer to one item; an accepted item is enrolled in the same save."""
        decision = self._load(
            RecommendationDecision, decision_id, "recommendation decision", "decisionId"
        )
        decision.answer(module_id=module_id, answer=answer, comment=comment, actor=actor)
        changed: list[Aggregate] = [decision]
        if answer == "accepted":
            changed.append(
                self._enrolment(decision.employee_id, module_id, "recommendation", decision.id,
                                actor, None)
            )  # fmt: skip
        position = self._store(
            *changed, conflict="the item was answered or enrolled concurrently", field="itemId"
        )
        return Written(position, decision.id)

    def declare_attributes(
        self, employee_id: UUID, *, gender: str, age_band: str, actor: Actor
    ) -> Written:
        """Store self-declared attributes, only with fairness_audit consent."""
        employee = self.employee(employee_id)
        if not self.policy.may_use_fairness_attributes(employee.id):
            raise Conflict(
                "fairness_audit consent is required before attributes can be declared",
                field="employeeId",
            )
        employee.declare_attributes(gender=gender, age_band=age_band, actor=actor)
        return Written(self._store(employee), employee.id)

    # -- log ----------------------------------------------------------------------------

    def last_position(self) -> int:
        return self.recorder.max_notification_id() or 0
