"""One person's history: hire, consent, profile, assessments, pulses, onboarding, moves,
learning and leaving, as steps in business time."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from app.aggregates import Actor, Role
from app.aggregates.employee import MEDIA_TYPES
from app.seed import phrases
from app.seed.competence import ROLE_BY_CODE, RoleTemplate
from app.seed.learning import CatalogueIndex, Learner, plan_learning
from app.seed.organisation import STAFF, Person
from app.seed.timeline import (
    DAYS_PER_MONTH,
    Step,
    Timeline,
    at_time,
    employee_actor,
    later,
    manager_actor,
)

POLICY_VERSION = "2025-01"
#: Purposes and the share of people who opt in; every purpose is opt-in.
CONSENT_SHARES = {
    "personalisation": 0.86,
    "activity_tracking": 0.8,
    "profile_sharing": 0.55,
    "fairness_audit": 0.35,
    "benefits": 0.25,
}
WITHDRAWAL_SHARE = 0.05
#: Of those who opt in to fairness audits, the share who then declare gender and age band.
DECLARING_SHARE = 0.85
PULSE_RESPONSE_SHARE = 0.65


@dataclass(frozen=True)
class Company:
    """What one person's history may refer to: the timeline, the catalogue, who does HR."""

    timeline: Timeline
    catalogue: CatalogueIndex
    hr_actor: Callable[[datetime], Actor]


def plan_person(rng: random.Random, company: Company, person: Person) -> list[Step]:
    """Every command about one person, in time order, ending when they leave."""
    timeline = company.timeline
    steps = [
        Step(
            person.hired_at, "hire_employee",
            dict(
                name=person.identity.name, email=person.identity.email,
                role_id=Role.id_for(person.role_code), department=person.department,
                manager_id=person.manager_id, location=person.identity.location,
                years_experience=person.years_experience, hire_date=person.hire_date,
                actor=company.hr_actor(person.hired_at), employee_id=person.id,
            ),
        )
    ]  # fmt: skip
    left_at = None if person.leaves_on is None else at_time(person.leaves_on, 16)
    end = timeline.until if left_at is None else left_at
    onboarding = person.hired_at + timedelta(days=1)
    start = later(rng, max(timeline.window_start, onboarding), timedelta(0), timedelta(days=10))
    if start < end:
        steps += _active_life(rng, company, person, start, end)
    reached = _productivity_day(rng, timeline, person)
    if reached is not None and at_time(reached, 17) < end:
        actor = company.hr_actor(at_time(reached, 17))
        if person.manager_id is not None:
            actor = manager_actor(person.manager_id)
        steps.append(
            Step(at_time(reached, 17), "record_productivity_reached",
                 dict(employee_id=person.id, reached_on=reached, actor=actor))
        )  # fmt: skip
    if left_at is not None and person.leaves_on is not None:
        steps.append(
            Step(left_at, "offboard_employee",
                 dict(employee_id=person.id, left_on=person.leaves_on,
                      actor=company.hr_actor(left_at)))
        )  # fmt: skip
    return sorted(steps, key=lambda s: s.at)


def _active_life(
    rng: random.Random, company: Company, person: Person, start: datetime, end: datetime
) -> list[Step]:
    me = employee_actor(person.id)
    steps: list[Step] = []
    moment = start
    granted: list[tuple[str, datetime]] = []
    for purpose, share in CONSENT_SHARES.items():
        if rng.random() < share:
            moment = later(rng, moment, timedelta(seconds=20), timedelta(minutes=3))
            granted.append((purpose, moment))
            steps.append(
                Step(moment, "grant_consent",
                     dict(employee_id=person.id, purpose=purpose, policy_version=POLICY_VERSION,
                          actor=me, occurred_at=moment))
            )  # fmt: skip
            if purpose == "fairness_audit" and rng.random() < DECLARING_SHARE:
                moment = later(rng, moment, timedelta(seconds=20), timedelta(minutes=2))
                steps.append(_attributes(rng, company.timeline, person, moment))
    role = ROLE_BY_CODE[person.role_code]
    media = rng.sample(MEDIA_TYPES, rng.randint(1, 3))
    weekly = int(rng.choice((30, 45, 60, 60, 90, 120, 180)) * (0.5 + person.engagement))
    moment = later(rng, moment, timedelta(minutes=1), timedelta(days=2))
    steps.append(
        Step(moment, "update_profile",
             dict(employee_id=person.id, media_types=media, weekly_minutes=weekly,
                  goals=_goals(rng, person, role), language=person.identity.language, actor=me))
    )  # fmt: skip
    levels: dict[str, int] = {}
    moment = later(rng, moment, timedelta(minutes=5), timedelta(days=5))
    steps += _self_assessment(rng, person, role, levels, moment)
    check = later(rng, moment, timedelta(days=20), timedelta(days=60))
    checked_by = _manager_at(person, check)
    if checked_by is not None and rng.random() < 0.5:
        checked_role = ROLE_BY_CODE[_role_code_at(person, check)]
        steps += _manager_assessment(rng, person, checked_by, checked_role, levels, check, end)
    steps += _pulses(rng, company.timeline, person, start, end)
    steps += _withdrawals(rng, person, granted, end)
    move = person.move
    if move is not None and move.at < end:
        steps.append(
            Step(move.at, "change_role",
                 dict(employee_id=person.id, role_id=Role.id_for(move.role_code),
                      department=move.department, manager_id=move.manager_id,
                      actor=company.hr_actor(move.at), occurred_at=move.at))
        )  # fmt: skip
        settled = later(rng, move.at, timedelta(days=3), timedelta(days=12))
        if settled < end:
            steps += _self_assessment(
                rng, person, ROLE_BY_CODE[move.role_code], levels, settled, only_new=True
            )
    learner = Learner(
        person=person, language=person.identity.language, media_types=media,
        weekly_minutes=weekly, levels=levels,
        role_at=lambda at: ROLE_BY_CODE[_role_code_at(person, at)],
        manager_at=lambda at: _manager_at(person, at),
    )  # fmt: skip
    steps += plan_learning(rng, learner, company.catalogue, moment, end)
    # Someone who leaves soon after the window opens never finishes settling in.
    return [step for step in steps if step.at < end]


