"""Skill matrix and gap analysis: profiles, weighted gaps, team matrices, readiness, heat maps."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from app.aggregates import NotFound as DomainNotFound
from app.people import skills as book
from app.schema.common import ConsistentWith, consistent
from app.schema.competence import SkillBandName
from app.schema.context import SkillpathInfo
from app.schema.errors import parse_id
from app.schema.people_common import query_result, typed
from app.schema.types import SkillSource


@strawberry.type(description="A person's current level of one skill and where it comes from.")
class CurrentSkill:
    skill: str = strawberry.field(description="The skill's name.")
    level: int = strawberry.field(
        description="The current level 0-5: quiz over manager over self, newer over older."
    )
    band: SkillBandName | None = strawberry.field(description="The level's band; null at 0.")
    source: SkillSource = strawberry.field(description="The source the current level is from.")
    assessed_at: datetime = strawberry.field(description="When that source assessed it.")
    self_level: int | None = strawberry.field(description="The person's own latest view.")
    observed_level: int | None = strawberry.field(
        description="The latest observed level (quiz, else manager), if any."
    )


@strawberry.type(description="A self-assessment two or more levels from an observed level.")
class SkillDisagreement:
    skill: str = strawberry.field(description="The skill's name.")
    self_level: int = strawberry.field(description="The person's own view, 0-5.")
    observed_level: int = strawberry.field(description="The observed level, 0-5.")
    observed_source: SkillSource = strawberry.field(description="Quiz or manager.")
    difference: int = strawberry.field(
        description="Self minus observed: positive when the person rates themselves higher."
    )


@strawberry.type(description="A person's skills with their current levels (profile facet).")
class SkillProfile:
    employee_id: strawberry.ID = strawberry.field(description="Whose profile this is.")
    skills: list[CurrentSkill] = strawberry.field(description="Every assessed skill, by name.")
    disagreements: list[SkillDisagreement] = strawberry.field(
        description="Where self-assessment and observation differ by two levels or more."
    )

    @property
    def subject_id(self) -> str:
        return str(self.employee_id)


@strawberry.type(description="A gap to a required level, weighted by its importance.")
class WeightedSkillGap:
    skill: str = strawberry.field(description="The skill's name.")
    required: int = strawberry.field(description="The level the role requires, 1-5.")
    current: int = strawberry.field(description="The current level; 0 when never assessed.")
    gap: int = strawberry.field(description="Required minus current.")
    importance: int = strawberry.field(description="The requirement's importance, 1-5.")
    weighted_gap: int = strawberry.field(description="Gap times importance; the sort order.")


@strawberry.type(description="How far a person is from a role's requirements (profile facet).")
class SkillGapAnalysis:
    employee_id: strawberry.ID = strawberry.field(description="Whose gaps these are.")
    role_id: strawberry.ID = strawberry.field(description="The role compared against.")
    readiness: float = strawberry.field(
        description="Importance-weighted share of required levels reached, 0-1 (1: ready)."
    )
    gaps: list[WeightedSkillGap] = strawberry.field(
        description="Unmet requirements, largest weighted gap first."
    )

    @property
    def subject_id(self) -> str:
        return str(self.employee_id)


@strawberry.type(description="One member's row of a team skill matrix (profile facet).")
class TeamMemberSkills:
    employee_id: strawberry.ID = strawberry.field(description="The team member.")
    readiness: float = strawberry.field(description="Readiness for their own role, 0-1.")
    levels: list[int] = strawberry.field(
        description="Current levels 0-5, one per column of the matrix (its skills, in order)."
    )
    required: list[int | None] = strawberry.field(
        description="Levels the member's role requires, per column; null where it does not."
    )
    gaps: list[int] = strawberry.field(
        description="How far below the requirement, per column; 0 when met or not required."
    )

    @property
    def subject_id(self) -> str:
        return str(self.employee_id)


@strawberry.type(description="A manager's team against the skills its roles require.")
class TeamSkillMatrix:
    manager_id: strawberry.ID = strawberry.field(description="The manager of the team.")
    skills: list[str] = strawberry.field(description="The columns: skills members' roles need.")
    members: list[TeamMemberSkills] = strawberry.field(
        description="Members who share their profile (profile_sharing)."
    )
    members_not_sharing: int = strawberry.field(
        description="Members who do not share their profile: counted, never shown."
    )

    @property
    def subject_id(self) -> str:
        return str(self.manager_id)


@strawberry.type(description="One required skill over the people in a role.")
class SkillCoverage:
    skill: str = strawberry.field(description="The skill's name.")
    required: int = strawberry.field(description="The required level, 1-5.")
    importance: int = strawberry.field(description="The requirement's importance, 1-5.")
    mean_level: float | None = strawberry.field(description="Mean level; null when suppressed.")
    share_meeting: float | None = strawberry.field(
        description="Share at or above the requirement, 0-1; null when suppressed."
    )


@strawberry.type(description="How ready the people in a role are for it (k rule applies).")
class RoleReadiness:
    role_id: strawberry.ID = strawberry.field(description="The role.")
    title: str = strawberry.field(description="The role's title.")
    people: int | None = strawberry.field(
        description="Active people in the role; null when the group is below k."
    )
    suppressed: bool = strawberry.field(description="True when fewer than k people hold it.")
    mean_readiness: float | None = strawberry.field(description="Mean readiness, 0-1.")
    ready_share: float | None = strawberry.field(description="Share meeting every requirement.")
    skills: list[SkillCoverage] = strawberry.field(description="Per required skill.")


@strawberry.type(description="One department and skill of the heat map (k rule applies).")
class SkillHeatCell:
    department: str = strawberry.field(description="The department.")
    skill: str = strawberry.field(description="A skill the department's roles require.")
    people: int | None = strawberry.field(description="People counted; null when suppressed.")
    suppressed: bool = strawberry.field(description="True when fewer than k people are in it.")
    mean_level: float | None = strawberry.field(description="Mean current level, 0-5.")
    mean_gap: float | None = strawberry.field(description="Mean gap to each one's own role.")


@strawberry.type(description="Departments against the skills their roles require.")
class SkillHeatMap:
    min_group_size: int = strawberry.field(description="k: smaller groups show no figures.")
    cells: list[SkillHeatCell] = strawberry.field(description="By department, then skill.")


SkillProfileResult = query_result("SkillProfileResult", SkillProfile)
SkillGapsResult = query_result("SkillGapsResult", SkillGapAnalysis)
TeamSkillMatrixResult = query_result("TeamSkillMatrixResult", TeamSkillMatrix)
RoleReadinessResult = query_result("RoleReadinessResult", RoleReadiness)


def _profile(found: book.Profile) -> SkillProfile:
    return SkillProfile(
        employee_id=strawberry.ID(found.employee_id),
        skills=[
            CurrentSkill(
                skill=s.skill, level=s.level,
                band=None if s.band is None else SkillBandName(s.band),
                source=SkillSource(s.source), assessed_at=datetime.fromisoformat(s.assessed_at),
                self_level=s.self_level, observed_level=s.observed_level,
            )
            for s in found.skills
        ],
        disagreements=[
            SkillDisagreement(
                skill=d.skill, self_level=d.self_level, observed_level=d.observed_level,
                observed_source=SkillSource(d.observed_source), difference=d.difference,
            )
            for d in found.disagreements
        ],
    )  # fmt: skip


def weighted_gaps(gaps: list[book.Gap]) -> list[WeightedSkillGap]:
    return [
        WeightedSkillGap(skill=g.skill, required=g.required, current=g.current, gap=g.gap,
                         importance=g.importance, weighted_gap=g.weighted)
        for g in gaps
    ]  # fmt: skip


def _matrix(found: book.TeamMatrix) -> TeamSkillMatrix:
    return TeamSkillMatrix(
        manager_id=strawberry.ID(found.manager_id),
        skills=found.skills,
        members=[
            TeamMemberSkills(
                employee_id=strawberry.ID(m.employee_id), readiness=m.readiness,
                levels=m.levels, required=m.required, gaps=m.gaps,
            )
            for m in found.members
        ],
        members_not_sharing=found.not_sharing,
    )  # fmt: skip


def _readiness(found: book.RoleReadiness) -> RoleReadiness:
    return RoleReadiness(
        role_id=strawberry.ID(found.role_id), title=found.title,
        people=None if found.suppressed else found.people, suppressed=found.suppressed,
        mean_readiness=found.mean_readiness, ready_share=found.ready_share,
        skills=[
            SkillCoverage(skill=c.skill, required=c.required, importance=c.importance,
                          mean_level=c.mean_level, share_meeting=c.share_meeting)
            for c in found.skills
        ],
    )  # fmt: skip


def _missing(entity: str, key: str, field: str) -> DomainNotFound:
    return DomainNotFound(entity, key, field)


EmployeeArgument = Annotated[
    strawberry.ID, strawberry.argument(description="The employee the question is about.")
]
RoleArgument = Annotated[strawberry.ID, strawberry.argument(description="The role.")]


@strawberry.type
class SkillQuery:
    @strawberry.field(description="A person's current skill levels and disagreements.")
    async def skill_profile(
        self, info: SkillpathInfo, employee_id: EmployeeArgument,
        consistent_with: ConsistentWith = None,
    ) -> SkillProfileResult:  # fmt: skip
        await consistent(info, consistent_with)
        skills = info.context.services.skills

        def read() -> SkillProfile:
            key = str(parse_id(employee_id, "employeeId"))
            found = skills.profile(key)
            if found is None:
                raise _missing("employee", key, "employeeId")
            return _profile(found)

        return await typed(info, read)

    @strawberry.field(description="A person's gaps to a role (their own by default), weighted.")
    async def skill_gaps(
        self,
        info: SkillpathInfo,
        employee_id: EmployeeArgument,
        role_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Compare with this role instead of their own."),
        ] = None,
        consistent_with: ConsistentWith = None,
    ) -> SkillGapsResult:
        await consistent(info, consistent_with)
        services = info.context.services

        def read() -> SkillGapAnalysis:
            key = str(parse_id(employee_id, "employeeId"))
            role = None if role_id is None else str(parse_id(role_id, "roleId"))
            if role is not None and services.roles.get(role) is None:
                raise _missing("role", role, "roleId")
            found = services.skills.gaps(key, role)
            if found is None:
                raise _missing("employee", key, "employeeId")
            return SkillGapAnalysis(
                employee_id=strawberry.ID(key), role_id=strawberry.ID(found.role_id),
                readiness=found.readiness, gaps=weighted_gaps(found.gaps),
            )  # fmt: skip

        return await typed(info, read)

    @strawberry.field(description="A manager's direct reports against their roles' skills.")
    async def team_skill_matrix(
        self,
        info: SkillpathInfo,
        manager_id: Annotated[strawberry.ID, strawberry.argument(description="The manager.")],
        consistent_with: ConsistentWith = None,
    ) -> TeamSkillMatrixResult:
        await consistent(info, consistent_with)
        skills = info.context.services.skills

        def read() -> TeamSkillMatrix:
            key = str(parse_id(manager_id, "managerId"))
            if skills.person(key) is None:
                raise _missing("employee", key, "managerId")
            return _matrix(skills.team_matrix(key))

        return await typed(info, read, short_read=True)

    @strawberry.field(description="How ready the people in a role are for it (k rule).")
    async def role_readiness(
        self, info: SkillpathInfo, role_id: RoleArgument, consistent_with: ConsistentWith = None
    ) -> RoleReadinessResult:
        await consistent(info, consistent_with)
        services = info.context.services

        def read() -> RoleReadiness:
            key = str(parse_id(role_id, "roleId"))
            found = services.skills.role_readiness(key, services.settings.min_group_size)
            if found is None:
                raise _missing("role", key, "roleId")
            return _readiness(found)

        return await typed(info, read)

    @strawberry.field(description="Departments against their roles' skills, for the dashboard.")
    async def skill_heat_map(
        self,
        info: SkillpathInfo,
        department: Annotated[
            str | None, strawberry.argument(description="Only this department.")
        ] = None,
        consistent_with: ConsistentWith = None,
    ) -> SkillHeatMap:
        await consistent(info, consistent_with)
        services = info.context.services
        k = services.settings.min_group_size
        cells = await info.context.run(services.skills.heat_map, department, k)
        return SkillHeatMap(
            min_group_size=k,
            cells=[
                SkillHeatCell(department=c.department, skill=c.skill, people=c.people,
                              suppressed=c.suppressed, mean_level=c.mean_level,
                              mean_gap=c.mean_gap)
                for c in cells
            ],
        )  # fmt: skip
