"""Commands about learning programmes: the ROI inputs HR enters."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from app.aggregates import (
    Actor,
)
from app.aggregates.base import uuid_ref
from app.aggregates.errors import ValidationFailed
from app.aggregates.programme import Programme
from app.aggregates.programme_phases import Criterion
from app.commands.base import CommandBase, Written


class ProgrammeCommands(CommandBase):
    """Programme costs and estimated time saved."""

    def programme(
        self, programme_id: UUID, field: str = "programmeId", *, readonly: bool = False
    ) -> Programme:
        return self._load(Programme, programme_id, "programme", field, readonly=readonly)

    def define_programme(
        self, *, name: str, department: str | None, actor: Actor,
        programme_id: UUID | None = None,
    ) -> Written:  # fmt: skip
        programme = Programme.define(
            name=name, department=department, actor=actor, programme_id=programme_id
        )
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

    def record_programme_cost_line(
        self, programme_id: UUID, *, category: str, amount: float, incurred_on: date,
        description: str, actor: Actor,
    ) -> Written:  # fmt: skip
        programme = self.programme(programme_id)
        programme.record_cost_line(
            category=category, amount=amount, incurred_on=incurred_on,
            description=description, actor=actor,
        )  # fmt: skip
        return Written(self._store(programme), programme.id)

    def record_programme_benefit(
        self, programme_id: UUID, *, category: str, amount: float | None, realised_on: date,
        description: str, actor: Actor, minutes_per_day: float | None = None,
        employees: int | None = None, working_days: int | None = None,
        hourly_value: float | None = None,
    ) -> Written:  # fmt: skip
        programme = self.programme(programme_id)
        programme.record_benefit(
            category=category, amount=amount, realised_on=realised_on, description=description,
            actor=actor, minutes_per_day=minutes_per_day, employees=employees,
            working_days=working_days, hourly_value=hourly_value,
        )  # fmt: skip
        return Written(self._store(programme), programme.id)

    # -- phases, pilot cohort, gates ------------------------------------------------------

    def define_programme_phase(
        self, programme_id: UUID, *, kind: str, name: str, starts_on: date, ends_on: date,
        success_criteria: list[Criterion], exit_criteria: list[str], actor: Actor,
    ) -> Written:  # fmt: skip
        programme = self.programme(programme_id)
        programme.define_phase(
            kind=kind, name=name, starts_on=starts_on, ends_on=ends_on,
            success_criteria=success_criteria, exit_criteria=exit_criteria, actor=actor,
        )  # fmt: skip
        return Written(self._store(programme), programme.id)

    def confirm_pilot_cohort(
        self, programme_id: UUID, *, employee_ids: list[str], suggested_ids: list[str],
        min_size: int, actor: Actor,
    ) -> Written:  # fmt: skip
        """Only active employees who granted personalisation may be in a pilot of it."""
        programme = self.programme(programme_id)
        for index, value in enumerate(employee_ids):
            field = f"employeeIds[{index}]"
            employee = self.employee(uuid_ref(value, field), field)
            if employee.has_left:
                raise ValidationFailed(field, "has left the organisation")
            if not self.policy.may_personalise(employee.id):
                raise ValidationFailed(field, "has not granted personalisation consent")
        programme.confirm_pilot_cohort(
            employee_ids=employee_ids, suggested_ids=suggested_ids, min_size=min_size,
            actor=actor,
        )  # fmt: skip
        return Written(self._store(programme), programme.id)

    def decide_phase_gate(
        self, programme_id: UUID, *, phase: str, decision: str, reason: str, decided_on: date,
        actor: Actor,
    ) -> Written:  # fmt: skip
        programme = self.programme(programme_id)
        programme.decide_gate(
            phase=phase, decision=decision, reason=reason, decided_on=decided_on, actor=actor
        )
        return Written(self._store(programme), programme.id)
