"""Onboarding progress of one hire, and time to productivity per role against its target.

Time to productivity per role is a figure over people: a role with fewer than k closed
journeys shows none (the works council's k rule).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import median

from app.access import too_few_to_show
from app.persistence import SqlGateway


@dataclass(frozen=True)
class JourneyModule:
    module_id: str
    completed: bool


@dataclass(frozen=True)
class JourneyMilestone:
    key: str
    title: str
    week: int
    due_on: date
    reached_on: date | None


@dataclass(frozen=True)
class CheckIn:
    week: int
    due_on: date
    due: bool


@dataclass(frozen=True)
class Journey:
    employee_id: str
    role_id: str
    buddy_id: str | None
    started_on: date
    target_days: int
    modules: list[JourneyModule]
    skipped: list[dict[str, str]]
    milestones: list[JourneyMilestone]
    check_ins: list[CheckIn]
    closed_on: date | None
    days_so_far: int

    @property
    def progress(self) -> float:
        items = len(self.modules) + len(self.milestones)
        done = sum(m.completed for m in self.modules) + sum(
            m.reached_on is not None for m in self.milestones
        )
        return 1.0 if items == 0 else round(done / items, 4)


@dataclass(frozen=True)
class RoleOnboardingTime:
    role_id: str
    target_days: int
    journeys: int | None
    suppressed: bool
    median_days: float | None
    within_target_share: float | None


def _week_start(started: date, week: int) -> date:
    return started + timedelta(days=7 * (week - 1))


class OnboardingBook:
    """Queries over the onboarding read model and the enrolments."""

    def __init__(self, gateway: SqlGateway) -> None:
        self._gateway = gateway

    def journey(self, employee_id: str, today: date | None = None) -> Journey | None:
        today = today or datetime.now(UTC).date()
        with self._gateway.transaction(write=False) as tx:
            row = tx.row(
                "SELECT * FROM {onboarding_journeys} WHERE employee_id = %s", (employee_id,)
            )
            if row is None:
                return None
            reached = {
                r["key"]: date.fromisoformat(r["reached_on"])
                for r in tx.rows(
                    "SELECT key, reached_on FROM {onboarding_milestones} WHERE employee_id = %s",
                    (employee_id,),
                )
            }
            completed = {
                r["module_id"]
                for r in tx.rows(
                    "SELECT module_id FROM {enrollments} WHERE employee_id = %s"
                    " AND status = 'completed'",
                    (employee_id,),
                )
            }
        plan = json.loads(row["plan"])
        started = date.fromisoformat(row["started_on"])
        closed = None if row["closed_on"] is None else date.fromisoformat(row["closed_on"])
        end = closed or today
        return Journey(
            employee_id=employee_id, role_id=row["role_id"], buddy_id=row["buddy_id"],
            started_on=started, target_days=int(row["target_days"]),
            modules=[JourneyModule(m, m in completed) for m in plan["moduleIds"]],
            skipped=plan["skipped"],
            milestones=[
                JourneyMilestone(m["key"], m["title"], int(m["week"]),
                                 _week_start(started, int(m["week"])), reached.get(m["key"]))
                for m in plan["milestones"]
            ],
            check_ins=[
                CheckIn(w, _week_start(started, w), closed is None
                        and _week_start(started, w) <= today)
                for w in plan["checkInWeeks"]
            ],
            closed_on=closed,
            days_so_far=(end - date.fromisoformat(row["hire_date"])).days,
        )  # fmt: skip

    def times(self, k: int) -> list[RoleOnboardingTime]:
        """Per role with a template: median days from hire to productivity of closed
        journeys, against the template's target."""
        with self._gateway.transaction(write=False) as tx:
            templates = tx.rows("SELECT role_id, target_days FROM {onboarding_templates}")
            journeys = tx.rows(
                "SELECT role_id, hire_date, closed_on FROM {onboarding_journeys}"
                " WHERE closed_on IS NOT NULL"
            )
        found = []
        for template in sorted(templates, key=lambda t: t["role_id"]):
            days = [
                (date.fromisoformat(j["closed_on"]) - date.fromisoformat(j["hire_date"])).days
                for j in journeys if j["role_id"] == template["role_id"]
            ]  # fmt: skip
            hidden = not days or too_few_to_show(len(days), k)
            target = int(template["target_days"])
            found.append(
                RoleOnboardingTime(
                    role_id=template["role_id"], target_days=target,
                    journeys=None if hidden else len(days), suppressed=hidden,
                    median_days=None if hidden else float(median(days)),
                    within_target_share=None if hidden
                    else round(sum(1 for d in days if d <= target) / len(days), 4),
                )
            )  # fmt: skip
        return found
