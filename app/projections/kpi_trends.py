"""KPI history: every KPI per day or month, per group, from the daily buckets.

The buckets (``kpi_history``, written by the KPI projection) are summed per point in SQL, so
a year of twenty departments is a handful of grouped reads whatever the number of events.
Each point is screened with the works council's k rule exactly like a KPI report: a group
with fewer than k people that month is hidden whole, a figure resting on fewer than k
people is hidden, and the complementary rule of ``app.kpis.disclosure`` hides one more
group when the company's total would give away a hidden one.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from app.access import too_few_to_show
from app.kpis import figures as f
from app.kpis.disclosure import Cells, Hidden, to_hide
from app.kpis.figures import Figure
from app.kpis.names import KPI_NAMES
from app.persistence import SqlGateway, Transaction
from app.projections.kpi_book import kpi_position
from app.projections.kpi_history import (
    COMPANY,
    HEADCOUNT,
    LEARNERS,
    SCOPES,
    SENTIMENT_SCALE,
)

#: Every KPI with a history, in the order reports list them.
TREND_KPIS = KPI_NAMES
MEDIANS = frozenset({"drop_off_minutes", "time_to_productivity_days"})
RATIOS = frozenset({"completion_rate", "internal_hiring_share", "recommendation_acceptance"})
MEANS = frozenset({"average_rating", "feedback_sentiment"})
PER_ACTIVE = frozenset({"adoption", "learning_hours_per_employee"})
INTERVALS = ("day", "month")
#: The longest history one request may ask for, per interval.
MAX_POINTS = {"day": 400, "month": 36}
#: Answers kept per book (a dashboard asks for a handful of different histories).
HISTORIES_KEPT = 16


@dataclass(frozen=True)
class Period:
    """One point of a history: its label (2026-03 or 2026-03-05) and its days."""

    label: str
    start: date
    end: date

    @property
    def key(self) -> str:
        return self.label


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    figure: Figure
    #: People in the group during the period; ``None`` when the group is hidden.
    group_size: int | None


@dataclass(frozen=True)
class TrendSeries:
    kpi: str
    key: str
    points: list[TrendPoint]


@dataclass(frozen=True)
class TrendReport:
    scope: str
    interval: str
    periods: list[Period]
    position: int
    min_group_size: int
    series: list[TrendSeries]


def periods(interval: str, start: date, end: date) -> list[Period]:
    """The points from ``start`` to ``end``; months are whole calendar months."""
    if interval == "day":
        days = (end - start).days + 1
        return [
            Period(d.isoformat(), d, d) for d in (start + timedelta(days=i) for i in range(days))
        ]
    found: list[Period] = []
    month = start.replace(day=1)
    while month <= end:
        after = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        found.append(Period(month.isoformat()[:7], month, after - timedelta(days=1)))
        month = after
    return found


@dataclass
class _Sums:
    """The summed buckets of one scope, keyed (group, kpi, period)."""

    sums: dict[tuple[str, str, str], tuple[float, float]] = field(default_factory=dict)
    values: dict[tuple[str, str, str], list[tuple[float, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    people: dict[tuple[str, str, str], int] = field(default_factory=dict)
    before: dict[str, tuple[float, float]] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)


class KpiTrendBook:
    """Reads KPI history; ``min_group_size`` is the works council's k."""

    def __init__(self, gateway: SqlGateway, min_group_size: int) -> None:
        self._gateway = gateway
        self.min_group_size = min_group_size
        self._lock = threading.Lock()
        self._kept: dict[tuple[Any, ...], TrendReport] = {}

    def history(
        self,
        kpis: Sequence[str],
        scope: str,
        interval: str,
        start: date,
        end: date,
        keys: Sequence[str] | None = None,
    ) -> TrendReport:
        """The history of ``kpis`` per group of ``scope`` (optionally only some groups).

        A history changes only when the KPI read model moves, so each answer is kept for
        the position it was computed at: a dashboard polled by many readers, or asked
        again, costs one read of the position until the next event is applied."""
        with self._gateway.transaction(write=False) as tx:
            position = kpi_position(tx)
        key = (tuple(kpis), scope, interval, start, end,
               None if keys is None else tuple(keys), position)  # fmt: skip
        with self._lock:
            found = self._kept.get(key)
        if found is None:
            found = self._history(kpis, scope, interval, start, end, keys)
            with self._lock:
                self._kept[key] = found
                while len(self._kept) > HISTORIES_KEPT:
                    self._kept.pop(next(iter(self._kept)))
        return found

    def _history(
        self,
        kpis: Sequence[str],
        scope: str,
        interval: str,
        start: date,
        end: date,
        keys: Sequence[str] | None = None,
    ) -> TrendReport:
        if scope not in SCOPES or interval not in INTERVALS:
            raise ValueError(f"unknown scope {scope!r} or interval {interval!r}")
        points = periods(interval, start, end)
        first, last = points[0].start, points[-1].end
        with self._gateway.transaction(write=False) as tx:
            position = kpi_position(tx)
            sums = _load(tx, scope, interval, first, last)
            whole = sums if scope == COMPANY else _load(tx, COMPANY, interval, first, last)
        wanted = sorted(sums.keys if keys is None else set(keys) & sums.keys)
        if scope == COMPANY:
            wanted = [COMPANY]
        computed = {key: _series(sums, key, kpis, points) for key in wanted}
        company = _series(whole, COMPANY, kpis, points)
        series = self._screen(computed, company, kpis, points, disjoint=scope != COMPANY)
        return TrendReport(scope, interval, points, position, self.min_group_size, series)

    def _screen(
        self,
        computed: dict[str, dict[str, list[TrendPoint]]],
        company: dict[str, list[TrendPoint]],
        kpis: Sequence[str],
        points: list[Period],
        *,
        disjoint: bool,
    ) -> list[TrendSeries]:
        k = self.min_group_size
        screened: dict[tuple[str, str], list[TrendPoint]] = defaultdict(list)
        for index, _ in enumerate(points):
            groups = [_cells(key, {n: s[n][index] for n in kpis}) for key, s in computed.items()]
            whole = _cells(COMPANY, {n: company[n][index] for n in kpis})
            hidden = to_hide(groups, whole, [], k, disjoint=disjoint)
            for key, series in computed.items():
                for name in kpis:
                    point = series[name][index]
                    screened[(key, name)].append(_screened(point, key, name, hidden, k))
        return [TrendSeries(name, key, screened[(key, name)]) for key in computed for name in kpis]


