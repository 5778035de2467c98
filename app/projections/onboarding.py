"""Onboarding templates and journeys: what each hire takes, reaches and when it closed."""

from __future__ import annotations

import json

from app.aggregates import Employee
from app.aggregates.onboarding import OnboardingTemplate
from app.persistence import Transaction
from app.projections.engine import Projection, handles


class OnboardingProjection(Projection):
    name = "onboarding"
    tables = ("onboarding_templates", "onboarding_hires", "onboarding_journeys",
              "onboarding_milestones")  # fmt: skip
    ddl = (
        "CREATE TABLE IF NOT EXISTS {onboarding_templates} (id TEXT PRIMARY KEY,"
        " role_id TEXT NOT NULL, body TEXT NOT NULL, target_days INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {onboarding_hires} (employee_id TEXT PRIMARY KEY,"
        " hire_date TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {onboarding_journeys} (employee_id TEXT PRIMARY KEY,"
        " template_id TEXT NOT NULL, role_id TEXT NOT NULL, buddy_id TEXT,"
        " hire_date TEXT NOT NULL, started_on TEXT NOT NULL, target_days INTEGER NOT NULL,"
        " plan TEXT NOT NULL, closed_on TEXT)",
        "CREATE TABLE IF NOT EXISTS {onboarding_milestones} (employee_id TEXT NOT NULL,"
        " key TEXT NOT NULL, reached_on TEXT NOT NULL, PRIMARY KEY (employee_id, key))",
    )

    @handles(OnboardingTemplate.OnboardingTemplateDefined)
    def template(self, e: OnboardingTemplate.OnboardingTemplateDefined, tx: Transaction) -> None:
        body = {"moduleIds": e.module_ids, "milestones": e.milestones,
                "checkInWeeks": e.check_in_weeks, "buddy": e.buddy}  # fmt: skip
        tx.execute(
            "INSERT INTO {onboarding_templates} (id, role_id, body, target_days)"
            " VALUES (%s, %s, %s, %s)",
            (str(e.originator_id), str(e.role_id), json.dumps(body), e.target_days),
        )

    @handles(Employee.Hired)
    def hired(self, e: Employee.Hired, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {onboarding_hires} (employee_id, hire_date) VALUES (%s, %s)",
            (str(e.originator_id), e.hire_date.isoformat()),
        )

    @handles(Employee.OnboardingStarted)
    def started(self, e: Employee.OnboardingStarted, tx: Transaction) -> None:
        employee_id = str(e.originator_id)
        role_id = tx.scalar(
            "SELECT role_id FROM {onboarding_templates} WHERE id = %s", (str(e.template_id),)
        )
        hire_date = tx.scalar(
            "SELECT hire_date FROM {onboarding_hires} WHERE employee_id = %s", (employee_id,)
        )
        plan = {"moduleIds": e.module_ids, "skipped": e.skipped, "milestones": e.milestones,
                "checkInWeeks": e.check_in_weeks}  # fmt: skip
        tx.execute(
            "INSERT INTO {onboarding_journeys} (employee_id, template_id, role_id, buddy_id,"
            " hire_date, started_on, target_days, plan) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                employee_id, str(e.template_id), str(role_id),
                None if e.buddy_id is None else str(e.buddy_id), str(hire_date),
                e.started_on.isoformat(), e.target_days, json.dumps(plan),
            ),
        )  # fmt: skip

    @handles(Employee.OnboardingMilestoneReached)
    def milestone(self, e: Employee.OnboardingMilestoneReached, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {onboarding_milestones} (employee_id, key, reached_on)"
            " VALUES (%s, %s, %s)",
            (str(e.originator_id), e.key, e.reached_on.isoformat()),
        )

    @handles(Employee.ProductivityReached)
    def productive(self, e: Employee.ProductivityReached, tx: Transaction) -> None:
        # Reaching productivity closes the journey.
        tx.execute(
            "UPDATE {onboarding_journeys} SET closed_on = %s WHERE employee_id = %s",
            (e.reached_on.isoformat(), str(e.originator_id)),
        )
