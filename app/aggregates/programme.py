"""The Programme aggregate: what HR spends on a learning programme and the time it saves.

Return on investment is computed from these entries only: costs as recorded, and benefits as
hours saved times the value of an hour, both estimated and entered by HR.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from app.aggregates import base
from app.aggregates.base import Actor

#: The largest single amount accepted, to catch typing errors (an extra zero or three).
MAX_AMOUNT = 1_000_000_000.0
MAX_HOURS = 10_000_000.0


class Programme(Aggregate):
    """A learning programme HR accounts for, optionally owned by one department."""

    class Defined(Aggregate.Created):
        name: str
        department: str | None
        actor: Actor

    class CostRecorded(Aggregate.Event):
        amount: float
        incurred_on: date
        description: str
        actor: Actor

    class TimeSavedEstimated(Aggregate.Event):
        hours: float
        hourly_value: float
        estimated_for: date
        description: str
        actor: Actor

    @event(Defined)
    def __init__(self, name: str, department: str | None, actor: Actor) -> None:
        self.name = name
        self.department = department
        self.total_cost = 0.0
        self.total_benefit = 0.0

    @classmethod
    def define(
        cls, *, name: str, department: str | None, actor: Actor, programme_id: UUID | None = None
    ) -> Programme:
        return cls._create(
            cls.Defined,
            id=programme_id or uuid4(),
            name=base.text(name, "name"),
            department=None if department is None else base.text(department, "department"),
            actor=actor,
        )

    def record_cost(
        self, *, amount: float, incurred_on: date, description: str, actor: Actor
    ) -> None:
        base.in_range(amount, "amount", 0.01, MAX_AMOUNT)
        self._cost_recorded(
            amount=float(amount),
            incurred_on=base.past_date(incurred_on, "incurredOn"),
            description=base.text(description, "description", required=False),
            actor=actor,
        )

    @event(CostRecorded)
    def _cost_recorded(
        self, amount: float, incurred_on: date, description: str, actor: Actor
    ) -> None:
        self.total_cost += amount

    def estimate_time_saved(
        self,
        *,
        hours: float,
        hourly_value: float,
        estimated_for: date,
        description: str,
        actor: Actor,
    ) -> None:
        """Hours the programme saved in the period ending ``estimated_for``, and their value."""
        base.in_range(hours, "hours", 0.0, MAX_HOURS)
        base.in_range(hourly_value, "hourlyValue", 0.01, MAX_AMOUNT)
        self._time_saved_estimated(
            hours=float(hours),
            hourly_value=float(hourly_value),
            estimated_for=base.past_date(estimated_for, "estimatedFor"),
            description=base.text(description, "description", required=False),
            actor=actor,
        )

    @event(TimeSavedEstimated)
    def _time_saved_estimated(
        self,
        hours: float,
        hourly_value: float,
        estimated_for: date,
        description: str,
        actor: Actor,
    ) -> None:
        self.total_benefit += hours * hourly_value
