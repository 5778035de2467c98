"""Output types: thin views over read-model rows, resolving links through dataloaders."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime
from enum import Enum

import strawberry

from app.projections.catalogue import ModuleRow
from app.projections.directory import EmployeeRow, SkillRow
from app.projections.enrollments import ENROLLMENT_KEY, EnrollmentCounts, EnrollmentRow
from app.projections.roles import RoleRow
from app.schema.common import (
    BeforeCursor,
    Last,
    PageInfo,
    encode_cursor,
    encode_key_cursor,
    key_slice,
    page_info_of,
    page_size,
    seq_slice,
    to_date,
    to_datetime,
)
from app.schema.context import SkillpathInfo, from_loader
from app.schema.execution import DIRECT


@strawberry.interface(
    description="An object with a stable id, unique across all types: look it up again with"
    " node(id:) or nodes(ids:) (Relay object identification)."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="The object's id: stable, unique across all types, usable with node(id:)."
    )


@strawberry.enum(description="Formats a module comes in, and formats an employee prefers.")
class MediaType(Enum):
    VIDEO = "video"
    ARTICLE = "article"
    COURSE = "course"
    INTERACTIVE = "interactive"
    PODCAST = "podcast"
    WORKSHOP = "workshop"


@strawberry.enum
class EmployeeStatus(Enum):
    ACTIVE = "active"
    LEFT = "left"


@strawberry.enum
class ModuleStatus(Enum):
    PUBLISHED = "published"
    FLAGGED = "flagged"
    RETIRED = "retired"


@strawberry.enum
class EnrollmentStatus(Enum):
    ACTIVE = "active"
    COMPLETED = "completed"
    DROPPED = "dropped"


@strawberry.enum(description="How an enrolment came about.")
class EnrollmentSource(Enum):
    SELF = "self"
    ASSIGNED = "assigned"
    RECOMMENDATION = "recommendation"


@strawberry.enum(description="Who judged a skill level.")
class SkillSource(Enum):
    SELF = "self"
    MANAGER = "manager"
    QUIZ = "quiz"


@strawberry.type(description="A skill a role requires.")
class RequiredSkill:
    skill: str
    level: int = strawberry.field(description="Required level, 0-5.")
    importance: int = strawberry.field(description="1 (nice to have) to 5 (essential).")


@strawberry.type(description="A role of the competence model.")
class Role(Node):
    # Plain attributes, copied from the row once: strawberry resolves them with its cheap
    # default resolver instead of a method call (and its machinery) per field and row.
    id: strawberry.ID
    code: str
    title: str
    source: str = strawberry.field(
        description="Where the definition comes from, e.g. an O*NET code."
    )
    retired: bool
    row: strawberry.Private[RoleRow]

    def __init__(self, row: RoleRow) -> None:
        self.row = row
        self.id = strawberry.ID(row.id)
        self.code = row.code
        self.title = row.title
        self.source = row.source
        self.retired = row.status == "retired"

    @strawberry.field
    def required_skills(self) -> list[RequiredSkill]:
        # A resolver: building these objects for every row is only worth it when asked for.
        return [RequiredSkill(**s) for s in self.row.required_skills]


def _role(row: RoleRow | None) -> Role | None:
    return None if row is None else Role(row=row)


_UNKNOWN = object()


@strawberry.type(description="An assessed skill level of an employee.")
class SkillLevel:
    skill: str
    level: int
    source: SkillSource
    assessed_at: datetime

    @classmethod
    def of(cls, row: SkillRow) -> SkillLevel:
        return cls(
            skill=row.skill,
            level=row.level,
            source=SkillSource(row.source),
            assessed_at=datetime.fromisoformat(row.assessed_at),
        )


@strawberry.type(description="How far an employee is from what their role requires.")
class SkillGap:
    skill: str
    required: int
    current: int = strawberry.field(description="Assessed level; 0 when never assessed.")
    gap: int
    importance: int


@strawberry.type(description="How an employee likes to learn.")
class LearningProfile:
    media_types: list[MediaType]
    weekly_minutes: int
    goals: list[str]
    language: str


@strawberry.type(
    description="A person of the organisation, from the employee directory. Each field"
    " belongs to a facet of the access policy (docs/trust.md): one the caller may not see"
    " is null, with an error coded FORBIDDEN naming its path."
)
class Employee(Node):
    # Plain attributes, copied from the row once (see Role); links stay resolvers. Every
    # field but the id is nullable: the access policy decides per caller.
    id: strawberry.ID
    name: str | None = strawberry.field(description="Identity facet.")
    email: str | None = strawberry.field(description="Identity facet.")
    department: str | None
    location: str | None = strawberry.field(description="Identity facet.")
    years_experience: int | None
    hire_date: date | None
    status: EmployeeStatus | None
    left_on: date | None
    productive_since: date | None = strawberry.field(
        description="When onboarding ended (time to productivity)."
    )
    role_changes: int | None = strawberry.field(description="Internal moves so far.")
    manager_id: strawberry.ID | None = strawberry.field(
        description="The direct manager's id; null for none."
    )
    row: strawberry.Private[EmployeeRow]
    subject_id: strawberry.Private[str]

    def __init__(self, row: EmployeeRow) -> None:
        self.row = row
        self.subject_id = row.id
        self.id = strawberry.ID(row.id)
        self.name = row.name
        self.email = row.email
        self.department = row.department
        self.location = row.location
        self.years_experience = row.years_experience
        # A row read with only the selected columns has None in the others.
        self.hire_date = to_date(row.hire_date)
        self.status = None if row.status is None else EmployeeStatus(row.status)
        self.left_on = to_date(row.left_on)
        self.productive_since = to_date(row.productive_since)
        self.role_changes = row.role_changes
        self.manager_id = None if row.manager_id is None else strawberry.ID(row.manager_id)

    @strawberry.field(description="Profile facet.")
    def profile(self) -> LearningProfile | None:
        return LearningProfile(
            media_types=[MediaType(m) for m in self.row.media_types],
            weekly_minutes=self.row.weekly_minutes,
            goals=self.row.goals,
            language=self.row.language,
        )

    def knowing_role(self, role: Role | None) -> Employee:
        """This employee with their role already read (a page of employees reads them all)."""
        self._role = role
        return self

    @strawberry.field(graphql_type=Role | None, metadata=DIRECT)
    def role(self, info: SkillpathInfo) -> Role | Awaitable[Role | None] | None:
        # Not async: when the page loaded its roles, each row's role is there already.
        # Resolved directly (app/schema/execution.py): use info.context only.
        known = self.__dict__.get("_role", _UNKNOWN)
        if known is not _UNKNOWN:
            return known
        return from_loader(info.context.loaders.roles, self.row.role_id, _role)

    @strawberry.field(description="The direct manager, as far as the caller may see them.")
    async def manager(self, info: SkillpathInfo) -> Employee | None:
        if self.row.manager_id is None:
            return None
        row = await info.context.loaders.employees.load(self.row.manager_id)
        return None if row is None else Employee(row=row)

    @strawberry.field(
        description="The employee's direct reports, in hiring order; reports the caller may"
        " see nothing of are left out.",
        deprecation_reason="Use reportsConnection: it pages with cursors.",
    )
    async def reports(self, info: SkillpathInfo) -> list[Employee] | None:
        rows = await info.context.read(info.context.services.directory.reports_of, self.row.id)
        info.context.loaders.employees.prime_many({row.id: row for row in rows})
        return [Employee(row=row) for row in rows]

    @strawberry.field(
        description="The employee's direct reports in hiring order, a page at a time (keyset"
        " cursors, forward and backward); reports the caller may see nothing of are left out."
    )
    async def reports_connection(
        self,
        info: SkillpathInfo,
        first: int = 20,
        after: str | None = None,
        last: Last = None,
        before: BeforeCursor = None,
    ) -> ReportConnection | None:
        window = seq_slice("employee", first, after, last, before)
        page = await info.context.read(
            info.context.services.directory.page, manager_id=self.row.id, first=window.first,
            after=window.after, last=window.last, before=window.before,
        )  # fmt: skip
        info.context.loaders.employees.prime_many({row.id: row for row in page.items})
        edges = [
            EmployeeEdge(cursor=encode_cursor("employee", row.seq), node=Employee(row=row))
            for row in page.items
        ]
        return ReportConnection(
            edges=edges, page_info=page_info_of([e.cursor for e in edges], page)
        )

    @strawberry.field(description="Profile facet.")
    async def skills(self, info: SkillpathInfo) -> list[SkillLevel] | None:
        rows = await info.context.loaders.skills.load(self.row.id) or []
        return [SkillLevel.of(r) for r in rows]

    @strawberry.field(
        description="Skills below what the current role requires, largest first (profile facet)."
    )
    async def skill_gaps(self, info: SkillpathInfo) -> list[SkillGap] | None:
        role = await info.context.loaders.roles.load(self.row.role_id)
        levels = {
            s.skill: s.level for s in await info.context.loaders.skills.load(self.row.id) or []
        }
        gaps = [
            SkillGap(
                skill=need["skill"],
                required=need["level"],
                current=levels.get(need["skill"], 0),
                gap=need["level"] - levels.get(need["skill"], 0),
                importance=need["importance"],
            )
            for need in (role.required_skills if role else [])
            if levels.get(need["skill"], 0) < need["level"]
        ]
        return sorted(gaps, key=lambda g: (-g.gap * g.importance, g.skill))

    @strawberry.field(
        description="Learning facet.",
        deprecation_reason="Use enrollmentsConnection: it pages with cursors.",
    )
    async def enrollments(
        self, info: SkillpathInfo, status: EnrollmentStatus | None = None
    ) -> list[Enrollment] | None:
        rows = await info.context.loaders.enrollments_of_employee.load(self.row.id) or []
        return [Enrollment(row=r) for r in rows if status is None or r.status == status.value]

    @strawberry.field(
        description="The employee's enrolments, oldest first, a page at a time (keyset"
        " cursors, forward and backward); learning facet."
    )
    async def enrollments_connection(
        self,
        info: SkillpathInfo,
        status: EnrollmentStatus | None = None,
        first: int = 20,
        after: str | None = None,
        last: Last = None,
        before: BeforeCursor = None,
    ) -> EnrollmentConnection | None:
        return await enrollment_connection(
            info, status, first, after, last, before, employee_id=self.row.id
        )


@strawberry.type(description="A skill a module teaches, and the level it brings you to.")
class ModuleSkill:
    skill: str
    level: int


@strawberry.type(
    name="EnrollmentCounts",
    description="How many learners a module has in each state. A figure resting on fewer"
    " than k learners (SKILLPATH_MIN_GROUP_SIZE), or one the others would give away, is"
    " null and suppressed is true.",
)
class EnrollmentCountsType:
    total: int | None
    active: int | None
    completed: int | None
    dropped: int | None
    average_rating: float | None = strawberry.field(description="Mean rating 1-5.")
    raters: int | None = strawberry.field(description="Learners who rated the module.")
    suppressed: bool

    @classmethod
    def of(cls, counts: EnrollmentCounts, k: int) -> EnrollmentCountsType:
        return cls(**counts.disclosed(k).__dict__)


@strawberry.type(name="LearningModule", description="A module of the learning catalogue.")
class LearningModule(Node):
    # Plain attributes, copied from the row once (as Employee); links and lists stay resolvers.
    id: strawberry.ID
    title: str
    description: str
    topics: list[str]
    difficulty: int = strawberry.field(description="1 (introductory) to 5 (expert).")
    media_type: MediaType
    minutes: int
    language: str
    status: ModuleStatus
    flag_reason: str | None
    revision: int = strawberry.field(description="How many times the module has been revised.")
    published_at: datetime
    row: strawberry.Private[ModuleRow]

    def __init__(self, row: ModuleRow) -> None:
        self.row = row
        self.id = strawberry.ID(row.id)
        self.title = row.title
        self.description = row.description
        self.topics = row.topics
        self.difficulty = row.difficulty
        self.media_type = MediaType(row.media_type)
        self.minutes = row.minutes
        self.language = row.language
        self.status = ModuleStatus(row.status)
        self.flag_reason = row.flag_reason
        self.revision = row.revision
        self.published_at = datetime.fromisoformat(row.published_at)

    @strawberry.field
    def skills(self) -> list[ModuleSkill]:
        return [ModuleSkill(skill=s, level=lvl) for s, lvl in self.row.skills.items()]

    @strawberry.field
    async def prerequisites(self, info: SkillpathInfo) -> list[LearningModule]:
        rows = await info.context.loaders.modules.load_many(self.row.prerequisite_ids)
        return [LearningModule(row=r) for r in rows if r is not None]

    @strawberry.field
    async def enrollment_counts(self, info: SkillpathInfo) -> EnrollmentCountsType:
        counts = await info.context.loaders.module_counts.load(self.row.id)
        k = info.context.services.settings.min_group_size
        return EnrollmentCountsType.of(counts or EnrollmentCounts(), k)

    @strawberry.field(
        description="The module's learners' enrolments, oldest first: only those the caller"
        " may see (their own, their reports' who share their profile, and for HR those who"
        " share it).",
        deprecation_reason="Use enrollmentsConnection: it pages with cursors.",
    )
    async def enrollments(
        self, info: SkillpathInfo, status: EnrollmentStatus | None = None, first: int = 20
    ) -> list[Enrollment]:
        size = page_size(first)
        found = await info.context.read(
            info.context.services.enrollments.of_modules,
            [self.row.id],
            None if status is None else status.value,
        )
        return [Enrollment(row=r) for r in found[self.row.id]][:size]

    @strawberry.field(
        description="The module's learners' enrolments, oldest first, a page at a time (keyset"
        " cursors, forward and backward): only those the caller may see, as for enrollments."
    )
    async def enrollments_connection(
        self,
        info: SkillpathInfo,
        status: EnrollmentStatus | None = None,
        first: int = 20,
        after: str | None = None,
        last: Last = None,
        before: BeforeCursor = None,
    ) -> EnrollmentConnection:
        return await enrollment_connection(
            info, status, first, after, last, before, module_id=self.row.id
        )


@strawberry.type(description="Feedback an employee gave on a module.")
class Feedback:
    rating: int
    comment: str
    given_at: datetime


@strawberry.type(
    description="An employee's enrolment in a module (its latest attempt): the learning facet"
    " of the access policy."
)
class Enrollment(Node):
    id: strawberry.ID
    row: strawberry.Private[EnrollmentRow]

    def __init__(self, row: EnrollmentRow) -> None:
        self.row = row
        self.id = strawberry.ID(row.id)

    @property
    def subject_id(self) -> str:
        return self.row.employee_id

    @strawberry.field
    def employee_id(self) -> strawberry.ID:
        return strawberry.ID(self.row.employee_id)

    @strawberry.field
    def module_id(self) -> strawberry.ID:
        return strawberry.ID(self.row.module_id)

    @strawberry.field
    def status(self) -> EnrollmentStatus:
        return EnrollmentStatus(self.row.status)

    @strawberry.field(description="1 for the first time the module is taken, then 2, 3, ...")
    def attempt(self) -> int:
        return self.row.attempt

    @strawberry.field
    def source(self) -> EnrollmentSource:
        return EnrollmentSource(self.row.source)

    @strawberry.field
    def recommendation_id(self) -> strawberry.ID | None:
        rid = self.row.recommendation_id
        return None if rid is None else strawberry.ID(rid)

    @strawberry.field
    def enrolled_at(self) -> datetime:
        return datetime.fromisoformat(self.row.enrolled_at)

    @strawberry.field
    def percent(self) -> int:
        return self.row.percent

    @strawberry.field
    def minutes_spent(self) -> int:
        return self.row.minutes_spent

    @strawberry.field
    def last_position_minutes(self) -> float | None:
        return self.row.last_position_minutes

    @strawberry.field
    def quiz_attempts(self) -> int:
        return self.row.quiz_attempts

    @strawberry.field
    def last_quiz_score(self) -> int | None:
        return self.row.last_quiz_score

    @strawberry.field
    def best_quiz_score(self) -> int | None:
        return self.row.best_quiz_score

    @strawberry.field
    def completed_at(self) -> datetime | None:
        return to_datetime(self.row.completed_at)

    @strawberry.field
    def dropped_at(self) -> datetime | None:
        return to_datetime(self.row.dropped_at)

    @strawberry.field
    def dropped_position_minutes(self) -> float | None:
        return self.row.dropped_position_minutes

    @strawberry.field(description="Null when none was given, or for a redacted view.")
    def feedback(self) -> Feedback | None:
        if self.row.rating is None or self.row.feedback_at is None:
            return None
        return Feedback(
            rating=self.row.rating,
            comment=self.row.comment or "",
            given_at=datetime.fromisoformat(self.row.feedback_at),
        )

    @strawberry.field
    async def employee(self, info: SkillpathInfo) -> Employee | None:
        row = await info.context.loaders.employees.load(self.row.employee_id)
        return None if row is None else Employee(row=row)

    @strawberry.field
    async def module(self, info: SkillpathInfo) -> LearningModule | None:
        row = await info.context.loaders.modules.load(self.row.module_id)
        return None if row is None else LearningModule(row=row)


@strawberry.type
class EmployeeEdge:
    cursor: str
    node: Employee


@strawberry.type(description="A page of employees (Relay connection).")
class EmployeeConnection:
    edges: list[EmployeeEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class LearningModuleEdge:
    cursor: str
    node: LearningModule


@strawberry.type(description="A page of modules (Relay connection).")
class LearningModuleConnection:
    edges: list[LearningModuleEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type(
    description="A page of an employee's direct reports (Relay connection). No total: it"
    " would count reports the caller may not see."
)
class ReportConnection:
    edges: list[EmployeeEdge]
    page_info: PageInfo


@strawberry.type(description="An enrolment on a page, with its cursor.")
class EnrollmentEdge:
    cursor: str
    node: Enrollment


@strawberry.type(
    description="A page of enrolments (Relay connection), keyed by when each attempt started."
    " No total: it would count enrolments the caller may not see."
)
class EnrollmentConnection:
    edges: list[EnrollmentEdge]
    page_info: PageInfo


async def enrollment_connection(
    info: SkillpathInfo,
    status: EnrollmentStatus | None,
    first: int,
    after: str | None,
    last: int | None,
    before: str | None,
    *,
    employee_id: str | None = None,
    module_id: str | None = None,
) -> EnrollmentConnection:
    """A page of one employee's or one module's enrolments; the edges field's guard leaves
    out those the caller may see nothing of (app/schema/guard.py)."""
    window = key_slice("enrollment", len(ENROLLMENT_KEY), first, after, last, before)
    page = await info.context.read(
        info.context.services.enrollments.page, employee_id=employee_id, module_id=module_id,
        status=None if status is None else status.value, first=window.first,
        after=window.after, last=window.last, before=window.before,
    )  # fmt: skip
    edges = [
        EnrollmentEdge(
            cursor=encode_key_cursor("enrollment", (row.enrolled_at, row.id)),
            node=Enrollment(row=row),
        )
        for row in page.items
    ]
    return EnrollmentConnection(
        edges=edges, page_info=page_info_of([e.cursor for e in edges], page)
    )
