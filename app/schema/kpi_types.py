"""GraphQL views of KPI reports and module insights, and the arguments that select them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import Enum

import strawberry

from app.kpis import figures as f
from app.kpis import windows
from app.kpis.windows import Window, WindowError
from app.projections.kpi_book import KpiFigures as KpiFigureRows
from app.projections.kpi_book import KpiFilter
from app.projections.kpi_book import KpiGroup as KpiGroupRow
from app.projections.kpi_book import KpiReport as ReportRow
from app.projections.kpi_modules import ModuleInsights as InsightsRow
from app.projections.kpi_modules import RevisionFlag as FlagRow
from app.schema.context import SkillpathInfo
from app.schema.errors import bad_input, query_id

HOURS_HELP = (
    "Learning hours in the window per active employee (per learner when grouped by module);"
    " minutes are only known with activity_tracking consent."
)


@strawberry.enum(description="Which days a KPI report covers (business time, UTC days).")
class KpiWindowKind(Enum):
    LAST_7_DAYS = "last_7_days"
    LAST_30_DAYS = "last_30_days"
    LAST_90_DAYS = "last_90_days"
    QUARTER = "quarter"
    CUSTOM = "custom"


@strawberry.enum(description="How a KPI report splits the organisation.")
class KpiGrouping(Enum):
    COMPANY = "company"
    DEPARTMENT = "department"
    TEAM = "team"
    ROLE = "role"
    MODULE = "module"


@strawberry.input(
    description="A window: a preset, a quarter (2026-Q3; default the current one),"
    " or CUSTOM from-to (both days included)."
)
class KpiWindowInput:
    kind: KpiWindowKind = KpiWindowKind.LAST_30_DAYS
    quarter: str | None = None
    from_: date | None = strawberry.field(default=None, name="from")
    to: date | None = None


@strawberry.input(description="Restrict every figure to one department, team, role or module.")
class KpiFilterInput:
    department: str | None = None
    team_manager_id: strawberry.ID | None = None
    role_id: strawberry.ID | None = None
    module_id: strawberry.ID | None = None


def to_window(value: KpiWindowInput | None) -> Window:
    """The window an argument names; bad combinations are coded errors naming the field."""
    value = value or KpiWindowInput()
    try:
        return windows.build(
            value.kind.value,
            datetime.now(UTC).date(),
            quarter_name=value.quarter,
            start=value.from_,
            end=value.to,
        )
    except WindowError as error:
        raise bad_input(f"window.{error.field}", error.message) from None


def to_filter(value: KpiFilterInput | None) -> KpiFilter:
    if value is None:
        return KpiFilter()

    def opt(id_: strawberry.ID | None, field: str) -> str | None:
        return None if id_ is None else query_id(id_, f"filter.{field}")

    return KpiFilter(
        department=value.department,
        manager_id=opt(value.team_manager_id, "teamManagerId"),
        role_id=opt(value.role_id, "roleId"),
        module_id=opt(value.module_id, "moduleId"),
    )


@strawberry.type(description="The days a report covers.")
class KpiWindow:
    label: str
    from_: date = strawberry.field(name="from")
    to: date

    @classmethod
    def of(cls, window: Window) -> KpiWindow:
        return cls(label=window.label, from_=window.start, to=window.end)


@strawberry.type(
    description="One KPI value and what it rests on. value is null when there is "
    "nothing to measure, or when suppressed (fewer than k people)."
)
class KpiFigure:
    value: float | None
    numerator: float | None
    denominator: float | None
    people: int | None = strawberry.field(description="Distinct people behind the figure.")
    suppressed: bool

    @classmethod
    def of(cls, figure: f.Figure | None) -> KpiFigure | None:
        if figure is None:
            return None
        return cls(
            value=figure.value,
            numerator=figure.numerator,
            denominator=figure.denominator,
            people=figure.people,
            suppressed=figure.suppressed,
        )


@strawberry.type(description="Every KPI of one group; null where a KPI does not apply.")
class KpiFigures:
    rows: strawberry.Private[KpiFigureRows]

    @strawberry.field(description="Completed / enrolled, over enrolments started in the window.")
    def completion_rate(self) -> KpiFigure | None:
        return KpiFigure.of(self.rows.completion_rate)

    @strawberry.field(description="Median minute at which dropped enrolments stopped.")
    def drop_off_minutes(self) -> KpiFigure | None:
        return KpiFigure.of(self.rows.drop_off_minutes)

    @strawberry.field(description="Median days from hire to productivity, over hires in window.")
    def time_to_productivity_days(self) -> KpiFigure | None:
        return KpiFigure.of(self.rows.time_to_productivity_days)

    @strawberry.field(description="% promoters (9-10) minus % detractors (0-6) of pulse answers.")
    def enps(self) -> KpiFigure | None:
        return KpiFigure.of(self.rows.enps)

    @strawberry.field(description="Internal moves / (internal moves + external hires).")
    def internal_hiring_share(self) -> KpiFigure | None:
        return KpiFigure.of(self.rows.internal_hiring_share)

    @strawberry.field(description="Employees with a learning event in the window / active ones.")
    def adoption(self) -> KpiFigure | None:
        return KpiFigure.of(self.rows.adoption)

    @strawberry.field(description="Recommended items enrolled within 14 days / items recommended.")
    def recommendation_acceptance(self) -> KpiFigure | None:
        return KpiFigure.of(self.rows.recommendation_acceptance)

    @strawberry.field(description=HOURS_HELP)
    def learning_hours_per_employee(self) -> KpiFigure | None:
        return KpiFigure.of(self.rows.learning_hours_per_employee)

    @strawberry.field(description="Mean rating (1-5) of feedback given in the window.")
    def average_rating(self) -> KpiFigure | None:
        return KpiFigure.of(self.rows.average_rating)

    @strawberry.field(description="Mean sentiment (-1 to 1) of feedback comments in the window.")
    def feedback_sentiment(self) -> KpiFigure | None:
        return KpiFigure.of(self.rows.feedback_sentiment)

    @strawberry.field(description="(benefit - cost) / cost x 100 of programme entries in window.")
    def roi_percent(self) -> KpiFigure | None:
        return KpiFigure.of(self.rows.roi_percent)


@strawberry.type(
    description="One group of a report; a suppressed group shows neither size nor figures."
)
class KpiGroup:
    row: strawberry.Private[KpiGroupRow]
    grouping: strawberry.Private[str]

    @strawberry.field(
        description="Department name, or the id of the team (its manager's employee id),"
        " role or module."
    )
    def key(self) -> str:
        return self.row.key

    @strawberry.field(
        description="A readable name: the department, the team's short id (never a person's"
        " name), the role's or module's title."
    )
    async def label(self, info: SkillpathInfo) -> str:
        loaders = info.context.loaders
        if self.grouping == "team":
            # Named by its id, never by a person: the works council reads these labels.
            return f"Team {self.row.key[:8]}"
        if self.grouping == "role":
            role = await loaders.roles.load(self.row.key)
            return role.title if role else self.row.key
        if self.grouping == "module":
            module = await loaders.modules.load(self.row.key)
            return module.title if module else self.row.key
        return "Company" if self.grouping == "company" else self.row.key

    @strawberry.field
    def size(self) -> int | None:
        return self.row.size

    @strawberry.field
    def suppressed(self) -> bool:
        return self.row.suppressed

    @strawberry.field
    def figures(self) -> KpiFigures | None:
        return None if self.row.figures is None else KpiFigures(rows=self.row.figures)


@strawberry.type(description="KPIs for one window and grouping, as of an event-store position.")
class KpiReport:
    row: strawberry.Private[ReportRow]

    @strawberry.field
    def window(self) -> KpiWindow:
        return KpiWindow.of(self.row.window)

    @strawberry.field
    def group_by(self) -> KpiGrouping:
        return KpiGrouping(self.row.group_by)

    @strawberry.field(description="The event-store position these figures reflect.")
    def position(self) -> int:
        return self.row.position

    @strawberry.field(description="k: groups and figures on fewer people are suppressed.")
    def min_group_size(self) -> int:
        return self.row.min_group_size

    @strawberry.field
    def groups(self) -> list[KpiGroup]:
        return [KpiGroup(row=g, grouping=self.row.group_by) for g in self.row.groups]


@strawberry.type(description="A figure by name.")
class NamedFigure:
    name: str
    value: float


@strawberry.type(description="An open request to revise a module, and what triggered it.")
class RevisionFlag:
    module_id: strawberry.ID
    title: str
    rule: str | None = strawberry.field(
        description="rating_fell, sentiment_fell or early_drop_off; null when set by hand."
    )
    reason: str
    figures: list[NamedFigure]
    flagged_at: datetime

    @classmethod
    def of(cls, row: FlagRow) -> RevisionFlag:
        return cls(
            module_id=strawberry.ID(row.module_id),
            title=row.title,
            rule=row.rule,
            reason=row.reason,
            figures=[NamedFigure(name=k, value=v) for k, v in sorted(row.figures.items())],
            flagged_at=datetime.fromisoformat(row.flagged_at),
        )


@strawberry.type(description="How many dropped enrolments stopped between two minutes.")
class DropOffBucket:
    from_minute: float
    to_minute: float
    count: int


@strawberry.type(description="One module's completion, drop-off curve, ratings and sentiment.")
class ModuleInsights:
    row: strawberry.Private[InsightsRow]
    bucket: strawberry.Private[float]

    @strawberry.field
    def module_id(self) -> strawberry.ID:
        return strawberry.ID(self.row.module_id)

    @strawberry.field
    def title(self) -> str:
        return self.row.title

    @strawberry.field
    def minutes(self) -> int:
        return self.row.minutes

    @strawberry.field
    def window(self) -> KpiWindow:
        return KpiWindow.of(self.row.window)

    @strawberry.field(description="The event-store position these figures reflect.")
    def position(self) -> int:
        return self.row.position

    @strawberry.field(description="Distinct learners in the window; null when suppressed.")
    def learners(self) -> int | None:
        return self.row.learners

    @strawberry.field
    def suppressed(self) -> bool:
        return self.row.suppressed

    @strawberry.field
    def completion_rate(self) -> KpiFigure | None:
        return KpiFigure.of(self.row.completion_rate)

    @strawberry.field(description="Median minute at which dropped enrolments stopped.")
    def drop_off_minutes(self) -> KpiFigure | None:
        return KpiFigure.of(self.row.drop_off_minutes)

    @strawberry.field(description="Dropped enrolments per bucket of minutes: the drop-off curve.")
    def drop_off_distribution(self) -> list[DropOffBucket]:
        return [
            DropOffBucket(from_minute=b.start, to_minute=b.start + self.bucket, count=b.count)
            for b in self.row.drop_off_distribution
        ]

    @strawberry.field
    def average_rating(self) -> KpiFigure | None:
        return KpiFigure.of(self.row.average_rating)

    @strawberry.field
    def feedback_sentiment(self) -> KpiFigure | None:
        return KpiFigure.of(self.row.feedback_sentiment)

    @strawberry.field
    def open_flags(self) -> list[RevisionFlag]:
        return [RevisionFlag.of(flag) for flag in self.row.open_flags]


def bucket_minutes(value: float) -> float:
    if not 0.5 <= value <= 600:
        raise bad_input("bucketMinutes", "must be between 0.5 and 600")
    return value
