"""The whole demo as one list of steps in business-time order, drawn from one seed."""

from __future__ import annotations

import functools
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from app.aggregates import Actor, RequiredSkill
from app.aggregates.base import CLOCK_SKEW, utc_now
from app.seed.catalogue import PlannedModule, plan_catalogue, skill_demand
from app.seed.competence import ROLES
from app.seed.history import Company, plan_person
from app.seed.learning import CatalogueIndex
from app.seed.organisation import HEAD, Person, hire_everyone
from app.seed.steering import programme_steps, with_recommendations
from app.seed.summary import SeedSummary
from app.seed.timeline import SEED_ACTOR, SEED_HR_ACTOR, Step, Timeline, hr_actor

COMPETENCE_SOURCE = "Brightfield competence model"


def _this_minute() -> datetime:
    return utc_now().replace(second=0, microsecond=0)


@dataclass(frozen=True)
class DemoSpec:
    """How big the demo company is, which seed draws it, and when its history ends.

    The same spec gives the same company and the same events (ids included); only the
    event store's own timestamps differ. ``until`` defaults to the current minute.
    """

    employees: int = 300
    modules: int = 150
    seed: int = 42
    months: int = 6
    until: datetime = field(default_factory=_this_minute)

    def __post_init__(self) -> None:
        for name, low, high in (("employees", 1, 100_000), ("modules", 1, 50_000),
                                ("months", 1, 36)):  # fmt: skip
            value = getattr(self, name)
            if not low <= value <= high:
                raise ValueError(f"{name} must be between {low} and {high}, got {value}")
        if self.until.tzinfo is None:
            raise ValueError("until must be timezone-aware")
        if self.until > utc_now() + CLOCK_SKEW:
            raise ValueError("until must not be in the future")

    def estimated_commands(self) -> int:
        """How many commands seeding issues (exact: the plan is drawn up front)."""
        return len(plan_for(self).steps)


@dataclass(frozen=True)
class DemoPlan:
    """The people and modules of the demo, and every command in the order it runs."""

    people: Sequence[Person]
    modules: Sequence[PlannedModule]
    steps: Sequence[Step]
    summary: SeedSummary


@functools.lru_cache(maxsize=1)
def plan_for(spec: DemoSpec) -> DemoPlan:
    """Draw the demo; cached, so estimating and seeding the same spec plan it once."""
    rng = random.Random(spec.seed)
    timeline = Timeline.ending(spec.until, spec.months)
    people = hire_everyone(rng, timeline, spec.employees)
    demand = skill_demand(Counter(p.role_code for p in people))
    modules = plan_catalogue(rng, timeline, spec.modules, demand)
    hr_desk = _HrDesk(people)
    company = Company(timeline, CatalogueIndex(modules), hr_desk)
    steps = _set_up(timeline, modules, hr_desk)
    for person in people:
        steps += plan_person(rng, company, person)
    steps.sort(key=lambda step: step.at)
    steps = with_recommendations(steps, modules, spec.until)
    steps += programme_steps(timeline, people, steps, hr_desk)
    # A stable sort: steps at the same moment keep the order they were planned in.
    steps.sort(key=lambda step: step.at)
    summary = SeedSummary.of(steps, people, seed=spec.seed, months=spec.months)
    return DemoPlan(people=people, modules=modules, steps=steps, summary=summary)


class _HrDesk:
    """Who acts for HR at a moment: the head of HR once hired, before that the director."""

    def __init__(self, people: Sequence[Person]) -> None:
        heads = [p for p in people if p.department == "HR" and p.rank == HEAD]
        self._candidates = [*heads, people[0]]

    def __call__(self, moment: datetime) -> Actor:
        for person in self._candidates:
            if person.hired_at < moment:
                return hr_actor(person.id)
        return SEED_HR_ACTOR


def _set_up(timeline: Timeline, modules: Sequence[PlannedModule], hr_desk: _HrDesk) -> list[Step]:
    """The competence model and the catalogue, in place before the first hire; changes
    to modules (revisions, retirements) at their moment in the window."""
    at = timeline.set_up_at
    steps = [
        Step(at, "define_role", dict(
            code=role.code, title=role.title, source=COMPETENCE_SOURCE,
            skills=[RequiredSkill(s, level, importance) for s, level, importance in role.skills],
            actor=SEED_ACTOR,
        ))
        for role in ROLES
    ]  # fmt: skip
    steps += [
        Step(at, "publish_module", dict(content=m.content, actor=SEED_ACTOR, module_id=m.id))
        for m in modules
    ]
    return steps + _module_changes(modules, hr_desk)


def _module_changes(modules: Sequence[PlannedModule], hr_desk: _HrDesk) -> list[Step]:
    steps = []
    for module in modules:
        if module.revise_at is not None and module.revision is not None:
            steps.append(Step(module.revise_at, "revise_module", dict(
                module_id=module.id, changes=module.revision.changes(),
                actor=hr_desk(module.revise_at),
            )))  # fmt: skip
        if module.retire_at is not None:
            steps.append(Step(module.retire_at, "retire_module", dict(
                module_id=module.id, reason=module.retire_reason, actor=hr_desk(module.retire_at),
            )))  # fmt: skip
    return steps
