"""The Programme aggregate: what HR spends on a learning programme and the time it saves.

Return on investment is computed from these entries only: costs as recorded, and benefits as
hours saved times the value of an hour, both estimated and entered by HR.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from app.aggregates import base
from app.aggregates import programme_phases as phases
from app.aggregates.base import Actor
from app.aggregates.errors import Conflict, ValidationFailed


@dataclass
class Phase:
    """One phase as defined, and the gate decisions HR took on it."""

    kind: str
    name: str
    starts_on: date
    ends_on: date
    criteria: list[phases.Criterion]
    exit_criteria: list[str]
    #: advance or stop once decided; an "extend" keeps the phase open.
    decision: str | None = None
    decisions: list[tuple[str, str, date]] = field(default_factory=list)


#: Cost and benefit lines as the steering model names them.
COST_CATEGORIES = ("licences", "implementation", "training", "champion_time", "content", "other")
BENEFIT_CATEGORIES = (
    "time_saved", "avoided_consultants", "shorter_implementation", "reduced_turnover",
    "hr_process_efficiency", "other",
)  # fmt: skip
MAX_EMPLOYEES = 1_000_000
MAX_DAYS = 3_660

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

    class CostLineRecorded(Aggregate.Event):
        category: str
        amount: float
        incurred_on: date
        description: str
        actor: Actor

    class BenefitRecorded(Aggregate.Event):
        category: str
        amount: float
        realised_on: date
        description: str
        #: How a time-saved amount was worked out (minutes, employees, days, hourly value).
        basis: dict[str, float]
        actor: Actor

    class PhaseDefined(Aggregate.Event):
        kind: str
        name: str
        starts_on: date
        ends_on: date
        success_criteria: list[dict[str, Any]]
        exit_criteria: list[str]
        actor: Actor

    class PilotCohortConfirmed(Aggregate.Event):
        employee_ids: list[str]
        #: Who of them Skillpath had suggested; the others HR added by hand.
        suggested_ids: list[str]
        actor: Actor

    class GateDecided(Aggregate.Event):
        phase: str
        decision: str
        reason: str
        decided_on: date
        actor: Actor

    @event(Defined)
    def __init__(self, name: str, department: str | None, actor: Actor) -> None:
        self.name = name
        self.department = department
        self.total_cost = 0.0
        self.total_benefit = 0.0
        self.phases: list[Phase] = []
        self.cohort: list[str] = []
        self.stopped = False

    # -- phases, pilot cohort and gates -------------------------------------------------

    @property
    def current_phase(self) -> Phase | None:
        """The first phase whose gate is not passed; ``None`` before any or when done."""
        for phase in self.phases:
            if phase.decision != "advance":
                return phase
        return None

    def define_phase(
        self, *, kind: str, name: str, starts_on: date, ends_on: date,
        success_criteria: list[phases.Criterion], exit_criteria: list[str], actor: Actor,
    ) -> None:  # fmt: skip
        if self.stopped:
            raise Conflict("the programme was stopped at a gate", "programmeId")
        phases.next_phase([p.kind for p in self.phases], kind)
        previous = self.phases[-1].ends_on if self.phases else None
        phases.phase_dates(starts_on, ends_on, previous)
        if not success_criteria:
            raise ValidationFailed("successCriteria", "a phase needs at least one criterion")
        if len(success_criteria) > phases.MAX_CRITERIA:
            raise ValidationFailed("successCriteria", f"at most {phases.MAX_CRITERIA}")
        exits = [
            base.text(t, f"exitCriteria[{i}]", base.MAX_LONG_TEXT)
            for i, t in enumerate(exit_criteria)
        ]
        if len(exits) > phases.MAX_CRITERIA:
            raise ValidationFailed("exitCriteria", f"at most {phases.MAX_CRITERIA}")
        self._phase_defined(
            kind=kind, name=base.text(name or kind.title(), "name"), starts_on=starts_on,
            ends_on=ends_on, success_criteria=[c.as_dict() for c in success_criteria],
            exit_criteria=exits, actor=actor,
        )  # fmt: skip

    @event(PhaseDefined)
    def _phase_defined(
        self, kind: str, name: str, starts_on: date, ends_on: date,
        success_criteria: list[dict[str, Any]], exit_criteria: list[str], actor: Actor,
    ) -> None:  # fmt: skip
        criteria = [phases.Criterion.of(c) for c in success_criteria]
        self.phases.append(Phase(kind, name, starts_on, ends_on, criteria, exit_criteria))

    def confirm_pilot_cohort(
        self, *, employee_ids: list[str], suggested_ids: list[str], min_size: int, actor: Actor
    ) -> None:
        if not self.phases or self.phases[0].decision is not None:
            raise Conflict("a pilot cohort is confirmed while the pilot phase is open",
                           "programmeId")  # fmt: skip
        ids = phases.cohort(employee_ids, min_size)
        self._cohort_confirmed(
            employee_ids=ids,
            suggested_ids=[i for i in map(str, suggested_ids) if i in set(ids)],
            actor=actor,
        )

    @event(PilotCohortConfirmed)
    def _cohort_confirmed(
        self, employee_ids: list[str], suggested_ids: list[str], actor: Actor
    ) -> None:
        self.cohort = list(employee_ids)

    def decide_gate(
        self, *, phase: str, decision: str, reason: str, decided_on: date, actor: Actor
    ) -> None:
        current = self.current_phase
        if self.stopped:
            raise Conflict("the programme was stopped at a gate", "programmeId")
        if current is None:
            raise Conflict("no phase is open for a gate decision", "phase")
        if phase != current.kind:
            raise ValidationFailed("phase", f"the open phase is {current.kind}")
        base.one_of(decision, "decision", phases.GATE_DECISIONS)
        self._gate_decided(
            phase=phase, decision=decision, reason=base.text(reason, "reason", base.MAX_LONG_TEXT),
            decided_on=base.past_date(decided_on, "decidedOn"), actor=actor,
        )  # fmt: skip

    @event(GateDecided)
    def _gate_decided(
        self, phase: str, decision: str, reason: str, decided_on: date, actor: Actor
    ) -> None:
        for found in self.phases:
            if found.kind == phase:
                found.decision = None if decision == "extend" else decision
                found.decisions.append((decision, reason, decided_on))
        self.stopped = self.stopped or decision == "stop"

    # -- costs and benefits -------------------------------------------------------------

    def record_cost_line(
        self, *, category: str, amount: float, incurred_on: date, description: str, actor: Actor
    ) -> None:
        base.one_of(category, "category", COST_CATEGORIES)
        base.in_range(amount, "amount", 0.01, MAX_AMOUNT)
        self._cost_line(
            category=category, amount=float(amount),
            incurred_on=base.past_date(incurred_on, "incurredOn"),
            description=base.text(description, "description", required=False), actor=actor,
        )  # fmt: skip

    @event(CostLineRecorded)
    def _cost_line(
        self, category: str, amount: float, incurred_on: date, description: str, actor: Actor
    ) -> None:
        self.total_cost += amount

    def record_benefit(
        self, *, category: str, amount: float | None, realised_on: date, description: str,
        actor: Actor, minutes_per_day: float | None = None, employees: int | None = None,
        working_days: int | None = None, hourly_value: float | None = None,
    ) -> None:  # fmt: skip
        """A benefit as an amount, or (time saved) minutes per employee per day over
        employees and working days, valued at an hourly rate."""
        base.one_of(category, "category", BENEFIT_CATEGORIES)
        basis: dict[str, float] = {}
        if minutes_per_day is not None:
            if employees is None or working_days is None or hourly_value is None:
                raise ValidationFailed(
                    "employees", "time saved needs employees, workingDays and hourlyValue"
                )
            base.in_range(minutes_per_day, "minutesPerEmployeePerDay", 0.1, 480)
            base.in_range(employees, "employees", 1, MAX_EMPLOYEES)
            base.in_range(working_days, "workingDays", 1, MAX_DAYS)
            base.in_range(hourly_value, "hourlyValue", 0.01, MAX_AMOUNT)
            basis = {
                "minutesPerEmployeePerDay": float(minutes_per_day), "employees": float(employees),
                "workingDays": float(working_days), "hourlyValue": float(hourly_value),
            }  # fmt: skip
            amount = minutes_per_day / 60.0 * employees * working_days * hourly_value
        if amount is None:
            raise ValidationFailed("amount", "give an amount or the time saved")
        base.in_range(amount, "amount", 0.01, MAX_AMOUNT)
        self._benefit(
            category=category, amount=round(float(amount), 2),
            realised_on=base.past_date(realised_on, "realisedOn"),
            description=base.text(description, "description", required=False), basis=basis,
            actor=actor,
        )  # fmt: skip

    @event(BenefitRecorded)
    def _benefit(
        self, category: str, amount: float, realised_on: date, description: str,
        basis: dict[str, float], actor: Actor,
    ) -> None:  # fmt: skip
        self.total_benefit += amount

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
