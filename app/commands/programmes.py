"""Commands about learning programmes: the ROI inputs HR enters."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from app.aggregates import (
    Actor,
)
from app.aggregates.programme import Programme
from app.commands.base import CommandBase, Written


class ProgrammeCommands(CommandBase):
    """Programme costs and estimated time saved."""

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
