"""Roles: the competence model's queries and mutations."""

from __future__ import annotations

import strawberry

from app.aggregates import RequiredSkill as DomainRequiredSkill
from app.schema.common import ConsistentWith, consistent
from app.schema.context import SkillpathInfo
from app.schema.errors import execute, parse_id, query_id
from app.schema.idempotency import IdempotentInput
from app.schema.payloads import RolePayload, result, role_payload
from app.schema.types import Role

DefineRoleResult = result("DefineRoleResult", RolePayload)
ReviseRoleResult = result("ReviseRoleResult", RolePayload)
RetireRoleResult = result("RetireRoleResult", RolePayload)


@strawberry.input(description="A skill a role requires.")
class RequiredSkillInput:
    skill: str
    level: int = strawberry.field(description="0-5.")
    importance: int = strawberry.field(default=3, description="1 (nice to have) to 5 (essential).")


@strawberry.input
class DefineRoleInput(IdempotentInput):
    code: str = strawberry.field(description="A unique, stable code, e.g. 'data-analyst'.")
    title: str
    source: str = strawberry.field(default="", description="Origin, e.g. 'O*NET 15-2051.00'.")
    required_skills: list[RequiredSkillInput]


@strawberry.input(description="The fields to change; omitted fields keep their value.")
class ReviseRoleInput(IdempotentInput):
    role_id: strawberry.ID
    title: str | None = None
    required_skills: list[RequiredSkillInput] | None = None


@strawberry.input
class RetireRoleInput(IdempotentInput):
    role_id: strawberry.ID


def _skills(skills: list[RequiredSkillInput]) -> list[DomainRequiredSkill]:
    return [DomainRequiredSkill(s.skill, s.level, s.importance) for s in skills]


@strawberry.type
class RoleQuery:
    @strawberry.field(description="One role by id, or null.")
    async def role(
        self,
        info: SkillpathInfo,
        id: strawberry.ID,
        consistent_with: ConsistentWith = None,
    ) -> Role | None:
        await consistent(info, consistent_with)
        row = await info.context.loaders.roles.load(query_id(id, "id"))
        return None if row is None else Role(row=row)

    @strawberry.field(description="The roles of the competence model, by title.")
    async def roles(
        self,
        info: SkillpathInfo,
        include_retired: bool = False,
        consistent_with: ConsistentWith = None,
    ) -> list[Role]:
        await consistent(info, consistent_with)
        rows = await info.context.run(info.context.services.roles.all, include_retired)
        return [Role(row=r) for r in rows]


@strawberry.type
class RoleMutation:
    @strawberry.mutation(description="Add a role with its required skills to the competence model.")
    async def define_role(self, info: SkillpathInfo, input: DefineRoleInput) -> DefineRoleResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.define_role(
                code=input.code,
                title=input.title,
                source=input.source,
                skills=_skills(input.required_skills),
                actor=ctx.actor,
            ),
            role_payload,
        )

    @strawberry.mutation(description="Change a role's title or required skills.")
    async def revise_role(self, info: SkillpathInfo, input: ReviseRoleInput) -> ReviseRoleResult:
        ctx = info.context
        skills = None if input.required_skills is None else _skills(input.required_skills)
        return await execute(
            ctx.run,
            lambda: ctx.services.app.revise_role(
                parse_id(input.role_id, "roleId"), title=input.title, skills=skills,
                actor=ctx.actor,
            ),
            role_payload,
        )  # fmt: skip

    @strawberry.mutation(description="Withdraw a role; nobody can be hired or moved into it.")
    async def retire_role(self, info: SkillpathInfo, input: RetireRoleInput) -> RetireRoleResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.retire_role(
                parse_id(input.role_id, "roleId"), actor=ctx.actor
            ),
            role_payload,
        )
