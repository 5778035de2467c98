"""Learning histories: enrolments, progress, quizzes, completions, drop-outs and feedback.

Each person learns one module at a time, at the pace their weekly time budget allows,
mostly in modules that close a gap between their skills and what their role requires.
Nothing is planned past the end of the window or the day someone leaves; an enrolment
that is still running then simply stays active.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from app.aggregates import Enrollment
from app.seed import phrases
from app.seed.catalogue import PlannedModule
from app.seed.competence import RoleTemplate
from app.seed.organisation import Person
from app.seed.timeline import QUIZ_ACTOR, Step, employee_actor, later, manager_actor

PASS_MARK = 60
#: A quiz at or above this score raises the skill level the module teaches.
SKILL_UP_SCORE = 70
MAX_SESSIONS = 5


class CatalogueIndex:
    """The planned modules, by id and by skill they mainly teach."""

    def __init__(self, modules: Sequence[PlannedModule]) -> None:
        self.modules = list(modules)
        self.by_id = {m.id: m for m in modules}
        self.by_skill: dict[str, list[PlannedModule]] = defaultdict(list)
        for module in modules:
            self.by_skill[module.skill].append(module)


@dataclass
class Learner:
    """What the plan knows about one person while it plans their learning."""

    person: Person
    language: str
    media_types: list[str]
    weekly_minutes: int
    levels: dict[str, int]
    role_at: Callable[[datetime], RoleTemplate]
    manager_at: Callable[[datetime], UUID | None]
    #: Modules by ``PlannedModule.key`` (planning thousands of people compares a lot).
    completed: set[int] = field(default_factory=set)
    taken: set[int] = field(default_factory=set)
    retry: list[UUID] = field(default_factory=list)
    rated: set[int] = field(default_factory=set)


class _Schedule:
    """Steps of one person's learning, stopping at ``end`` (the window end or leaving)."""

    def __init__(self, end: datetime) -> None:
        self.end = end
        self.steps: list[Step] = []

    def add(self, at: datetime, command: str, **args: object) -> bool:
        if at >= self.end:
            return False
        self.steps.append(Step(at, command, args))
        return True


def plan_learning(
    rng: random.Random, learner: Learner, catalogue: CatalogueIndex, start: datetime,
    end: datetime,
) -> list[Step]:  # fmt: skip
    """One person's enrolments between ``start`` and ``end``, in time order."""
    schedule = _Schedule(end)
    engagement = learner.person.engagement
    moment = later(rng, start, timedelta(days=2), timedelta(days=10 + 30 * (1 - engagement)))
    while moment < end:
        module = None
        if rng.random() < 0.05 + 0.9 * engagement:
            module = _choose(rng, learner, catalogue, moment)
        if module is None:
            # A quiet spell: busy at work, or nothing on offer appeals right now.
            moment = later(rng, moment, timedelta(days=7), timedelta(days=35))
            continue
        moment = _take(rng, learner, module, moment, schedule)
        moment = later(rng, moment, timedelta(hours=12), timedelta(days=4 + 14 * (1 - engagement)))
    return schedule.steps


def _eligible(learner: Learner, module: PlannedModule, moment: datetime) -> bool:
    return (
        module.content.language in ("en", learner.language)
        and module.key not in learner.taken
        and module.offered_at(moment)
        and learner.completed.issuperset(module.requires)
    )


def _choose(
    rng: random.Random, learner: Learner, catalogue: CatalogueIndex, moment: datetime
) -> PlannedModule | None:
    """Mostly a module that closes a skill gap of the current role; sometimes anything."""
    if learner.retry and rng.random() < 0.3:
        module = catalogue.by_id[learner.retry.pop(0)]
        if module.offered_at(moment) and module.key not in learner.taken:
            return module
    role = learner.role_at(moment)
    gaps = [
        (skill, (level - learner.levels.get(skill, 0)) * importance)
        for skill, level, importance in role.skills
        if learner.levels.get(skill, 0) < level
    ]
    if gaps and rng.random() < 0.8:
        skill = rng.choices([s for s, _ in gaps], weights=[w for _, w in gaps])[0]
        wanted = learner.levels.get(skill, 0) + 1
        teaching = [m for m in catalogue.by_skill[skill] if m.offered_at(moment)]
        candidates = [m for m in teaching if _eligible(learner, m, moment)]
        if not candidates:
            # Not ready for what the gap needs: first the modules it builds on.
            required = {p for m in teaching for p in m.content.prerequisite_ids}
            candidates = [
                catalogue.by_id[p] for p in sorted(required)
                if _eligible(learner, catalogue.by_id[p], moment)
            ]  # fmt: skip
        if candidates:
            weights = [
                _appeal(learner, m) / (1 + abs(m.content.difficulty - wanted)) for m in candidates
            ]
            return rng.choices(candidates, weights=weights)[0]
    if rng.random() < 0.7:
        # No gap to close (or no module for it): deepen another skill the role uses.
        candidates = [
            m for skill, _, _ in role.skills for m in catalogue.by_skill[skill]
            if _eligible(learner, m, moment)
        ]  # fmt: skip
        if candidates:
            return rng.choices(candidates, weights=[_appeal(learner, m) for m in candidates])[0]
    # Curiosity: anything eligible.
    sample = rng.sample(catalogue.modules, min(40, len(catalogue.modules)))
    candidates = [m for m in sample if _eligible(learner, m, moment)]
    if not candidates:
        return None
    return rng.choices(candidates, weights=[_appeal(learner, m) for m in candidates])[0]


def _appeal(learner: Learner, module: PlannedModule) -> float:
    preferred = 2.0 if module.content.media_type in learner.media_types else 1.0
    return preferred * (module.quality / 4)


