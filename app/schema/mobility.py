"""Internal mobility: career paths, internal candidates, and HR's projects and gigs."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from app.aggregates import NotFound as DomainNotFound
from app.aggregates import RequiredSkill as DomainRequiredSkill
from app.aggregates import ValidationFailed
from app.application import Written
from app.people import mobility
from app.projections.opportunities import OpportunityRow
from app.schema.common import ConsistentWith, consistent
from app.schema.context import SkillpathInfo
from app.schema.errors import execute, parse_id
from app.schema.idempotency import IdempotentInput
from app.schema.payloads import POSITION_HELP, result
from app.schema.people_common import query_result, typed
from app.schema.roles import RequiredSkillInput
from app.schema.skills import EmployeeArgument, RoleArgument, WeightedSkillGap, weighted_gaps
from app.schema.types import RequiredSkill

MAX_CANDIDATES = 100


@strawberry.enum(description="What kind of internal opportunity.")
class OpportunityKind(Enum):
    PROJECT = strawberry.enum_value("project", description="A project with a team, for weeks.")
    GIG = strawberry.enum_value("gig", description="A short task alongside the current role.")


@strawberry.type(description="An internal project or gig HR published.")
class InternalOpportunity:
    id: strawberry.ID = strawberry.field(description="The opportunity's id.")
    kind: OpportunityKind = strawberry.field(description="Project or gig.")
    title: str = strawberry.field(description="What it is called.")
    description: str = strawberry.field(description="What it is about.")
    department: str = strawberry.field(description="The department offering it; may be empty.")
    required_skills: list[RequiredSkill] = strawberry.field(description="The skills it needs.")
    hours_per_week: int = strawberry.field(description="The time it takes, per week.")
    open: bool = strawberry.field(description="False once HR closed it.")

    @classmethod
    def of(cls, row: OpportunityRow) -> InternalOpportunity:
        return cls(
            id=strawberry.ID(row.id), kind=OpportunityKind(row.kind), title=row.title,
            description=row.description, department=row.department,
            required_skills=[RequiredSkill(**s) for s in row.required_skills],
            hours_per_week=row.hours_per_week, open=row.status == "open",
        )  # fmt: skip


@strawberry.type(description="The outcome of publishing or closing an opportunity.")
class OpportunityPayload:
    position: int = strawberry.field(description=POSITION_HELP)
    opportunity_id: strawberry.ID = strawberry.field(description="The opportunity.")


def _payload(written: Written) -> OpportunityPayload:
    return OpportunityPayload(
        position=written.position, opportunity_id=strawberry.ID(str(written.id))
    )


PublishOpportunityResult = result("PublishOpportunityResult", OpportunityPayload)
CloseOpportunityResult = result("CloseOpportunityResult", OpportunityPayload)


@strawberry.type(description="A module on the way to a target level.")
class ModuleStep:
    module_id: strawberry.ID = strawberry.field(description="The module.")
    title: str = strawberry.field(description="The module's title.")
    skill: str = strawberry.field(description="The skill it raises.")
    brings_to: int = strawberry.field(description="The level it brings the skill to, 1-5.")
    minutes: int = strawberry.field(description="Its length in minutes.")


@strawberry.type(description="How close a person is to one role.")
class RoleFit:
    role_id: strawberry.ID = strawberry.field(description="The role.")
    title: str = strawberry.field(description="The role's title.")
    readiness: float = strawberry.field(description="Readiness for it, 0-1.")
    gaps: list[WeightedSkillGap] = strawberry.field(description="Unmet requirements.")


@strawberry.type(description="An open project or gig, and why it fits the person.")
class OpportunityFit:
    opportunity_id: strawberry.ID = strawberry.field(description="The opportunity.")
    kind: OpportunityKind = strawberry.field(description="Project or gig.")
    title: str = strawberry.field(description="Its title.")
    readiness: float = strawberry.field(description="Share of what it needs the person has.")
    grows: list[str] = strawberry.field(description="Target-role gaps it works on.")
    reason: str = strawberry.field(description="Why it is suggested, in a sentence.")


@strawberry.type(description="A person's way to a target role (profile facet).")
class CareerPaths:
    employee_id: strawberry.ID = strawberry.field(description="Whose paths these are.")
    target: RoleFit = strawberry.field(description="The gap to the target role.")
    modules: list[ModuleStep] = strawberry.field(description="Modules that close the gap.")
    estimated_hours: float = strawberry.field(description="The modules' total time, in hours.")
    unclosed_skills: list[str] = strawberry.field(
        description="Gaps no published module closes yet."
    )
    neighbouring_roles: list[RoleFit] = strawberry.field(description="Other roles, closest first.")
    opportunities: list[OpportunityFit] = strawberry.field(
        description="Open projects and gigs, best fit first."
    )

    @property
    def subject_id(self) -> str:
        return str(self.employee_id)


@strawberry.type(description="An employee ranked for a role, with reasons (profile facet).")
class InternalCandidate:
    employee_id: strawberry.ID = strawberry.field(description="The employee.")
    readiness: float = strawberry.field(description="Readiness for the role, 0-1.")
    current_role_id: strawberry.ID = strawberry.field(description="The role they hold now.")
    met_skills: list[str] = strawberry.field(description="Requirements they meet, by importance.")
    gaps: list[WeightedSkillGap] = strawberry.field(description="Requirements they do not meet.")
    reasons: list[str] = strawberry.field(description="Why they rank here, in short phrases.")

    @property
    def subject_id(self) -> str:
        return str(self.employee_id)


CareerPathsResult = query_result("CareerPathsResult", CareerPaths)


@strawberry.type(description="The candidates for a role.")
class InternalCandidates:
    role_id: strawberry.ID = strawberry.field(description="The role.")
    candidates: list[InternalCandidate] = strawberry.field(
        description="Employees who share their profile, most ready first."
    )


InternalCandidatesResult = query_result("InternalCandidatesResult", InternalCandidates)


def _fit(found: mobility.RoleFit) -> RoleFit:
    return RoleFit(role_id=strawberry.ID(found.role_id), title=found.title,
                   readiness=found.readiness, gaps=weighted_gaps(found.gaps))  # fmt: skip


def _plan(found: mobility.CareerPlan) -> CareerPaths:
    return CareerPaths(
        employee_id=strawberry.ID(found.employee_id), target=_fit(found.target),
        modules=[
            ModuleStep(module_id=strawberry.ID(s.module_id), title=s.title, skill=s.skill,
                       brings_to=s.brings_to, minutes=s.minutes)
            for s in found.steps
        ],
        estimated_hours=found.estimated_hours, unclosed_skills=found.unclosed,
        neighbouring_roles=[_fit(n) for n in found.neighbours],
        opportunities=[
            OpportunityFit(opportunity_id=strawberry.ID(o.opportunity_id),
                           kind=OpportunityKind(o.kind), title=o.title, readiness=o.readiness,
                           grows=o.grows, reason=o.reason)
            for o in found.opportunities
        ],
    )  # fmt: skip


@strawberry.input(description="An internal project or gig to publish.")
class PublishOpportunityInput(IdempotentInput):
    kind: OpportunityKind = strawberry.field(description="Project or gig.")
    title: str = strawberry.field(description="What it is called.")
    required_skills: list[RequiredSkillInput] = strawberry.field(description="What it needs.")
    hours_per_week: int = strawberry.field(description="Time it takes per week, 1-40.")
    description: str = strawberry.field(default="", description="What it is about.")
    department: str = strawberry.field(default="", description="Who offers it; may be empty.")


@strawberry.input(description="The opportunity to close.")
class CloseOpportunityInput(IdempotentInput):
    opportunity_id: strawberry.ID = strawberry.field(description="The opportunity.")


@strawberry.type
class MobilityQuery:
    @strawberry.field(description="The way to a target role: gap, modules, neighbours, gigs.")
    async def career_paths(
        self,
        info: SkillpathInfo,
        employee_id: EmployeeArgument,
        target_role_id: Annotated[
            strawberry.ID, strawberry.argument(description="The role the person aims for.")
        ],
        consistent_with: ConsistentWith = None,
    ) -> CareerPathsResult:
        await consistent(info, consistent_with)
        services = info.context.services

        def read() -> CareerPaths:
            key = str(parse_id(employee_id, "employeeId"))
            role = str(parse_id(target_role_id, "targetRoleId"))
            if services.roles.get(role) is None:
                raise DomainNotFound("role", role, "targetRoleId")
            found = services.mobility.career_paths(key, role)
            if found is None:
                raise DomainNotFound("employee", key, "employeeId")
            return _plan(found)

        return await typed(info, read)

    @strawberry.field(description="Employees who share their profile, ranked for a role.")
    async def internal_candidates(
        self,
        info: SkillpathInfo,
        role_id: RoleArgument,
        first: Annotated[int, strawberry.argument(description="How many, 1-100.")] = 20,
        consistent_with: ConsistentWith = None,
    ) -> InternalCandidatesResult:
        await consistent(info, consistent_with)
        services = info.context.services

        def read() -> InternalCandidates:
            key = str(parse_id(role_id, "roleId"))
            if not 1 <= first <= MAX_CANDIDATES:
                raise ValidationFailed("first", f"must be between 1 and {MAX_CANDIDATES}")
            found = services.mobility.internal_candidates(key, first)
            if found is None:
                raise DomainNotFound("role", key, "roleId")
            return InternalCandidates(
                role_id=strawberry.ID(key),
                candidates=[
                    InternalCandidate(
                        employee_id=strawberry.ID(c.employee_id), readiness=c.readiness,
                        current_role_id=strawberry.ID(c.current_role_id), met_skills=c.met,
                        gaps=weighted_gaps(c.gaps), reasons=c.reasons,
                    )
                    for c in found
                ],
            )  # fmt: skip

        return await typed(info, read, short_read=True)

    @strawberry.field(description="Open internal projects and gigs.")
    async def opportunities(
        self, info: SkillpathInfo, consistent_with: ConsistentWith = None
    ) -> list[InternalOpportunity]:
        await consistent(info, consistent_with)
        rows = await info.context.run(info.context.services.opportunities.open)
        return [InternalOpportunity.of(r) for r in rows]


@strawberry.type
class MobilityMutation:
    @strawberry.mutation(description="Publish an internal project or gig with its skills.")
    async def publish_opportunity(
        self, info: SkillpathInfo, input: PublishOpportunityInput
    ) -> PublishOpportunityResult:
        ctx = info.context
        skills = [
            DomainRequiredSkill(s.skill, s.level, s.importance) for s in input.required_skills
        ]
        return await execute(
            ctx.run,
            lambda: ctx.services.app.publish_opportunity(
                kind=str(input.kind.value), title=input.title, description=input.description,
                department=input.department, skills=skills,
                hours_per_week=input.hours_per_week, actor=ctx.actor,
            ),
            _payload,
        )  # fmt: skip

    @strawberry.mutation(description="Close an internal project or gig.")
    async def close_opportunity(
        self, info: SkillpathInfo, input: CloseOpportunityInput
    ) -> CloseOpportunityResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.close_opportunity(
                parse_id(input.opportunity_id, "opportunityId"), actor=ctx.actor
            ),
            _payload,
        )