def _screened(point: TrendPoint, key: str, name: str, hidden: Hidden, k: int) -> TrendPoint:
    if key in hidden.groups:
        return TrendPoint(point.period, _hide(point.figure), None)
    if (key, name) in hidden.figures or too_few_to_show(point.figure.people or 0, k):
        return TrendPoint(point.period, _hide(point.figure), point.group_size)
    return point


def _hide(figure: Figure) -> Figure:
    if figure.people is None:  # about no one (ROI): nothing to hide
        return figure
    return Figure(None, people=None, suppressed=True)


def _cells(key: str, by_kpi: dict[str, TrendPoint]) -> Cells:
    size = next(iter(by_kpi.values())).group_size if by_kpi else None
    return Cells(key, size, {name: p.figure.people for name, p in by_kpi.items()})


def _bucket_sql(interval: str, column: str) -> str:
    return column if interval == "day" else f"substr({column}, 1, 7)"


def _load(tx: Transaction, scope: str, interval: str, first: date, last: date) -> _Sums:
    span = (scope, first.isoformat(), last.isoformat())
    bucket = _bucket_sql(interval, "day")
    found = _Sums()
    for row in tx.rows(
        f"SELECT scope_key, kpi, {bucket} AS period, SUM(numerator) AS num,"
        " SUM(denominator) AS den FROM {kpi_history} WHERE scope = %s AND day BETWEEN %s AND %s"
        f" GROUP BY scope_key, kpi, {bucket}",
        span,
    ):
        found.sums[(row["scope_key"], row["kpi"], row["period"])] = (
            float(row["num"]), float(row["den"]),
        )  # fmt: skip
        found.keys.add(row["scope_key"])
    for row in tx.rows(
        f"SELECT scope_key, kpi, {bucket} AS period, value, SUM(count) AS n"
        " FROM {kpi_history_values} WHERE scope = %s AND day BETWEEN %s AND %s"
        f" GROUP BY scope_key, kpi, {bucket}, value",
        span,
    ):
        found.values[(row["scope_key"], row["kpi"], row["period"])].append(
            (float(row["value"]), int(row["n"]))
        )
    prefix = "D" if interval == "day" else "M"
    low = f"{prefix}{first.isoformat() if interval == 'day' else first.isoformat()[:7]}"
    high = f"{prefix}{last.isoformat() if interval == 'day' else last.isoformat()[:7]}"
    for row in tx.rows(
        "SELECT scope_key, kpi, period, people FROM {kpi_history_people}"
        " WHERE scope = %s AND period BETWEEN %s AND %s",
        (scope, low, high),
    ):
        found.people[(row["scope_key"], row["kpi"], row["period"][1:])] = int(row["people"])
    for row in tx.rows(
        "SELECT scope_key, SUM(numerator) AS joined, SUM(denominator) AS gone"
        " FROM {kpi_history} WHERE scope = %s AND kpi = %s AND day < %s GROUP BY scope_key",
        (scope, HEADCOUNT, first.isoformat()),
    ):
        found.before[row["scope_key"]] = (float(row["joined"]), float(row["gone"]))
        found.keys.add(row["scope_key"])
    return found


