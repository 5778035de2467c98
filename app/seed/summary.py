"""What the demo seed created, counted from its steps, in a few printable lines."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from uuid import UUID

from app.aggregates import Enrollment
from app.seed.names import COMPANY
from app.seed.organisation import Person
from app.seed.timeline import Step

_FINAL_STATUS = {"enroll": "active", "complete_enrollment": "completed",
                 "drop_enrollment": "dropped"}  # fmt: skip


@dataclass(frozen=True)
class SeedSummary:
    """Counts of what the seed created; ``events`` and ``seconds`` once it has run."""

    seed: int
    months: int
    roles: int
    departments: int
    employees: int
    managers: int
    left: int
    role_changes: int
    modules: int
    retired_modules: int
    revised_modules: int
    enrollments: int
    completed: int
    dropped: int
    active: int
    progress_events: int
    quiz_attempts: int
    feedback: int
    assessments: int
    consent_grants: int
    consent_withdrawals: int
    attribute_declarations: int
    pulse_answers: int
    productivity_reached: int
    commands: int
    events: int = 0
    seconds: float = 0.0

    @classmethod
    def of(
        cls, steps: Sequence[Step], people: Sequence[Person], *, seed: int, months: int
    ) -> SeedSummary:
        count = Counter(step.command for step in steps)
        status: dict[UUID, str] = {}
        for step in steps:
            final = _FINAL_STATUS.get(step.command)
            if final is None:
                continue
            if step.command == "enroll":
                key = Enrollment.id_for(step.args["employee_id"], step.args["module_id"])
            else:
                key = step.args["enrollment_id"]
            status[key] = final
        statuses = Counter(status.values())
        return cls(
            seed=seed, months=months, roles=count["define_role"],
            departments=len({p.department for p in people}), employees=count["hire_employee"],
            managers=sum(p.is_manager for p in people), left=count["offboard_employee"],
            role_changes=count["change_role"], modules=count["publish_module"],
            retired_modules=count["retire_module"], revised_modules=count["revise_module"],
            enrollments=len(status), completed=statuses["completed"],
            dropped=statuses["dropped"], active=statuses["active"],
            progress_events=count["record_progress"], quiz_attempts=count["record_quiz_attempt"],
            feedback=count["give_feedback"], assessments=count["assess_skill"],
            consent_grants=count["grant_consent"], consent_withdrawals=count["withdraw_consent"],
            attribute_declarations=count["declare_attributes"],
            pulse_answers=count["answer_pulse"],
            productivity_reached=count["record_productivity_reached"], commands=len(steps),
        )  # fmt: skip

    def after_run(self, *, events: int, seconds: float) -> SeedSummary:
        return replace(self, events=events, seconds=seconds)

    def describe(self) -> str:
        rate = self.commands / self.seconds if self.seconds else 0.0
        return "\n".join(
            [
                f"{COMPANY} (seed {self.seed}): {self.employees:,} employees ({self.managers:,}"
                f" managers, {self.left:,} left, {self.role_changes:,} internal moves) in"
                f" {self.departments} departments, {self.roles} roles",
                f"Catalogue: {self.modules:,} modules ({self.retired_modules} retired,"
                f" {self.revised_modules} revised)",
                f"Learning over {self.months} months: {self.enrollments:,} enrolments"
                f" ({self.completed:,} completed, {self.dropped:,} dropped, {self.active:,}"
                f" active), {self.progress_events:,} progress events, {self.quiz_attempts:,}"
                f" quiz attempts, {self.feedback:,} ratings",
                f"People: {self.assessments:,} skill assessments, {self.consent_grants:,} consent"
                f" grants ({self.consent_withdrawals:,} withdrawn), {self.attribute_declarations:,}"
                f" fairness declarations, {self.pulse_answers:,} pulse answers,"
                f" {self.productivity_reached:,} reached productivity",
                f"{self.commands:,} commands wrote {self.events:,} events in"
                f" {self.seconds:.1f} s ({rate:,.0f} commands/s)",
            ]
        )
