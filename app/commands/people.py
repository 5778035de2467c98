"""Commands about people: hiring, profiles, skills, moves, leaving, and the roles they hold."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from app.aggregates import (
    Actor,
    EmailClaim,
    Employee,
    RequiredSkill,
    Role,
)
from app.commands.base import CommandBase, Written


class PeopleCommands(CommandBase):
    """Employees and the competence model."""

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

    def employee_by_email(self, address: str) -> UUID | None:
        """The employee who holds ``address`` (through its email claim), or None."""
        try:
            claim: object = self.repository.get(EmailClaim.id_for(address, self.email_claim_secret))
        except AggregateNotFoundError:
            return None
        return claim.employee_id if isinstance(claim, EmailClaim) else None

    def _on_employee(
        self, employee_id: UUID, change: Callable[[Employee], None], *, erased_too: bool = False
    ) -> Written:
        employee = self.employee(employee_id)
        if not erased_too:
            self._refuse_erased(employee)
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
        return self._on_employee(
            employee_id, lambda e: e.offboard(left_on=left_on, actor=actor), erased_too=True
        )

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