def _attributes(rng: random.Random, timeline: Timeline, person: Person, moment: datetime) -> Step:
    """Self-declared gender and age band; a few prefer not to say."""
    gender = person.identity.gender
    if rng.random() < 0.05:
        gender = rng.choice(("diverse", "undisclosed"))
    tenure = (timeline.until.date() - person.hire_date).days // 365
    age = 21 + person.years_experience + tenure + rng.randint(0, 6)
    band = "under_30" if age < 30 else "30_44" if age < 45 else "45_59" if age < 60 else "60_plus"
    if rng.random() < 0.04:
        band = "undisclosed"
    return Step(moment, "declare_attributes", dict(
        employee_id=person.id, gender=gender, age_band=band, actor=employee_actor(person.id),
    ))  # fmt: skip


def _role_code_at(person: Person, moment: datetime) -> str:
    if person.move is not None and moment >= person.move.at:
        return person.move.role_code
    return person.role_code


def _manager_at(person: Person, moment: datetime) -> UUID | None:
    if person.move is not None and moment >= person.move.at:
        return person.move.manager_id
    return person.manager_id


def _goals(rng: random.Random, person: Person, role: RoleTemplate) -> list[str]:
    skills = [skill for skill, _, _ in role.skills]
    return [
        phrases.goal(rng, rng.choice(skills), person.department) for _ in range(rng.randint(1, 3))
    ]


def _true_level(rng: random.Random, person: Person, required: int) -> int:
    """Where someone really stands: often below the role's level, less so when senior."""
    shortfall = rng.choice((0, 0, 1, 1, 1, 2, 2, 3))
    if person.years_experience >= 8 and rng.random() < 0.4:
        shortfall -= 1
    if person.rank != STAFF:
        shortfall -= 1
    return min(5, max(0, required - shortfall))


def _self_assessment(
    rng: random.Random, person: Person, role: RoleTemplate, levels: dict[str, int],
    moment: datetime, *, only_new: bool = False,
) -> list[Step]:  # fmt: skip
    steps = []
    for skill, required, _importance in role.skills:
        if only_new and skill in levels:
            continue
        # People rate themselves a little higher than their manager would.
        level = min(5, _true_level(rng, person, required) + (rng.random() < 0.25))
        levels[skill] = level
        moment = later(rng, moment, timedelta(seconds=15), timedelta(minutes=2))
        steps.append(
            Step(moment, "assess_skill",
                 dict(employee_id=person.id, skill=skill, level=level, source="self",
                      actor=employee_actor(person.id), occurred_at=moment))
        )  # fmt: skip
    return steps


def _manager_assessment(
    rng: random.Random, person: Person, manager_id: UUID, role: RoleTemplate,
    levels: dict[str, int], moment: datetime, end: datetime,
) -> list[Step]:  # fmt: skip
    steps = []
    picked = rng.sample(role.skills, min(len(role.skills), rng.randint(2, 4)))
    for skill, _required, _importance in picked:
        moment = later(rng, moment, timedelta(seconds=30), timedelta(minutes=5))
        if moment >= end:
            break
        level = max(0, levels.get(skill, 0) - (rng.random() < 0.35))
        levels[skill] = level
        steps.append(
            Step(moment, "assess_skill",
                 dict(employee_id=person.id, skill=skill, level=level, source="manager",
                      actor=manager_actor(manager_id), occurred_at=moment))
        )  # fmt: skip
    return steps


def _pulses(
    rng: random.Random, timeline: Timeline, person: Person, start: datetime, end: datetime
) -> list[Step]:
    """A monthly eNPS pulse; about two in three answer it."""
    steps = []
    for month in range(timeline.months()):
        opens = timeline.window_start + timedelta(days=month * DAYS_PER_MONTH + 2)
        answered = later(rng, opens, timedelta(hours=1), timedelta(days=6))
        if not start <= answered < end or rng.random() >= PULSE_RESPONSE_SHARE:
            continue
        score = min(10, max(0, round(rng.gauss(2 + 8 * person.satisfaction, 1.3))))
        steps.append(
            Step(answered, "answer_pulse",
                 dict(employee_id=person.id, score=score, actor=employee_actor(person.id),
                      occurred_at=answered))
        )  # fmt: skip
    return steps


def _withdrawals(
    rng: random.Random, person: Person, granted: list[tuple[str, datetime]], end: datetime
) -> list[Step]:
    steps = []
    for purpose, granted_at in granted:
        if rng.random() >= WITHDRAWAL_SHARE:
            continue
        withdrawn = later(rng, granted_at, timedelta(days=14), timedelta(days=150))
        if withdrawn < end:
            steps.append(
                Step(withdrawn, "withdraw_consent",
                     dict(employee_id=person.id, purpose=purpose,
                          actor=employee_actor(person.id), occurred_at=withdrawn))
            )  # fmt: skip
    return steps


def _productivity_day(rng: random.Random, timeline: Timeline, person: Person) -> date | None:
    """Recent hires reach productivity after onboarding; faster with more experience."""
    if person.hire_date < timeline.window_start.date() - timedelta(days=150):
        return None
    days = rng.gauss(95, 20) - 3 * min(person.years_experience, 10)
    reached = person.hire_date + timedelta(days=max(21, round(days)))
    return reached if at_time(reached, 17) <= timeline.until else None
