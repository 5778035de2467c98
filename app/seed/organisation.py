"""The people of the demo company: a hierarchy hired top-down, internal moves and leavers.

The managing director is hired first, then department heads, then team leads, then staff;
everyone is hired at least two weeks after their manager. Only staff move or leave, so a
manager is never gone while someone still reports to them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from uuid import UUID

from app.seed.competence import DEPARTMENTS, TOP_DEPARTMENT, TOP_ROLE, Department
from app.seed.names import Identity, NameBook
from app.seed.timeline import Timeline, day_between, later, working_moment

DIRECTOR, HEAD, LEAD, STAFF = "director", "head", "lead", "staff"
#: Staff per team lead before a department gets team leads under its head.
TEAM_SIZE = 9
#: Shares of staff who leave or move within a six-month window (scaled to the window).
LEAVER_SHARE = 0.04
MOVER_SHARE = 0.08
#: Share of staff hired inside the history window (onboarding data for the KPIs).
RECENT_HIRE_SHARE = 0.12


def new_id(rng: random.Random) -> UUID:
    """A random (version 4) id drawn from the seeded generator: same seed, same ids."""
    return UUID(int=rng.getrandbits(128), version=4)


@dataclass(frozen=True)
class Move:
    """An internal move: the new role, department and manager, and when it happens."""

    at: datetime
    role_code: str
    department: str
    manager_id: UUID


@dataclass(frozen=True)
class Person:
    """Everyone's facts at hire, their traits, and whether they move or leave in the window."""

    id: UUID
    identity: Identity
    department: str
    role_code: str
    rank: str
    manager_id: UUID | None
    years_experience: int
    hire_date: date
    hired_at: datetime
    #: 0-1: how much this person learns; a few hardly learn at all.
    engagement: float
    #: 0-1: how happy they are at work (pulse answers); leavers are less happy.
    satisfaction: float
    leaves_on: date | None = None
    move: Move | None = None

    @property
    def is_manager(self) -> bool:
        return self.rank != STAFF


def department_sizes(total: int) -> list[tuple[Department, int]]:
    """Split everyone but the director over departments by share (largest remainder)."""
    rest = max(total - 1, 0)
    exact = [d.share * rest for d in DEPARTMENTS]
    sizes = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(DEPARTMENTS)), key=lambda i: (sizes[i] - exact[i], i))
    for i in by_remainder[: rest - sum(sizes)]:
        sizes[i] += 1
    return [(d, n) for d, n in zip(DEPARTMENTS, sizes, strict=True) if n > 0]


class _Hiring:
    def __init__(self, rng: random.Random, timeline: Timeline) -> None:
        self.rng = rng
        self.timeline = timeline
        self.names = NameBook(rng)
        self.people: list[Person] = []
        # Managers are in place well before the window, so staff hired in it have a manager.
        self.managers_by = timeline.window_start.date() - timedelta(days=90)

    def hire(
        self, department: str, role_code: str, rank: str, manager: Person | None, day: date,
        experience: tuple[int, int],
    ) -> Person:  # fmt: skip
        rng = self.rng
        engagement = 0.05 if rng.random() < 0.12 else rng.betavariate(2.4, 2.0)
        person = Person(
            id=new_id(rng),
            identity=self.names.person(),
            department=department,
            role_code=role_code,
            rank=rank,
            manager_id=None if manager is None else manager.id,
            years_experience=rng.randint(*experience),
            hire_date=day,
            hired_at=working_moment(rng, day),
            engagement=engagement,
            satisfaction=rng.betavariate(4.0, 2.0),
        )
        self.people.append(person)
        return person

    def after(self, manager: Person, last: date) -> date:
        return day_between(self.rng, manager.hire_date + timedelta(days=14), last)

    def staff_day(self, manager: Person) -> date:
        timeline, rng = self.timeline, self.rng
        if rng.random() < RECENT_HIRE_SHARE:
            first = max(timeline.window_start.date(), manager.hire_date + timedelta(days=14))
            return day_between(rng, first, timeline.until.date() - timedelta(days=5))
        first = manager.hire_date + timedelta(days=14)
        span = (timeline.window_start.date() - first).days
        # A growing company: more of today's staff joined recently.
        return first + timedelta(days=round(max(span, 0) * rng.random() ** 0.85))


