"""A small company arranged through application commands, with learning history on chosen
business days, for KPI tests. Days are counted back from today (UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from app.aggregates import Actor, RequiredSkill
from app.application import Skillpath
from tests.domain_support import HR, content

LEARNER = Actor(id="learner", role="employee")


def days_ago(days: int) -> datetime:
    """Noon UTC, ``days`` days before today; today before noon, the current moment (business
    time is never in the future)."""
    noon = datetime.combine(today() - timedelta(days=days), time(12), tzinfo=UTC)
    return min(noon, datetime.now(UTC))


def today() -> date:
    return datetime.now(UTC).date()


class Company:
    """Two departments with a manager each; ``size`` people per department (manager included)."""

    def __init__(self, app: Skillpath, size: int = 6) -> None:
        self.app = app
        self.role_id = app.define_role(
            code="dev", title="Developer", source="", skills=[RequiredSkill("sql", 3)], actor=HR
        ).id
        self.people: dict[str, list[UUID]] = {}
        self.serial = 0
        for department in ("Engineering", "Sales"):
            manager = self.hire(department, None, hired=200)
            self.people[department] = [manager] + [
                self.hire(department, manager, hired=200) for _ in range(size - 1)
            ]
        self.module_id = app.publish_module(content(minutes=60), actor=HR).id

    def hire(self, department: str, manager: UUID | None, hired: int) -> UUID:
        self.serial += 1
        return self.app.hire_employee(
            name=f"Person {self.serial}",
            email=f"p{self.serial}@example.com",
            role_id=self.role_id,
            department=department,
            manager_id=manager,
            location="Oslo",
            years_experience=3,
            hire_date=today() - timedelta(days=hired),
            actor=HR,
        ).id

    def enroll(self, employee: UUID, ago: int, module: UUID | None = None, **extra: Any) -> UUID:
        return self.app.enroll(
            employee_id=employee,
            module_id=module or self.module_id,
            source=extra.pop("source", "self"),
            recommendation_id=extra.pop("recommendation", None),
            actor=LEARNER,
            occurred_at=days_ago(ago),
        ).id

    def complete(self, enrollment: UUID, ago: int) -> int:
        return self.app.complete_enrollment(
            enrollment, actor=LEARNER, occurred_at=days_ago(ago)
        ).position

    def drop(self, enrollment: UUID, ago: int, at_minute: float) -> int:
        return self.app.drop_enrollment(
            enrollment, position_minutes=at_minute, actor=LEARNER, occurred_at=days_ago(ago)
        ).position

    def grant_tracking(self, employee: UUID) -> None:
        self.app.grant_consent(
            employee, purpose="activity_tracking", policy_version="v1", actor=LEARNER
        )
