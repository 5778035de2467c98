"""KPI history: each KPI per day or month, per group, with the previous period and target."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Annotated

import strawberry

from app.projections.kpi_trends import MAX_POINTS, TREND_KPIS, TrendPoint, TrendReport
from app.projections.kpi_trends import TrendSeries as SeriesRow
from app.schema.common import ConsistentWith, consistent
from app.schema.context import SkillpathInfo
from app.schema.errors import bad_input
from app.schema.kpi_types import KpiFigure


@strawberry.enum(description="A KPI, as named in KpiFigures.")
class KpiName(Enum):
    COMPLETION_RATE = strawberry.enum_value(
        "completion_rate", description="Completed / enrolled, by the day of enrolment."
    )
    DROP_OFF_MINUTES = strawberry.enum_value(
        "drop_off_minutes", description="Median minute at which dropped enrolments stopped."
    )
    TIME_TO_PRODUCTIVITY_DAYS = strawberry.enum_value(
        "time_to_productivity_days", description="Median days from hire to productivity,"
        " by hire day.",
    )  # fmt: skip
    ENPS = strawberry.enum_value(
        "enps", description="% promoters (9-10) minus % detractors (0-6) of pulse answers."
    )
    INTERNAL_HIRING_SHARE = strawberry.enum_value(
        "internal_hiring_share", description="Internal moves / (moves + external hires)."
    )
    ADOPTION = strawberry.enum_value(
        "adoption", description="Employees with a learning event / active employees."
    )
    RECOMMENDATION_ACCEPTANCE = strawberry.enum_value(
        "recommendation_acceptance", description="Recommended items enrolled within 14 days"
        " / items recommended, by the day of the recommendation.",
    )  # fmt: skip
    LEARNING_HOURS_PER_EMPLOYEE = strawberry.enum_value(
        "learning_hours_per_employee", description="Learning hours / active employees."
    )
    AVERAGE_RATING = strawberry.enum_value(
        "average_rating", description="Mean rating (1-5) of module feedback."
    )
    FEEDBACK_SENTIMENT = strawberry.enum_value(
        "feedback_sentiment", description="Mean sentiment (-1 to 1) of feedback comments."
    )
    ROI_PERCENT = strawberry.enum_value(
        "roi_percent", description="(benefit - cost) / cost x 100 of programme entries."
    )


@strawberry.enum(description="How a KPI history splits the organisation.")
class KpiHistoryGrouping(Enum):
    COMPANY = strawberry.enum_value("company", description="The whole company, one series.")
    DEPARTMENT = strawberry.enum_value(
        "department", description="One series per department (at the time of each event)."
    )
    ROLE = strawberry.enum_value(
        "role", description="One series per role (at the time of each event)."
    )


@strawberry.enum(description="The length of one point of a KPI history.")
class KpiInterval(Enum):
    DAY = strawberry.enum_value("day", description="One point per UTC day.")
    MONTH = strawberry.enum_value(
        "month", description="One point per calendar month; the current month so far."
    )


@strawberry.type(description="One point of a KPI history: the KPI over the point's days.")
class KpiPoint:
    period: str = strawberry.field(description="2026-03 for a month, 2026-03-05 for a day.")
    from_: date = strawberry.field(name="from", description="The point's first day.")
    to: date = strawberry.field(description="The point's last day.")
    group_size: int | None = strawberry.field(
        description="People in the group during the point; null when the group is hidden."
    )
    figure: KpiFigure = strawberry.field(
        description="The KPI over the point's days; value null when nothing to measure or"
        " fewer than k people are behind it."
    )

    @classmethod
    def of(cls, point: TrendPoint) -> KpiPoint:
        figure = KpiFigure.of(point.figure)
        assert figure is not None
        return cls(
            period=point.period.label,
            from_=point.period.start,
            to=point.period.end,
            group_size=point.group_size,
            figure=figure,
        )


@strawberry.type(description="A KPI target: a value to reach, or a change, within a time frame.")
class KpiTargetView:
    kpi: KpiName = strawberry.field(description="The KPI the target is for.")
    programme_id: strawberry.ID = strawberry.field(description="The programme that set it.")
    phase: str = strawberry.field(description="The programme phase the target belongs to.")
    description: str = strawberry.field(
        description="The target in words, e.g. 'enps at least +20 within 12 months'."
    )
    target_value: float | None = strawberry.field(
        description="The value to reach by the deadline (baseline plus change for a change"
        " target); null while the baseline is not known."
    )
    deadline: date = strawberry.field(description="The day by which it should be reached.")


@dataclass(frozen=True)
class SeriesTarget:
    """What a target looks like beside a series (built by the programme book)."""

    programme_id: str
    phase: str
    description: str
    target_value: float | None
    deadline: date


TargetLookup = Callable[[str], SeriesTarget | None]


@strawberry.type(description="One KPI of one group over time, with its latest two points.")
class KpiSeries:
    kpi: KpiName = strawberry.field(description="The KPI.")
    key: str = strawberry.field(description="The group: company, a department name or a role id.")
    label: str = strawberry.field(
        description="A readable name: Company, the department, the role's title."
    )
    current: KpiPoint | None = strawberry.field(
        description="The latest point (the current day or month so far)."
    )
    previous: KpiPoint | None = strawberry.field(
        description="The point before the latest one: the previous period."
    )
    change: float | None = strawberry.field(
        description="Current minus previous value; null when either is not shown."
    )
    target: KpiTargetView | None = strawberry.field(
        description="The target an active programme phase set for this KPI; null if none."
    )
    row: strawberry.Private[SeriesRow]
    periods: list[str] = strawberry.field(
        description="The points' periods, oldest first (compact form of points)."
    )
    values: list[float | None] = strawberry.field(
        description="The points' values in the order of periods; null where hidden or empty."
    )

    @strawberry.field(description="Every point, oldest first.")
    def points(self) -> list[KpiPoint]:
        return [KpiPoint.of(p) for p in self.row.points]

    @classmethod
    def of(cls, row: SeriesRow, label: str, found: SeriesTarget | None) -> KpiSeries:
        # Built whole, with plain fields: a year of twenty departments is thousands of
        # values, and plain fields are answered without a resolver call each.
        points = [KpiPoint.of(p) for p in row.points[-2:]]
        now = row.points[-1].figure.value if row.points else None
        before = row.points[-2].figure.value if len(row.points) > 1 else None
        return cls(
            kpi=KpiName(row.kpi), key=row.key, label=label,
            current=points[-1] if points else None,
            previous=points[-2] if len(points) > 1 else None,
            change=None if now is None or before is None else round(now - before, 4),
            target=None if found is None else KpiTargetView(
                kpi=KpiName(row.kpi), programme_id=strawberry.ID(found.programme_id),
                phase=found.phase, description=found.description,
                target_value=found.target_value, deadline=found.deadline,
            ),
            row=row,
            periods=[p.period.label for p in row.points],
            values=[p.figure.value for p in row.points],
        )  # fmt: skip


@strawberry.type(
    description="KPI history from the server's daily buckets, as of an event-store position;"
    " every point follows the works council's k rule."
)
class KpiHistory:
    row: strawberry.Private[TrendReport]
    targets: strawberry.Private[TargetLookup]

    @strawberry.field(description="How the history is split.")
    def group_by(self) -> KpiHistoryGrouping:
        return KpiHistoryGrouping(self.row.scope)

    @strawberry.field(description="The length of one point.")
    def interval(self) -> KpiInterval:
        return KpiInterval(self.row.interval)

    @strawberry.field(name="from", description="The first day of the first point.")
    def from_(self) -> date:
        return self.row.periods[0].start

    @strawberry.field(description="The last day of the last point.")
    def to(self) -> date:
        return self.row.periods[-1].end

    @strawberry.field(description="The event-store position these figures reflect.")
    def position(self) -> int:
        return self.row.position

    @strawberry.field(description="k: points resting on fewer people are suppressed.")
    def min_group_size(self) -> int:
        return self.row.min_group_size

    @strawberry.field(description="One series per group and KPI, groups in order, KPIs as asked.")
    async def series(self, info: SkillpathInfo) -> list[KpiSeries]:
        labels: dict[str, str] = {"company": "Company"}
        keys = sorted({s.key for s in self.row.series})
        if self.row.scope == "role":
            roles = await info.context.loaders.roles.load_many(keys)
            labels = {k: (r.title if r else k) for k, r in zip(keys, roles, strict=True)}
        elif self.row.scope == "department":
            labels = {k: k for k in keys}
        return [
            KpiSeries.of(s, labels.get(s.key, s.key), self.targets(s.kpi)) for s in self.row.series
        ]


@dataclass(frozen=True)
class HistorySpec:
    """The checked arguments of a history request."""

    kpis: tuple[str, ...]
    scope: str
    interval: str
    start: date
    end: date


def history_spec(
    kpis: list[KpiName] | None,
    group_by: KpiHistoryGrouping,
    interval: KpiInterval,
    start: date | None,
    end: date | None,
) -> HistorySpec:
    """Defaults (the last 12 months, or 30 days) and the bounds, as coded errors."""
    today = datetime.now(UTC).date()
    end = end or today
    if end > today:
        raise bad_input("to", "must not be in the future")
    if start is None:
        start = (
            end - timedelta(days=29) if interval is KpiInterval.DAY
            else _months_back(end, 11)
        )  # fmt: skip
    if start > end:
        raise bad_input("from", "must not be after to")
    count = (
        (end - start).days + 1 if interval is KpiInterval.DAY
        else (end.year - start.year) * 12 + end.month - start.month + 1
    )  # fmt: skip
    most = MAX_POINTS[_name(interval)]
    if count > most:
        raise bad_input("from", f"at most {most} points per history")
    names = tuple(TREND_KPIS) if not kpis else tuple(dict.fromkeys(_name(k) for k in kpis))
    return HistorySpec(names, _name(group_by), _name(interval), start, end)


def _name(member: Enum) -> str:
    """The wire value of an enum member (strawberry's enum_value types it loosely)."""
    return str(member.value)


Kpis = Annotated[
    list[KpiName] | None, strawberry.argument(description="The KPIs; all when omitted.")
]
Grouping = Annotated[
    KpiHistoryGrouping, strawberry.argument(description="Company (default), department, role.")
]
Interval = Annotated[
    KpiInterval, strawberry.argument(description="One point per day or per month (default).")
]
From = Annotated[
    date | None,
    strawberry.argument(name="from", description="First day; default 12 months (30 days) back."),
]
To = Annotated[
    date | None, strawberry.argument(description="Last day; default today; not in the future.")
]


def _months_back(day: date, months: int) -> date:
    """The first day of the month ``months`` before the month of ``day``."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _open_targets(info: SkillpathInfo) -> Callable[[], TargetLookup]:
    """Reads the open phases' targets once per request (not once per series)."""
    book = info.context.services.programmes

    def read() -> TargetLookup:
        found = {
            kpi: SeriesTarget(t.programme_id, t.phase, t.description, t.target_value, t.deadline)
            for kpi, t in book.open_targets().items()
        }
        return found.get

    return read


@strawberry.type
class KpiHistoryQuery:
    @strawberry.field(
        description="Every KPI over time from the server's daily buckets, per company,"
        " department or role, with the previous period and any target beside the latest"
        " point. Points resting on fewer than k people are suppressed."
    )
    async def kpi_history(
        self,
        info: SkillpathInfo,
        kpis: Kpis = None,
        group_by: Grouping = KpiHistoryGrouping.COMPANY,
        interval: Interval = KpiInterval.MONTH,
        from_: From = None,
        to: To = None,
        consistent_with: ConsistentWith = None,
    ) -> KpiHistory:
        spec = history_spec(kpis, group_by, interval, from_, to)
        await consistent(info, consistent_with)
        row = await info.context.run(_compute(info, spec))
        return KpiHistory(row=row, targets=await info.context.run(_open_targets(info)))


def _compute(info: SkillpathInfo, spec: HistorySpec) -> Callable[[], TrendReport]:
    book = info.context.services.trends
    return lambda: book.history(spec.kpis, spec.scope, spec.interval, spec.start, spec.end)


@strawberry.type
class KpiHistorySubscription:
    @strawberry.subscription(
        description="KPI history now, then again whenever an event adds to it (the new"
        " point, or a changed latest point), coalesced like kpiUpdated."
    )
    async def kpi_history_updated(
        self,
        info: SkillpathInfo,
        kpis: Kpis = None,
        group_by: Grouping = KpiHistoryGrouping.COMPANY,
        interval: Interval = KpiInterval.MONTH,
        from_: From = None,
    ) -> AsyncGenerator[KpiHistory, None]:
        spec = history_spec(kpis, group_by, interval, from_, None)
        services = info.context.services
        await services.live.ensure_started()
        key = ("kpi_history", spec.kpis, spec.scope, spec.interval, from_)
        targets = await info.context.run(_open_targets(info))

        def compute() -> object:
            # "to" moves with the calendar: a new day starts a new point.
            now = history_spec(kpis, group_by, interval, from_, None)
            return services.trends.history(now.kpis, now.scope, now.interval, now.start, now.end)

        async with services.live.feeds.subscribe(key, compute, _without_position) as feed:
            async for report in feed.values():
                yield KpiHistory(row=report, targets=targets)  # type: ignore[arg-type]


def _without_position(value: object) -> object:
    return dataclasses.replace(value, position=0)  # type: ignore[type-var]
