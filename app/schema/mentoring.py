"""Mentors: opting in, suggestions with reasons, and mentorships from offer to end."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from app.aggregates import NotFound as DomainNotFound
from app.aggregates import ValidationFailed
from app.application import Written
from app.schema.common import ConsistentWith, consistent
from app.schema.context import SkillpathInfo
from app.schema.errors import execute, parse_id
from app.schema.idempotency import IdempotentInput
from app.schema.payloads import POSITION_HELP, EmployeePayload, employee_payload, result
from app.schema.people_common import query_result, typed
from app.schema.skills import EmployeeArgument


@strawberry.enum(description="Why a mentor fits.")
class MentorshipKind(Enum):
    PEER = strawberry.enum_value("peer", description="Working on the same skill, within a level.")
    EXPERIENCED = strawberry.enum_value(
        "experienced", description="At least two levels higher in the skill."
    )
    REVERSE = strawberry.enum_value(
        "reverse", description="A junior colleague strong in an AI skill mentoring a senior."
    )


@strawberry.type(description="A proposed mentor and why.")
class MentorSuggestion:
    mentor_id: strawberry.ID = strawberry.field(description="The mentor (opted in, sharing).")
    kind: MentorshipKind = strawberry.field(description="Peer, experienced or reverse.")
    score: float = strawberry.field(description="How well they fit; higher first.")
    mentor_level: int = strawberry.field(description="The mentor's level in the skill, 0-5.")
    open_mentees: int = strawberry.field(description="Mentees they have now.")
    max_mentees: int = strawberry.field(description="Mentees they take at most.")
    reasons: list[str] = strawberry.field(description="Why they are proposed.")


@strawberry.type(description="Mentors proposed for one person and skill (profile facet).")
class MentorSuggestions:
    employee_id: strawberry.ID = strawberry.field(description="Who is looking for a mentor.")
    skill: str = strawberry.field(description="The skill.")
    suggestions: list[MentorSuggestion] = strawberry.field(description="Best fit first.")

    @property
    def subject_id(self) -> str:
        return str(self.employee_id)


MentorSuggestionsResult = query_result("MentorSuggestionsResult", MentorSuggestions)


@strawberry.type(description="The outcome of a change to a mentorship.")
class MentorshipPayload:
    position: int = strawberry.field(description=POSITION_HELP)
    mentorship_id: strawberry.ID = strawberry.field(description="The mentorship.")


def _payload(written: Written) -> MentorshipPayload:
    return MentorshipPayload(
        position=written.position, mentorship_id=strawberry.ID(str(written.id))
    )


OptInAsMentorResult = result("OptInAsMentorResult", EmployeePayload)
OptOutAsMentorResult = result("OptOutAsMentorResult", EmployeePayload)
OfferMentorshipResult = result("OfferMentorshipResult", MentorshipPayload)
AcceptMentorshipResult = result("AcceptMentorshipResult", MentorshipPayload)
DeclineMentorshipResult = result("DeclineMentorshipResult", MentorshipPayload)
EndMentorshipResult = result("EndMentorshipResult", MentorshipPayload)


@strawberry.input(description="Offer to mentor, up to a number of open mentees.")
class OptInAsMentorInput(IdempotentInput):
    employee_id: strawberry.ID = strawberry.field(description="The future mentor.")
    max_mentees: int = strawberry.field(default=2, description="Open mentees at most, 1-10.")


@strawberry.input(description="Stop being proposed as a mentor.")
class OptOutAsMentorInput(IdempotentInput):
    employee_id: strawberry.ID = strawberry.field(description="The mentor.")


@strawberry.input(description="Ask a mentor for a mentorship in one skill.")
class OfferMentorshipInput(IdempotentInput):
    mentee_id: strawberry.ID = strawberry.field(description="Who is mentored.")
    mentor_id: strawberry.ID = strawberry.field(description="Who mentors (opted in).")
    skill: str = strawberry.field(description="The skill the mentorship is about.")
    kind: MentorshipKind = strawberry.field(
        default=MentorshipKind.EXPERIENCED, description="Peer, experienced or reverse."
    )


@strawberry.input(description="The mentor's answer to an offered mentorship.")
class AnswerMentorshipInput(IdempotentInput):
    mentorship_id: strawberry.ID = strawberry.field(description="The mentorship.")
    mentor_id: strawberry.ID = strawberry.field(description="Its mentor, who answers.")


@strawberry.input(description="End a mentorship; its mentor or mentee may.")
class EndMentorshipInput(IdempotentInput):
    mentorship_id: strawberry.ID = strawberry.field(description="The mentorship.")
    employee_id: strawberry.ID = strawberry.field(description="The mentor or mentee ending it.")


@strawberry.type
class MentoringQuery:
    @strawberry.field(description="Mentors for a person and skill, with reasons.")
    async def mentor_suggestions(
        self,
        info: SkillpathInfo,
        employee_id: EmployeeArgument,
        skill: Annotated[str, strawberry.argument(description="The skill to be mentored in.")],
        consistent_with: ConsistentWith = None,
    ) -> MentorSuggestionsResult:
        await consistent(info, consistent_with)
        services = info.context.services

        def read() -> MentorSuggestions:
            key = str(parse_id(employee_id, "employeeId"))
            name = skill.strip().lower()
            if not name or not services.skills.known_skill(name):
                raise ValidationFailed("skill", f"{skill!r} is not a known skill")
            found = services.mentors.suggestions(key, name)
            if found is None:
                raise DomainNotFound("employee", key, "employeeId")
            return MentorSuggestions(
                employee_id=strawberry.ID(key), skill=name,
                suggestions=[
                    MentorSuggestion(
                        mentor_id=strawberry.ID(s.mentor_id), kind=MentorshipKind(s.kind),
                        score=s.score, mentor_level=s.mentor_level, open_mentees=s.open_mentees,
                        max_mentees=s.max_mentees, reasons=s.reasons,
                    )
                    for s in found
                ],
            )  # fmt: skip

        return await typed(info, read)


@strawberry.type
class MentoringMutation:
    @strawberry.mutation(description="Opt in as a mentor; only those who do are proposed.")
    async def opt_in_as_mentor(
        self, info: SkillpathInfo, input: OptInAsMentorInput
    ) -> OptInAsMentorResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.opt_in_as_mentor(
                parse_id(input.employee_id, "employeeId"), max_mentees=input.max_mentees,
                actor=ctx.actor,
            ),
            employee_payload,
        )  # fmt: skip

    @strawberry.mutation(description="Opt out as a mentor; open mentorships go on.")
    async def opt_out_as_mentor(
        self, info: SkillpathInfo, input: OptOutAsMentorInput
    ) -> OptOutAsMentorResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.opt_out_as_mentor(
                parse_id(input.employee_id, "employeeId"), actor=ctx.actor
            ),
            employee_payload,
        )

    @strawberry.mutation(description="Ask a mentor for a mentorship (counts against their limit).")
    async def offer_mentorship(
        self, info: SkillpathInfo, input: OfferMentorshipInput
    ) -> OfferMentorshipResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.offer_mentorship(
                mentor_id=parse_id(input.mentor_id, "mentorId"),
                mentee_id=parse_id(input.mentee_id, "menteeId"), skill=input.skill,
                kind=str(input.kind.value), actor=ctx.actor,
            ),
            _payload,
        )  # fmt: skip

    @strawberry.mutation(description="The mentor accepts an offered mentorship.")
    async def accept_mentorship(
        self, info: SkillpathInfo, input: AnswerMentorshipInput
    ) -> AcceptMentorshipResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.accept_mentorship(
                parse_id(input.mentorship_id, "mentorshipId"),
                mentor_id=parse_id(input.mentor_id, "mentorId"), actor=ctx.actor,
            ),
            _payload,
        )  # fmt: skip

    @strawberry.mutation(description="The mentor declines an offered mentorship.")
    async def decline_mentorship(
        self, info: SkillpathInfo, input: AnswerMentorshipInput
    ) -> DeclineMentorshipResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.decline_mentorship(
                parse_id(input.mentorship_id, "mentorshipId"),
                mentor_id=parse_id(input.mentor_id, "mentorId"), actor=ctx.actor,
            ),
            _payload,
        )  # fmt: skip

    @strawberry.mutation(description="End a mentorship; the mentor's place is free again.")
    async def end_mentorship(
        self, info: SkillpathInfo, input: EndMentorshipInput
    ) -> EndMentorshipResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.end_mentorship(
                parse_id(input.mentorship_id, "mentorshipId"),
                employee_id=parse_id(input.employee_id, "employeeId"), actor=ctx.actor,
            ),
            _payload,
        )  # fmt: skip
