"""What the monthly leadership report says, gathered once and rendered as HTML and PDF.

Everything comes from the same read models and books the API uses, so the report and the
dashboard never disagree: KPI history (with targets of open phases), the pilot against the
rest, ROI per programme and the modules flagged for revision. Every figure is an aggregate
under the works council's k rule; the works-council variant adds the departments with their
hidden cells marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from app.bootstrap import Services
from app.kpis.names import KPI_NAMES, LOWER_IS_BETTER
from app.kpis.windows import Window
from app.programmes.book import Comparison, OpenTarget, SteeringError
from app.programmes.roi import ProgrammeRoi, programme_roi
from app.projections.kpi_trends import TrendSeries

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
TITLES = {
    "completion_rate": ("Completion rate", "percent"),
    "drop_off_minutes": ("Drop-off (median minute)", "minutes"),
    "time_to_productivity_days": ("Time to productivity", "days"),
    "enps": ("eNPS", "score"),
    "internal_hiring_share": ("Internal hiring share", "percent"),
    "adoption": ("Adoption", "percent"),
    "recommendation_acceptance": ("Recommendation acceptance", "percent"),
    "learning_hours_per_employee": ("Learning hours per employee", "hours"),
    "average_rating": ("Average rating", "score"),
    "feedback_sentiment": ("Feedback sentiment", "score"),
    "roi_percent": ("ROI", "roi"),
}
REPORT_KPIS = tuple(k for k in KPI_NAMES if k != "drop_off_minutes")


class ReportError(ValueError):
    """The report cannot be made as asked; ``field`` names the option."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def show(value: float | None, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "percent":
        return f"{value * 100:.1f} %"
    if kind == "roi":
        return f"{value:.0f} %"
    if kind == "days":
        return f"{value:.0f} days"
    if kind == "minutes":
        return f"{value:.0f} min"
    if kind == "hours":
        return f"{value:.1f} h"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


@dataclass(frozen=True)
class KpiLine:
    kpi: str
    title: str
    kind: str
    value: float | None
    previous: float | None
    hidden: bool
    target: OpenTarget | None
    trend: list[tuple[str, float | None]]

    @property
    def status(self) -> str:
        if self.hidden:
            return "hidden (fewer than k people)"
        if self.target is None or self.target.target_value is None:
            return "no target" if self.target is None else self.target.description
        if self.value is None:
            return "nothing to measure"
        goal = self.target.target_value
        reached = self.value <= goal if self.kpi in LOWER_IS_BETTER else self.value >= goal
        due = f"{show(goal, self.kind)} by {self.target.deadline}"
        return "on target" if reached else f"behind ({due})"


@dataclass(frozen=True)
class DepartmentLine:
    name: str
    size: int | None
    values: dict[str, str]


@dataclass(frozen=True)
class ModuleLine:
    title: str
    reason: str


@dataclass
class MonthlyReport:
    month: str
    variant: str
    made_at: datetime
    min_group_size: int
    window: Window
    kpis: list[KpiLine] = field(default_factory=list)
    pilots: list[tuple[str, Comparison | str]] = field(default_factory=list)
    roi: list[tuple[str, ProgrammeRoi]] = field(default_factory=list)
    modules: list[ModuleLine] = field(default_factory=list)
    departments: list[DepartmentLine] = field(default_factory=list)

    @property
    def title(self) -> str:
        who = "works council" if self.variant == "works_council" else "leadership"
        return f"Skillpath monthly report {self.month} ({who})"


def month_window(month: str, today: date | None = None) -> Window:
    found = _MONTH.match(month.strip())
    if not found:
        raise ReportError("month", "must look like 2026-03")
    start = date(int(found.group(1)), int(found.group(2)), 1)
    after = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    now = today or datetime.now(UTC).date()
    if start > now:
        raise ReportError("month", f"{month} is in the future")
    return Window(start, min(after - timedelta(days=1), now), month)


def gather(services: Services, month: str, variant: str = "leadership") -> MonthlyReport:
    if variant not in ("leadership", "works_council"):
        raise ReportError("variant", "leadership or works_council")
    window = month_window(month)
    first = _months_before(window.start, 11)
    k = services.settings.min_group_size
    report = MonthlyReport(month, variant, datetime.now(UTC), k, window)
    history = services.trends.history(REPORT_KPIS, "company", "month", first, window.end)
    targets = services.programmes.open_targets()
    for series in history.series:
        report.kpis.append(_line(series, targets.get(series.kpi)))
    book = services.programmes
    for programme_id in book.programme_ids():
        programme = book.programme(programme_id)
        report.roi.append((programme.name, programme_roi(services.gateway, programme_id,
                                                         first, window.end)))  # fmt: skip
        if programme.cohort:
            try:
                report.pilots.append((programme.name, book.compare(programme_id, window)))
            except SteeringError as error:
                report.pilots.append((programme.name, error.message))
    for flag in services.module_insights.needing_revision():
        report.modules.append(ModuleLine(flag.title, _plain(flag.reason)))
    if variant == "works_council":
        report.departments = _departments(services, first, window.end)
    return report


def _line(series: TrendSeries, target: OpenTarget | None) -> KpiLine:
    title, kind = TITLES[series.kpi]
    points = series.points
    now = points[-1].figure if points else None
    before = points[-2].figure if len(points) > 1 else None
    return KpiLine(
        series.kpi, title, kind, None if now is None else now.value,
        None if before is None else before.value, bool(now and now.suppressed), target,
        [(p.period.label, p.figure.value) for p in points],
    )  # fmt: skip


def _departments(services: Services, first: date, end: date) -> list[DepartmentLine]:
    kpis = ("completion_rate", "enps", "adoption", "learning_hours_per_employee")
    history = services.trends.history(kpis, "department", "month", first, end)
    rows: dict[str, DepartmentLine] = {}
    for series in history.series:
        point = series.points[-1]
        line = rows.setdefault(series.key, DepartmentLine(series.key, point.group_size, {}))
        hidden = point.group_size is None or point.figure.suppressed
        kind = TITLES[series.kpi][1]
        line.values[series.kpi] = "hidden" if hidden else show(point.figure.value, kind)
    return list(rows.values())


def _plain(reason: str) -> str:
    """A revision flag's reason without the rule's code name in front."""
    words = reason.split(":", 1)[-1].strip()
    return words[:1].upper() + words[1:]


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)