def _series(
    sums: _Sums, key: str, kpis: Sequence[str], points: list[Period]
) -> dict[str, list[TrendPoint]]:
    joined, gone = sums.before.get(key, (0.0, 0.0))
    series: dict[str, list[TrendPoint]] = {name: [] for name in kpis}
    for period in points:
        came, went = sums.sums.get((key, HEADCOUNT, period.key), (0.0, 0.0))
        # Active during the period: joined by its last day, not gone before its first.
        active = int(joined + came - gone)
        joined, gone = joined + came, gone + went
        for name in kpis:
            figure = _figure(sums, key, name, period.key, active)
            series[name].append(TrendPoint(period, figure, active))
    return series


def _figure(sums: _Sums, key: str, name: str, period: str, active: int) -> Figure:
    num, den = sums.sums.get((key, name, period), (0.0, 0.0))
    people = sums.people.get((key, name, period), 0)
    if name in MEDIANS:
        values = sums.values.get((key, name, period), [])
        return Figure(_weighted_median(values), None, float(sum(n for _, n in values)), people)
    if name == "enps":
        return f.percentage(num, den, people)
    if name in RATIOS:
        return f.ratio(num, den, people)
    if name == "feedback_sentiment":
        return f.ratio(num / SENTIMENT_SCALE, den, people)
    if name in MEANS:
        return f.ratio(num, den, people)
    if name == "adoption":
        learners = sums.people.get((key, LEARNERS, period), 0)
        return f.ratio(min(learners, active), active, active)
    if name == "learning_hours_per_employee":  # summed as minutes
        return f.ratio(num / 60.0, active, active)
    if name == "roi_percent":
        return f.roi_percent(num, den)
    raise ValueError(f"unknown KPI {name!r}")


def _weighted_median(values: list[tuple[float, int]]) -> float | None:
    """The median of values given with their counts (the middle two averaged)."""
    total = sum(n for _, n in values)
    if not total:
        return None
    ordered = sorted(values)

    def at(index: int) -> float:
        seen = 0
        for value, n in ordered:
            seen += n
            if index < seen:
                return value
        return ordered[-1][0]

    middle = (at((total - 1) // 2) + at(total // 2)) / 2
    return round(middle, 4)
