"""Employees: the directory queries and the people mutations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from app.access import Subject
from app.aggregates import ValidationFailed
from app.projections.directory import EmployeeRow
from app.projections.paging import Page
from app.projections.roles import RoleRow
from app.schema.common import (
    BeforeCursor,
    ConsistentWith,
    Last,
    consistent,
    encode_cursor,
    page_info_of,
    selected_names,
    selects,
    seq_slice,
)
from app.schema.context import SkillpathInfo
from app.schema.errors import execute, optional_id, parse_id, query_id
from app.schema.idempotency import IdempotentInput
from app.schema.payloads import EmployeePayload, employee_payload, result
from app.schema.types import (
    Employee,
    EmployeeConnection,
    EmployeeEdge,
    MediaType,
    Role,
    SkillSource,
)

HireEmployeeResult = result("HireEmployeeResult", EmployeePayload)
UpdateProfileResult = result("UpdateProfileResult", EmployeePayload)
AssessSkillResult = result("AssessSkillResult", EmployeePayload)
ChangeRoleResult = result("ChangeRoleResult", EmployeePayload)
RecordProductivityReachedResult = result("RecordProductivityReachedResult", EmployeePayload)
AnswerPulseResult = result("AnswerPulseResult", EmployeePayload)
OffboardEmployeeResult = result("OffboardEmployeeResult", EmployeePayload)


@strawberry.input
class HireEmployeeInput(IdempotentInput):
    name: str
    email: str
    role_id: strawberry.ID
    department: str
    location: str
    hire_date: date
    years_experience: int = 0
    manager_id: strawberry.ID | None = None


@strawberry.input
class UpdateProfileInput(IdempotentInput):
    employee_id: strawberry.ID
    media_types: list[MediaType]
    weekly_minutes: int = strawberry.field(description="Time budget for learning per week.")
    goals: list[str]
    language: str = "en"


@strawberry.input
class AssessSkillInput(IdempotentInput):
    employee_id: strawberry.ID
    skill: str
    level: int = strawberry.field(description="0 (none) to 5 (expert).")
    source: SkillSource
    occurred_at: datetime | None = None


@strawberry.input(description="An internal move: a new role, and optionally team and manager.")
class ChangeRoleInput(IdempotentInput):
    employee_id: strawberry.ID
    role_id: strawberry.ID
    department: str | None = strawberry.field(
        default=None, description="Omit to stay in the current department."
    )
    manager_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Omit to keep the current manager; null for no manager.",
    )
    occurred_at: datetime | None = None


@strawberry.input
class RecordProductivityReachedInput(IdempotentInput):
    employee_id: strawberry.ID
    reached_on: date


@strawberry.input(description="The answer to one item of a pulse survey.")
class PulseItemAnswerInput:
    item_key: str = strawberry.field(description="The item's key, as the survey defines it.")
    score: int | None = strawberry.field(
        default=None, description="For a scale item: 1 (strongly disagree) to 5 (agree)."
    )
    text: str | None = strawberry.field(
        default=None, description="For a text item: the answer, up to 1,000 characters."
    )


@strawberry.input(description="An answer to the eNPS pulse question, 0-10.")
class AnswerPulseInput(IdempotentInput):
    employee_id: strawberry.ID
    score: int
    occurred_at: datetime | None = None
    survey_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The pulse survey answered; omit for the eNPS question alone.",
    )
    answers: list[PulseItemAnswerInput] | None = strawberry.field(
        default=None, description="Answers to the survey's items (needs surveyId)."
    )


@strawberry.input
class OffboardEmployeeInput(IdempotentInput):
    employee_id: strawberry.ID
    left_on: date


def _item_answers(answers: list[PulseItemAnswerInput]) -> dict[str, dict[str, Any]]:
    """Scale and text answers apart; an answer with both or neither names its field."""
    scores: dict[str, int] = {}
    texts: dict[str, str] = {}
    for answer in answers:
        key = answer.item_key.strip().lower()
        if key in scores or key in texts:
            raise ValidationFailed("answers.itemKey", f"{key!r} is answered twice")
        if (answer.score is None) == (answer.text is None):
            raise ValidationFailed("answers", "give a score or a text for each item")
        if answer.score is not None:
            scores[key] = answer.score
        else:
            texts[key] = answer.text or ""
    return {"item_scores": scores, "texts": texts}


#: The directory columns each field of ``Employee`` reads (app/schema/types.py), so that a
#: page reads only what its query selects; a field not listed here reads the whole row.
#: ``manager`` reads whole rows too: they are handed to the loader a manager may come from.
EMPLOYEE_FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "__typename": (), "id": (), "name": ("name",), "email": ("email",),
    "department": ("department",), "location": ("location",),
    "yearsExperience": ("years_experience",), "hireDate": ("hire_date",),
    "status": ("status",), "leftOn": ("left_on",), "productiveSince": ("productive_since",),
    "roleChanges": ("role_changes",), "managerId": ("manager_id",),
    "profile": ("media_types", "weekly_minutes", "goals", "language"),
    "role": ("role_id",), "skillGaps": ("role_id",), "skills": (), "enrollments": (),
    "enrollmentsConnection": (), "reports": (), "reportsConnection": (),
}  # fmt: skip


def employee_columns(fields: set[str]) -> list[str] | None:
    """The directory columns the selected ``Employee`` fields read, or None for all."""
    columns: dict[str, None] = {}
    for name in fields:
        needs = EMPLOYEE_FIELD_COLUMNS.get(name)
        if needs is None:
            return None
        columns.update(dict.fromkeys(needs))
    return list(columns)


@strawberry.type
class EmployeeQuery:
    @strawberry.field(description="One employee by id, or null.")
    async def employee(
        self,
        info: SkillpathInfo,
        id: strawberry.ID,
        consistent_with: ConsistentWith = None,
    ) -> Employee | None:
        await consistent(info, consistent_with)
        row = await info.context.loaders.employees.load(query_id(id, "id"))
        return None if row is None else Employee(row=row)

    @strawberry.field(
        description="Employees in hiring order, optionally of one department or role."
    )
    async def employees(
        self,
        info: SkillpathInfo,
        first: int = 20,
        after: str | None = None,
        department: str | None = None,
        role_id: strawberry.ID | None = None,
        consistent_with: ConsistentWith = None,
        last: Last = None,
        before: BeforeCursor = None,
    ) -> EmployeeConnection:
        await consistent(info, consistent_with)
        window = seq_slice("employee", first, after, last, before)
        role = None if role_id is None else query_id(role_id, "roleId")
        services, loaders = info.context.services, info.context.loaders
        fields = selected_names(info, "edges", "node")
        with_roles = "role" in fields
        # Only the columns the selected fields read, and the total only when asked for.
        columns = employee_columns(fields)
        count = selects(info, "totalCount")

        def read() -> tuple[Page[EmployeeRow], dict[str, RoleRow | None], list[Subject]]:
            page = services.directory.page(
                first=window.first, after=window.after, department=department, role_id=role,
                last=window.last, before=window.before, count=count, columns=columns,
            )  # fmt: skip
            # The page's roles in the same trip to the database, so `role` resolves at once,
            # and what the access policy needs to know of each person on it.
            role_ids = sorted({row.role_id for row in page.items}) if with_roles else []
            found = services.roles.get_many(role_ids)
            facts = services.subjects.facts_many(row.id for row in page.items)
            return page, {role_id: found.get(role_id) for role_id in role_ids}, list(facts.values())

        page, roles, facts = await info.context.read(read)
        info.context.access.remember(facts)
        if "manager" in fields:  # a manager may be on this page (whole rows, see above)
            loaders.employees.prime_many({row.id: row for row in page.items})
        nodes = [Employee(row=r) for r in page.items]
        if with_roles:
            loaders.roles.prime_many(roles)
            views = {
                role_id: None if row is None else Role(row=row) for role_id, row in roles.items()
            }
            nodes = [node.knowing_role(views[node.row.role_id]) for node in nodes]
        edges = [
            EmployeeEdge(cursor=encode_cursor("employee", node.row.seq), node=node)
            for node in nodes
        ]
        return EmployeeConnection(
            edges=edges,
            page_info=page_info_of([edge.cursor for edge in edges], page),
            total_count=page.total,
        )


@strawberry.type
class EmployeeMutation:
    @strawberry.mutation(description="Hire a person into a role (external hire).")
    async def hire_employee(
        self, info: SkillpathInfo, input: HireEmployeeInput
    ) -> HireEmployeeResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.hire_employee(
                name=input.name,
                email=input.email,
                role_id=parse_id(input.role_id, "roleId"),
                department=input.department,
                manager_id=optional_id(input.manager_id, "managerId"),
                location=input.location,
                years_experience=input.years_experience,
                hire_date=input.hire_date,
                actor=ctx.actor,
            ),
            employee_payload,
        )

    @strawberry.mutation(description="Set how an employee likes to learn.")
    async def update_profile(
        self, info: SkillpathInfo, input: UpdateProfileInput
    ) -> UpdateProfileResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.update_profile(
                parse_id(input.employee_id, "employeeId"),
                media_types=[m.value for m in input.media_types],
                weekly_minutes=input.weekly_minutes,
                goals=input.goals,
                language=input.language,
                actor=ctx.actor,
            ),
            employee_payload,
        )

    @strawberry.mutation(description="Record a skill level (self, manager or quiz assessment).")
    async def assess_skill(self, info: SkillpathInfo, input: AssessSkillInput) -> AssessSkillResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.assess_skill(
                parse_id(input.employee_id, "employeeId"),
                skill=input.skill,
                level=input.level,
                source=input.source.value,
                actor=ctx.actor,
                occurred_at=input.occurred_at,
            ),
            employee_payload,
        )

    @strawberry.mutation(description="Move an employee internally (counts for internal mobility).")
    async def change_role(self, info: SkillpathInfo, input: ChangeRoleInput) -> ChangeRoleResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.change_role(
                parse_id(input.employee_id, "employeeId"),
                role_id=parse_id(input.role_id, "roleId"),
                department=input.department,
                manager_id=optional_id(input.manager_id or None, "managerId"),
                keep_manager=input.manager_id is strawberry.UNSET,
                actor=ctx.actor,
                occurred_at=input.occurred_at,
            ),
            employee_payload,
        )

    @strawberry.mutation(description="Mark the end of onboarding (time to productivity).")
    async def record_productivity_reached(
        self, info: SkillpathInfo, input: RecordProductivityReachedInput
    ) -> RecordProductivityReachedResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.record_productivity_reached(
                parse_id(input.employee_id, "employeeId"),
                reached_on=input.reached_on,
                actor=ctx.actor,
            ),
            employee_payload,
        )

    @strawberry.mutation(description="Record an eNPS pulse answer (0-10).")
    async def answer_pulse(self, info: SkillpathInfo, input: AnswerPulseInput) -> AnswerPulseResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.answer_pulse(
                parse_id(input.employee_id, "employeeId"),
                score=input.score,
                actor=ctx.actor,
                occurred_at=input.occurred_at,
                survey_id=optional_id(input.survey_id, "surveyId"),
                **_item_answers(input.answers or []),
            ),
            employee_payload,
        )

    @strawberry.mutation(description="Record that an employee left; they can no longer enrol.")
    async def offboard_employee(
        self, info: SkillpathInfo, input: OffboardEmployeeInput
    ) -> OffboardEmployeeResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.offboard_employee(
                parse_id(input.employee_id, "employeeId"), left_on=input.left_on, actor=ctx.actor
            ),
            employee_payload,
        )