def hire_everyone(rng: random.Random, timeline: Timeline, total: int) -> list[Person]:
    """Everyone in the order they were hired (managers before their reports)."""
    hiring = _Hiring(rng, timeline)
    director = hiring.hire(TOP_DEPARTMENT, TOP_ROLE, DIRECTOR, None, timeline.founded, (15, 25))
    for department, size in department_sizes(total):
        head_day = day_between(
            rng, timeline.founded + timedelta(days=14),
            min(timeline.founded + timedelta(days=540), hiring.managers_by),
        )  # fmt: skip
        head = hiring.hire(
            department.name, department.manager_role, HEAD, director, head_day, (10, 20)
        )
        leads_count = 0 if size <= TEAM_SIZE else round((size - 1) / (TEAM_SIZE + 1))
        leads_by = min(head.hire_date + timedelta(days=730), hiring.managers_by)
        leads = [
            hiring.hire(department.name, department.manager_role, LEAD, head,
                        hiring.after(head, leads_by), (5, 15))
            for _ in range(leads_count)
        ]  # fmt: skip
        managers = leads or [head]
        roles = [code for code, _ in department.staff_roles]
        weights = [share for _, share in department.staff_roles]
        for index in range(size - 1 - leads_count):
            manager = managers[index % len(managers)]
            role = rng.choices(roles, weights=weights)[0]
            day = hiring.staff_day(manager)
            hiring.hire(department.name, role, STAFF, manager, day, (0, 12))
    people = sorted(hiring.people, key=lambda p: p.hired_at)
    assert people[0] is director
    return _with_moves(rng, timeline, _with_leavers(rng, timeline, people))


def _window_share(timeline: Timeline, share: float) -> float:
    return min(0.5, share * timeline.months() / 6)


def _with_leavers(rng: random.Random, timeline: Timeline, people: list[Person]) -> list[Person]:
    last = timeline.until.date() - timedelta(days=1)
    candidates = [p for p in people if p.rank == STAFF and p.hire_date < last - timedelta(days=60)]
    count = round(len(candidates) * _window_share(timeline, LEAVER_SHARE))
    leaving = {p.id for p in rng.sample(candidates, count)}
    result = []
    for person in people:
        if person.id in leaving:
            first = max(person.hire_date + timedelta(days=60), timeline.window_start.date())
            person = replace(
                person,
                leaves_on=day_between(rng, first, last),
                satisfaction=person.satisfaction * 0.5,
            )
        result.append(person)
    return result


def _with_moves(rng: random.Random, timeline: Timeline, people: list[Person]) -> list[Person]:
    last = timeline.until - timedelta(days=7)
    candidates = [
        p for p in people
        if p.rank == STAFF and p.leaves_on is None
        and p.hired_at + timedelta(days=120) < last
    ]  # fmt: skip
    count = round(len(candidates) * _window_share(timeline, MOVER_SHARE))
    movers = {p.id for p in rng.sample(candidates, count)}
    managers = [p for p in people if p.rank in (HEAD, LEAD)]
    result = []
    for person in people:
        if person.id in movers:
            person = replace(person, move=_move(rng, timeline, person, managers))
        result.append(person)
    return result


def _move(
    rng: random.Random, timeline: Timeline, person: Person, managers: Sequence[Person]
) -> Move | None:
    start = max(timeline.window_start, person.hired_at + timedelta(days=120))
    at = later(rng, start, timedelta(0), timeline.until - timedelta(days=7) - start)
    own = next(d for d in DEPARTMENTS if d.name == person.department)
    # Half of the moves stay in the department (a new role), half cross to another one.
    others = [d for d in DEPARTMENTS if d is not own]
    department = own if rng.random() < 0.5 else rng.choice(others)
    roles = [code for code, _ in department.staff_roles if code != person.role_code]
    bosses = [m for m in managers if m.department == department.name and m.hired_at < at]
    if not roles or not bosses:
        return None
    leads = [m for m in bosses if m.rank == LEAD]
    boss = rng.choice(leads or bosses)
    return Move(at=at, role_code=rng.choice(roles), department=department.name, manager_id=boss.id)
