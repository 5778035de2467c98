"""Benefits HR offers, and the life phases and conditions they fit."""

from __future__ import annotations

from uuid import uuid4

from eventsourcing.domain import Aggregate, event

from app.aggregates import base
from app.aggregates.base import Actor
from app.aggregates.errors import Conflict, ValidationFailed

LIFE_PHASES = (
    "starting_out", "young_family", "single_parent", "caring_for_relatives", "home_buying",
    "pre_retirement", "undisclosed",
)  # fmt: skip
CONDITIONS = ("parent", "carer", "commuter", "part_time", "relocating", "studying")


def life_phase(value: str) -> str:
    return base.one_of(value, "lifePhase", LIFE_PHASES)


def conditions(values: list[str]) -> list[str]:
    found = base.labels(values, "conditions", max_items=len(CONDITIONS))
    for value in found:
        base.one_of(value, "conditions", CONDITIONS)
    return sorted(found)


class Benefit(Aggregate):
    """A benefit, suggested to people whose life phase or conditions it fits."""

    class BenefitDefined(Aggregate.Created):
        name: str
        description: str
        phases: list[str]
        conditions: list[str]
        actor: Actor

    class BenefitRetired(Aggregate.Event):
        actor: Actor

    @event(BenefitDefined)
    def __init__(
        self, name: str, description: str, phases: list[str], conditions: list[str],
        actor: Actor,
    ) -> None:  # fmt: skip
        self.name = name
        self.description = description
        self.phases = phases
        self.conditions = conditions
        self.retired = False

    @classmethod
    def define(
        cls, *, name: str, description: str, phases: list[str], fits: list[str], actor: Actor
    ) -> Benefit:
        checked = sorted({life_phase(p) for p in phases})
        if not checked and not fits:
            raise ValidationFailed("phases", "a benefit fits at least one phase or condition")
        return cls._create(
            cls.BenefitDefined, id=uuid4(), name=base.text(name, "name"),
            description=base.text(description, "description", max_length=2000, required=False),
            phases=checked, conditions=conditions(fits), actor=actor,
        )  # fmt: skip

    def fits(self, phase: str | None, held: list[str]) -> list[str]:
        """Why the benefit fits a person: their phase and conditions it names."""
        reasons = []
        if phase is not None and phase in self.phases:
            reasons.append(f"fits your life phase ({phase.replace('_', ' ')})")
        reasons += [f"fits: {c.replace('_', ' ')}" for c in held if c in self.conditions]
        return reasons

    def retire(self, actor: Actor) -> None:
        if self.retired:
            raise Conflict("the benefit is already retired", field="benefitId")
        self._retired(actor=actor)

    @event(BenefitRetired)
    def _retired(self, actor: Actor) -> None:
        self.retired = True
