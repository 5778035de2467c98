"""Learning: the module catalogue and enrolments, their queries and mutations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from app.aggregates import ModuleContent, ValidationFailed
from app.schema.common import (
    BeforeCursor,
    ConsistentWith,
    Last,
    consistent,
    encode_cursor,
    page_info_of,
    selects,
    seq_slice,
)
from app.schema.context import SkillpathInfo
from app.schema.errors import execute, optional_id, parse_id, query_id
from app.schema.idempotency import IdempotentInput
from app.schema.payloads import (
    EnrollmentPayload,
    ModulePayload,
    enrollment_payload,
    module_payload,
    result,
)
from app.schema.types import (
    Enrollment,
    EnrollmentConnection,
    EnrollmentSource,
    EnrollmentStatus,
    LearningModule,
    LearningModuleConnection,
    LearningModuleEdge,
    MediaType,
    enrollment_connection,
)

PublishModuleResult = result("PublishModuleResult", ModulePayload)
ReviseModuleResult = result("ReviseModuleResult", ModulePayload)
FlagModuleForRevisionResult = result("FlagModuleForRevisionResult", ModulePayload)
RetireModuleResult = result("RetireModuleResult", ModulePayload)
EnrollResult = result("EnrollResult", EnrollmentPayload)
RecordProgressResult = result("RecordProgressResult", EnrollmentPayload)
RecordQuizAttemptResult = result("RecordQuizAttemptResult", EnrollmentPayload)
CompleteEnrollmentResult = result("CompleteEnrollmentResult", EnrollmentPayload)
DropEnrollmentResult = result("DropEnrollmentResult", EnrollmentPayload)
GiveFeedbackResult = result("GiveFeedbackResult", EnrollmentPayload)


@strawberry.input(description="A skill a module teaches and the level (0-5) it brings you to.")
class ModuleSkillInput:
    skill: str
    level: int


@strawberry.input
class PublishModuleInput(IdempotentInput):
    title: str
    description: str = ""
    topics: list[str] = strawberry.field(default_factory=list)
    skills: list[ModuleSkillInput]
    difficulty: int = strawberry.field(description="1 (introductory) to 5 (expert).")
    media_type: MediaType
    minutes: int
    language: str = "en"
    prerequisite_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input(description="The fields to change; omitted fields keep their value.")
class ReviseModuleInput(IdempotentInput):
    module_id: strawberry.ID
    title: str | None = None
    description: str | None = None
    topics: list[str] | None = None
    skills: list[ModuleSkillInput] | None = None
    difficulty: int | None = None
    media_type: MediaType | None = None
    minutes: int | None = None
    language: str | None = None
    prerequisite_ids: list[strawberry.ID] | None = None


@strawberry.input
class FlagModuleForRevisionInput(IdempotentInput):
    module_id: strawberry.ID
    reason: str


@strawberry.input
class RetireModuleInput(IdempotentInput):
    module_id: strawberry.ID
    reason: str = ""


@strawberry.input
class EnrollInput(IdempotentInput):
    employee_id: strawberry.ID
    module_id: strawberry.ID
    source: EnrollmentSource = EnrollmentSource.SELF
    recommendation_id: strawberry.ID | None = strawberry.field(
        default=None, description="The recommendation decision, when source is RECOMMENDATION."
    )
    occurred_at: datetime | None = None


@strawberry.input
class RecordProgressInput(IdempotentInput):
    enrollment_id: strawberry.ID
    percent: int
    minutes: int | None = strawberry.field(default=None, description="Minutes spent since last.")
    position_minutes: float | None = strawberry.field(
        default=None, description="Where in the module the learner is, in minutes."
    )
    occurred_at: datetime | None = None


@strawberry.input
class RecordQuizAttemptInput(IdempotentInput):
    enrollment_id: strawberry.ID
    score: int = strawberry.field(description="0-100.")
    occurred_at: datetime | None = None


@strawberry.input
class CompleteEnrollmentInput(IdempotentInput):
    enrollment_id: strawberry.ID
    occurred_at: datetime | None = None


@strawberry.input
class DropEnrollmentInput(IdempotentInput):
    enrollment_id: strawberry.ID
    position_minutes: float | None = None
    occurred_at: datetime | None = None


@strawberry.input
class GiveFeedbackInput(IdempotentInput):
    enrollment_id: strawberry.ID
    rating: int = strawberry.field(description="1-5.")
    comment: str = ""
    occurred_at: datetime | None = None


def _ids(values: list[strawberry.ID]) -> list[Any]:
    return [parse_id(v, "prerequisiteIds") for v in values]


def _content(input: PublishModuleInput) -> ModuleContent:
    return ModuleContent(
        title=input.title,
        description=input.description,
        topics=input.topics,
        skills=_skills(input.skills),
        difficulty=input.difficulty,
        media_type=input.media_type.value,
        minutes=input.minutes,
        language=input.language,
        prerequisite_ids=_ids(input.prerequisite_ids),
    )


def _skills(skills: list[ModuleSkillInput]) -> dict[str, int]:
    taught: dict[str, int] = {}
    for item in skills:
        if item.skill in taught:
            raise ValidationFailed("skills.skill", f"{item.skill!r} is listed twice")
        taught[item.skill] = item.level
    return taught


def _changes(input: ReviseModuleInput) -> dict[str, Any]:
    changes: dict[str, Any] = {
        "title": input.title,
        "description": input.description,
        "topics": input.topics,
        "difficulty": input.difficulty,
        "minutes": input.minutes,
        "language": input.language,
        "skills": None if input.skills is None else _skills(input.skills),
        "media_type": None if input.media_type is None else input.media_type.value,
        "prerequisite_ids": None
        if input.prerequisite_ids is None
        else _ids(input.prerequisite_ids),
    }
    return {k: v for k, v in changes.items() if v is not None}


@strawberry.type
class LearningQuery:
    @strawberry.field(description="One module by id, or null.")
    async def module(
        self,
        info: SkillpathInfo,
        id: strawberry.ID,
        consistent_with: ConsistentWith = None,
    ) -> LearningModule | None:
        await consistent(info, consistent_with)
        row = await info.context.loaders.modules.load(query_id(id, "id"))
        return None if row is None else LearningModule(row=row)

    @strawberry.field(description="Modules in publishing order, filtered by skill or search text.")
    async def modules(
        self,
        info: SkillpathInfo,
        first: int = 20,
        after: str | None = None,
        skill: str | None = None,
        search: str | None = None,
        include_retired: bool = False,
        consistent_with: ConsistentWith = None,
        last: Last = None,
        before: BeforeCursor = None,
    ) -> LearningModuleConnection:
        await consistent(info, consistent_with)
        window = seq_slice("module", first, after, last, before)
        page = await info.context.run(
            info.context.services.catalogue.page,
            first=window.first,
            after=window.after,
            skill=skill,
            search=search,
            include_retired=include_retired,
            last=window.last,
            before=window.before,
            count=selects(info, "totalCount"),
        )
        for row in page.items:
            info.context.loaders.modules.prime(row.id, row)
        edges = [
            LearningModuleEdge(cursor=encode_cursor("module", r.seq), node=LearningModule(row=r))
            for r in page.items
        ]
        return LearningModuleConnection(
            edges=edges,
            page_info=page_info_of([edge.cursor for edge in edges], page),
            total_count=page.total,
        )

    @strawberry.field(
        description="An employee's enrolments, oldest first.",
        deprecation_reason="Use enrollmentsConnection: it pages with cursors.",
    )
    async def enrollments(
        self,
        info: SkillpathInfo,
        employee_id: strawberry.ID,
        status: EnrollmentStatus | None = None,
        consistent_with: ConsistentWith = None,
    ) -> list[Enrollment]:
        await consistent(info, consistent_with)
        key = query_id(employee_id, "employeeId")
        found = await info.context.run(
            info.context.services.enrollments.of_employees,
            [key],
            None if status is None else status.value,
        )
        return [Enrollment(row=r) for r in found[key]]

    @strawberry.field(
        description="An employee's enrolments, oldest first, a page at a time (keyset cursors"
        " that survive new enrolments, forward with first/after and backward with last/before)."
    )
    async def enrollments_connection(
        self,
        info: SkillpathInfo,
        employee_id: strawberry.ID,
        status: EnrollmentStatus | None = None,
        first: int = 20,
        after: str | None = None,
        last: Last = None,
        before: BeforeCursor = None,
        consistent_with: ConsistentWith = None,
    ) -> EnrollmentConnection:
        await consistent(info, consistent_with)
        key = query_id(employee_id, "employeeId")
        return await enrollment_connection(
            info, status, first, after, last, before, employee_id=key
        )


@strawberry.type
class LearningMutation:
    @strawberry.mutation(description="Add a module to the catalogue.")
    async def publish_module(
        self, info: SkillpathInfo, input: PublishModuleInput
    ) -> PublishModuleResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.publish_module(_content(input), actor=ctx.actor),
            module_payload,
        )

    @strawberry.mutation(description="Change a module's content; clears a revision flag.")
    async def revise_module(
        self, info: SkillpathInfo, input: ReviseModuleInput
    ) -> ReviseModuleResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.revise_module(
                parse_id(input.module_id, "moduleId"), changes=_changes(input), actor=ctx.actor
            ),
            module_payload,
        )

    @strawberry.mutation(description="Mark a module as needing revision, with the reason.")
    async def flag_module_for_revision(
        self, info: SkillpathInfo, input: FlagModuleForRevisionInput
    ) -> FlagModuleForRevisionResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.flag_module_for_revision(
                parse_id(input.module_id, "moduleId"),
                reason=input.reason,
                figures={},
                actor=ctx.actor,
            ),
            module_payload,
        )

    @strawberry.mutation(description="Withdraw a module; it takes no new enrolments.")
    async def retire_module(
        self, info: SkillpathInfo, input: RetireModuleInput
    ) -> RetireModuleResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.retire_module(
                parse_id(input.module_id, "moduleId"), reason=input.reason, actor=ctx.actor
            ),
            module_payload,
        )

    @strawberry.mutation(description="Enrol an employee in a module (or start another attempt).")
    async def enroll(self, info: SkillpathInfo, input: EnrollInput) -> EnrollResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.enroll(
                employee_id=parse_id(input.employee_id, "employeeId"),
                module_id=parse_id(input.module_id, "moduleId"),
                source=input.source.value,
                recommendation_id=optional_id(input.recommendation_id, "recommendationId"),
                actor=ctx.actor,
                occurred_at=input.occurred_at,
            ),
            enrollment_payload,
        )

    @strawberry.mutation(description="Record progress through a module.")
    async def record_progress(
        self, info: SkillpathInfo, input: RecordProgressInput
    ) -> RecordProgressResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.record_progress(
                parse_id(input.enrollment_id, "enrollmentId"),
                percent=input.percent,
                minutes=input.minutes,
                position_minutes=input.position_minutes,
                actor=ctx.actor,
                occurred_at=input.occurred_at,
            ),
            enrollment_payload,
        )

    @strawberry.mutation(description="Record a quiz score (0-100).")
    async def record_quiz_attempt(
        self, info: SkillpathInfo, input: RecordQuizAttemptInput
    ) -> RecordQuizAttemptResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.record_quiz_attempt(
                parse_id(input.enrollment_id, "enrollmentId"),
                score=input.score,
                actor=ctx.actor,
                occurred_at=input.occurred_at,
            ),
            enrollment_payload,
        )

    @strawberry.mutation(description="Mark an enrolment completed.")
    async def complete_enrollment(
        self, info: SkillpathInfo, input: CompleteEnrollmentInput
    ) -> CompleteEnrollmentResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.complete_enrollment(
                parse_id(input.enrollment_id, "enrollmentId"),
                actor=ctx.actor,
                occurred_at=input.occurred_at,
            ),
            enrollment_payload,
        )

    @strawberry.mutation(description="Record that the learner gave up, and where.")
    async def drop_enrollment(
        self, info: SkillpathInfo, input: DropEnrollmentInput
    ) -> DropEnrollmentResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.drop_enrollment(
                parse_id(input.enrollment_id, "enrollmentId"),
                position_minutes=input.position_minutes,
                actor=ctx.actor,
                occurred_at=input.occurred_at,
            ),
            enrollment_payload,
        )

    @strawberry.mutation(description="Rate a module (1-5) with an optional comment.")
    async def give_feedback(
        self, info: SkillpathInfo, input: GiveFeedbackInput
    ) -> GiveFeedbackResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.give_feedback(
                parse_id(input.enrollment_id, "enrollmentId"),
                rating=input.rating,
                comment=input.comment,
                actor=ctx.actor,
                occurred_at=input.occurred_at,
            ),
            enrollment_payload,
        )
