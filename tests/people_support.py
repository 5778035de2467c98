"""A small team for people-development tests: a manager, reports, roles with requirements."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from app.aggregates import Actor, RequiredSkill
from app.application import Skillpath
from tests.domain_support import HR


def ago(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


class Team:
    """Maria manages ``size`` reports in Data; the analyst role needs sql 4 and statistics 3."""

    def __init__(self, app: Skillpath, size: int = 6, department: str = "Data") -> None:
        self.app = app
        self.analyst = app.define_role(
            code=f"analyst-{department.lower()}", title="Data Analyst", source="",
            skills=[RequiredSkill("sql", 4, 5), RequiredSkill("statistics", 3, 2)], actor=HR,
        ).id  # fmt: skip
        self.lead = app.define_role(
            code=f"lead-{department.lower()}", title="Data Lead", source="",
            skills=[RequiredSkill("sql", 3, 3), RequiredSkill("people leadership", 4, 5)],
            actor=HR,
        ).id  # fmt: skip
        self.serial = 0
        self.department = department
        self.manager = self.hire(self.lead, None)
        self.reports = [self.hire(self.analyst, self.manager) for _ in range(size)]

    def hire(self, role: UUID, manager: UUID | None, years: int = 3) -> UUID:
        self.serial += 1
        return self.app.hire_employee(
            name=f"{self.department} Person {self.serial}",
            email=f"{self.department.lower()}{self.serial}@example.com", role_id=role,
            department=self.department, manager_id=manager, location="Oslo",
            years_experience=years, hire_date=date(2024, 1, 2), actor=HR,
        ).id  # fmt: skip

    def share(self, employee: UUID) -> None:
        self.app.grant_consent(
            employee, purpose="profile_sharing", policy_version="v1",
            actor=Actor(str(employee), "employee"),
        )  # fmt: skip

    def assess(self, employee: UUID, skill: str, level: int, source: str = "self",
               days_ago: int = 1) -> None:  # fmt: skip
        self.app.assess_skill(
            employee, skill=skill, level=level, source=source,
            actor=Actor(str(employee), "employee") if source == "self" else HR,
            occurred_at=ago(days_ago),
        )  # fmt: skip