def _completion_chance(learner: Learner, module: PlannedModule) -> float:
    level = learner.levels.get(module.skill, 0)
    stretch = max(0, module.content.difficulty - level - 1)
    chance = 0.6 + 0.35 * (learner.person.engagement - 0.5) - 0.08 * stretch
    if module.content.media_type in learner.media_types:
        chance += 0.08
    if module.drop_prone:
        chance -= 0.4
    return min(0.95, max(0.04, chance))


def _take(
    rng: random.Random, learner: Learner, module: PlannedModule, start: datetime,
    schedule: _Schedule,
) -> datetime:  # fmt: skip
    """Enrol, learn, and complete or drop; returns when the learner moved on."""
    person = learner.person
    me = employee_actor(person.id)
    enrollment_id = Enrollment.id_for(person.id, module.id)
    manager = learner.manager_at(start)
    if manager is not None and rng.random() < 0.25:
        source, enrolled_by = "assigned", manager_actor(manager)
    else:
        source, enrolled_by = "self", me
    if not schedule.add(
        start, "enroll", employee_id=person.id, module_id=module.id, source=source,
        recommendation_id=None, actor=enrolled_by, occurred_at=start,
    ):  # fmt: skip
        return schedule.end
    learner.taken.add(module.key)
    minutes = module.minutes_at(start)
    completes = rng.random() < _completion_chance(learner, module)
    # Early drop-off in the modules people abandon, anywhere in the others.
    stop_share = 1.0 if completes else rng.uniform(0.05, 0.3) if module.drop_prone else (
        rng.uniform(0.15, 0.85)
    )  # fmt: skip
    sessions = min(MAX_SESSIONS, max(1, math.ceil(minutes / rng.uniform(15, 50))))
    reached = max(1, math.ceil(sessions * stop_share))
    moment, position = start, 0.0
    for session in range(1, reached + 1):
        target = minutes * min(stop_share, session / sessions)
        spent = max(1, round(target - position))
        position = round(target, 1)
        pace_days = 7 * spent / max(learner.weekly_minutes, 20)
        moment = later(
            rng, moment, timedelta(minutes=10), timedelta(days=min(21.0, 0.2 + 2 * pace_days))
        )
        percent = min(100, math.floor(100 * position / minutes))
        if not schedule.add(
            moment, "record_progress", enrollment_id=enrollment_id, percent=percent,
            minutes=spent, position_minutes=position, actor=me, occurred_at=moment,
        ):  # fmt: skip
            return schedule.end
    if completes:
        moment = _finish(rng, learner, module, enrollment_id, moment, schedule)
    else:
        moment = later(rng, moment, timedelta(minutes=2), timedelta(days=10))
        if not schedule.add(
            moment, "drop_enrollment", enrollment_id=enrollment_id, position_minutes=position,
            actor=me, occurred_at=moment,
        ):  # fmt: skip
            return schedule.end
        if rng.random() < 0.12:
            learner.retry.append(module.id)
            learner.taken.discard(module.key)
    if moment < schedule.end and module.key not in learner.rated:
        _feedback(rng, learner, module, enrollment_id, moment, schedule, dropped=not completes)
    return moment


def _finish(
    rng: random.Random, learner: Learner, module: PlannedModule, enrollment_id: UUID,
    moment: datetime, schedule: _Schedule,
) -> datetime:  # fmt: skip
    me = employee_actor(learner.person.id)
    level = learner.levels.get(module.skill, 0)
    best = None
    if module.has_quiz and rng.random() < 0.8:
        score = round(
            rng.gauss(70 + 6 * (level - module.content.difficulty + 1), 12)
            + 10 * learner.person.engagement
        )
        for _attempt in range(2):
            score = min(100, max(0, score))
            moment = later(rng, moment, timedelta(minutes=3), timedelta(hours=20))
            if not schedule.add(
                moment, "record_quiz_attempt", enrollment_id=enrollment_id, score=score,
                actor=me, occurred_at=moment,
            ):  # fmt: skip
                return schedule.end
            best = max(best or 0, score)
            if score >= PASS_MARK:
                break
            score += rng.randint(8, 25)
    moment = later(rng, moment, timedelta(minutes=1), timedelta(minutes=30))
    if not schedule.add(
        moment, "complete_enrollment", enrollment_id=enrollment_id, actor=me, occurred_at=moment
    ):
        return schedule.end
    learner.completed.add(module.key)
    target = module.content.skills[module.skill]
    if best is not None and best >= SKILL_UP_SCORE and level < target:
        moment = later(rng, moment, timedelta(seconds=5), timedelta(minutes=2))
        if schedule.add(
            moment, "assess_skill", employee_id=learner.person.id, skill=module.skill,
            level=level + 1, source="quiz", actor=QUIZ_ACTOR, occurred_at=moment,
        ):  # fmt: skip
            learner.levels[module.skill] = level + 1
    return moment


def _feedback(
    rng: random.Random, learner: Learner, module: PlannedModule, enrollment_id: UUID,
    moment: datetime, schedule: _Schedule, *, dropped: bool,
) -> None:  # fmt: skip
    if rng.random() >= (0.25 if dropped else 0.55):
        return
    liked = module.quality + rng.gauss(0, 0.7) - (1.0 if dropped else 0.0)
    if module.content.media_type in learner.media_types:
        liked += 0.3
    rating = min(5, max(1, round(liked)))
    comment = phrases.feedback_comment(rng, rating, module.skill, module.subtopic)
    at = later(rng, moment, timedelta(minutes=2), timedelta(days=3))
    if schedule.add(
        at, "give_feedback", enrollment_id=enrollment_id, rating=rating, comment=comment,
        actor=employee_actor(learner.person.id), occurred_at=at,
    ):  # fmt: skip
        learner.rated.add(module.key)
