"""When things happen in the demo: the history window, working hours, and planned steps."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from app.aggregates import Actor

DAYS_PER_MONTH = 30.44
#: How long before the history window the company was founded (first hire).
COMPANY_AGE = timedelta(days=6 * 365)

#: The demo seed's own set-up (competence model, catalogue) and first hire.
SEED_ACTOR = Actor(id="demo-seed", role="system")
SEED_HR_ACTOR = Actor(id="demo-seed", role="hr")
#: Quiz results update skill levels without a person deciding it.
QUIZ_ACTOR = Actor(id="quiz-scoring", role="system")


def employee_actor(employee_id: UUID) -> Actor:
    return Actor(id=str(employee_id), role="employee")


def manager_actor(manager_id: UUID) -> Actor:
    return Actor(id=str(manager_id), role="manager")


def hr_actor(hr_id: UUID) -> Actor:
    return Actor(id=str(hr_id), role="hr")


@dataclass(frozen=True)
class Step:
    """One command of the demo: a Skillpath command method, its arguments, and when it
    happens in business time (steps run in that order)."""

    at: datetime
    command: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Timeline:
    """The window of learning history, ending at ``until``; hires go back further."""

    until: datetime
    window_start: datetime
    founded: date

    @classmethod
    def ending(cls, until: datetime, months: int) -> Timeline:
        window_start = until - timedelta(days=round(months * DAYS_PER_MONTH))
        founded = min(until - COMPANY_AGE, window_start - timedelta(days=730)).date()
        return cls(until=until, window_start=window_start, founded=founded)

    @property
    def set_up_at(self) -> datetime:
        """Before every hire: roles and the catalogue exist when the first person starts."""
        return at_time(self.founded - timedelta(days=1), 8)

    def months(self) -> int:
        return max(1, round((self.until - self.window_start).days / DAYS_PER_MONTH))


def at_time(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def working_moment(rng: random.Random, day: date) -> datetime:
    """Some time between 07:30 and 18:30 on that day."""
    return at_time(day, 7, 30) + timedelta(minutes=rng.randrange(0, 11 * 60))


def day_between(rng: random.Random, first: date, last: date) -> date:
    """A day in [first, last]; ``first`` when the range is empty."""
    span = (last - first).days
    return first if span <= 0 else first + timedelta(days=rng.randint(0, span))


def later(rng: random.Random, moment: datetime, low: timedelta, high: timedelta) -> datetime:
    """A moment between ``low`` and ``high`` after ``moment``, to the second."""
    seconds = rng.uniform(low.total_seconds(), high.total_seconds())
    return moment + timedelta(seconds=round(max(seconds, 1.0)))
