"""Given-when-then helpers for aggregate tests: build aggregates from events, read new events.

An aggregate under test is arranged through its own commands, then rebuilt from the events
those commands recorded (as the event store would hand it back), so every test starts from
history only. The command under test is then judged by the events it leaves pending.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from app.aggregates import Actor, Employee, LearningModule, ModuleContent, RequiredSkill, Role
from app.application import Skillpath
from app.consent import ConsentLedger

A = TypeVar("A", bound=Aggregate)

HR = Actor(id="hr-1", role="hr")
LEARNER = Actor(id="employee-1", role="employee")

TOMORROW = date.today() + timedelta(days=2)
NEXT_WEEK = datetime.now(UTC) + timedelta(days=7)


def from_history(aggregate: A) -> A:
    """The aggregate rebuilt from the events its commands recorded so far."""
    rebuilt: Any = None
    for event in aggregate.collect_events():
        rebuilt = event.mutate(rebuilt)
    assert isinstance(rebuilt, type(aggregate))
    return rebuilt


def new_events(aggregate: Aggregate) -> list[Any]:
    """The events a command left pending (and clears them)."""
    return list(aggregate.collect_events())


def only_event(aggregate: Aggregate, event_class: type) -> Any:
    """The single event a command recorded, checked to be of ``event_class``."""
    events = new_events(aggregate)
    assert [type(e) for e in events] == [event_class]
    return events[0]


def hire(**overrides: Any) -> Employee:
    fields: dict[str, Any] = {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "role_id": uuid4(),
        "department": "Engineering",
        "manager_id": None,
        "location": "London",
        "years_experience": 4,
        "hire_date": date(2024, 3, 1),
        "actor": HR,
    }
    return Employee.hire(**{**fields, **overrides})


def content(**overrides: Any) -> ModuleContent:
    fields: dict[str, Any] = {
        "title": "SQL for analysts",
        "description": "Joins, grouping and window functions.",
        "topics": ["Data"],
        "skills": {"SQL": 3},
        "difficulty": 2,
        "media_type": "course",
        "minutes": 90,
        "language": "en",
        "prerequisite_ids": [],
    }
    return ModuleContent(**{**fields, **overrides})


def publish(**overrides: Any) -> LearningModule:
    return LearningModule.publish(content(**overrides), HR)


def define_role(code: str = "data-analyst", **overrides: Any) -> Role:
    fields: dict[str, Any] = {
        "code": code,
        "title": "Data analyst",
        "source": "O*NET 15-2051.00",
        "skills": [RequiredSkill("SQL", 3, 5), RequiredSkill("Statistics", 2)],
        "actor": HR,
    }
    return Role.define(**{**fields, **overrides})


def ledger(employee_id: UUID | None = None) -> ConsentLedger:
    return ConsentLedger.open(employee_id or uuid4())


class Organisation:
    """A small organisation arranged through the application's commands (the "given").

    Two roles, a manager and an employee reporting to them, two modules, and the employee
    enrolled in the first module. Works on any application, in memory or on a database.
    A ``tag`` makes role codes and email addresses unique, so that several organisations
    can share one database.
    """

    def __init__(self, app: Skillpath, tag: str = "") -> None:
        self.app = app
        self.tag = tag
        self.role_id = app.define_role(
            code=f"dev{tag}",
            title="Developer",
            source="",
            skills=[RequiredSkill("sql", 3)],
            actor=HR,
        ).id
        self.lead_role_id = app.define_role(
            code=f"lead{tag}",
            title="Team lead",
            source="",
            skills=[RequiredSkill("coaching", 2)],
            actor=HR,
        ).id
        self.manager_id = self.hire(f"grace{tag}@example.com", name="Grace Hopper")
        self.employee_id = self.hire(f"ada{tag}@example.com", manager_id=self.manager_id)
        self.module_id = app.publish_module(content(), actor=HR).id
        self.other_module_id = app.publish_module(
            content(title="Python basics", skills={"python": 2}, topics=["programming"]),
            actor=HR,
        ).id
        self.enrollment_id = self.enroll()

    def hire(self, email: str, **overrides: Any) -> UUID:
        command: dict[str, Any] = {
            "name": "Ada Lovelace",
            "email": email,
            "role_id": self.role_id,
            "department": "Engineering",
            "manager_id": None,
            "location": "Oslo",
            "years_experience": 2,
            "hire_date": date(2024, 1, 2),
            "actor": HR,
        }
        return self.app.hire_employee(**{**command, **overrides}).id

    def enroll(self, employee_id: UUID | None = None, module_id: UUID | None = None) -> UUID:
        return self.app.enroll(
            employee_id=employee_id or self.employee_id,
            module_id=module_id or self.module_id,
            source="self",
            recommendation_id=None,
            actor=LEARNER,
        ).id
