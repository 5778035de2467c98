"""KPI reports over the KPI read model: one window, one grouping, suppression applied.

Every figure is computed by ``app.kpis.figures`` from the rows of ``kpi_facts``; this module
only selects the rows of a window and sorts them into groups. Suppression lives here, on the
read side, so every caller (queries, subscriptions, the dashboard) gets the same protection:
a group with fewer than k people is hidden whole, and inside a shown group a figure resting
on fewer than k people is hidden too.
"""

from __future__ import annotations

import itertools
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from app.kpis import figures as f
from app.kpis.disclosure import Cells, Hidden, to_hide
from app.kpis.figures import Figure
from app.kpis.windows import Window
from app.persistence import SqlGateway, Transaction
from app.projections.engine import projection_position

GROUPINGS = ("company", "department", "team", "role", "module")
_COLUMN = {"department": "department", "team": "manager_id", "role": "role_id"}
COMPANY = "company"


@dataclass(frozen=True)
class KpiFilter:
    """Restricts every fact to one department, team (manager), role and/or module."""

    department: str | None = None
    manager_id: str | None = None
    role_id: str | None = None
    module_id: str | None = None


@dataclass(frozen=True)
class KpiFigures:
    """All KPIs of one group; ``None`` where a KPI does not apply to the grouping."""

    completion_rate: Figure | None = None
    drop_off_minutes: Figure | None = None
    time_to_productivity_days: Figure | None = None
    enps: Figure | None = None
    internal_hiring_share: Figure | None = None
    adoption: Figure | None = None
    recommendation_acceptance: Figure | None = None
    learning_hours_per_employee: Figure | None = None
    average_rating: Figure | None = None
    feedback_sentiment: Figure | None = None
    roi_percent: Figure | None = None


@dataclass(frozen=True)
class KpiGroup:
    """One group's figures; when ``suppressed``, size and figures are withheld."""

    key: str
    size: int | None
    suppressed: bool
    figures: KpiFigures | None


@dataclass(frozen=True)
class KpiReport:
    window: Window
    group_by: str
    position: int
    min_group_size: int
    groups: list[KpiGroup]


Rows = list[dict[str, Any]]


def kpi_position(tx: Transaction) -> int:
    """The event-store position the KPI read model has reached, read in ``tx``."""
    return projection_position(tx, "kpis")


def _people_in(rows: Iterable[dict[str, Any]]) -> int:
    return len({r["employee_id"] for r in rows})


def _cells(group: KpiGroup) -> Cells:
    names = KpiFigures.__dataclass_fields__
    figures = [(name, getattr(group.figures, name, None)) for name in names]
    people = {name: None if figure is None else figure.people for name, figure in figures}
    return Cells(group.key, group.size, people)


def _coarser(where: KpiFilter) -> list[KpiFilter]:
    """The filter without each non-empty subset of its set conditions."""
    given = [name for name in KpiFilter.__dataclass_fields__ if getattr(where, name)]
    return [
        replace(where, **dict.fromkeys(dropped))
        for size in range(1, len(given) + 1)
        for dropped in itertools.combinations(given, size)
    ]


def _days_between(start: str, end: str) -> int:
    return (date.fromisoformat(end) - date.fromisoformat(start)).days


class KpiBook:
    """Computes KPI reports; ``min_group_size`` is the works council's k."""

    def __init__(self, gateway: SqlGateway, min_group_size: int) -> None:
        self._gateway = gateway
        self.min_group_size = min_group_size

    def report(
        self, window: Window, group_by: str = COMPANY, where: KpiFilter | None = None
    ) -> KpiReport:
        if group_by not in GROUPINGS:
            raise ValueError(f"unknown grouping {group_by!r}")
        where = where or KpiFilter()
        with self._gateway.transaction(write=False) as tx:
            position = kpi_position(tx)
            facts = _Facts.load(tx, window, where)
            # Reports without some of the filters can be asked for too: see disclosure.py.
            wider = [_Facts.load(tx, window, coarser) for coarser in _coarser(where)]
        groups = _Grouping(facts, group_by, window).groups()
        hidden = to_hide(
            [_cells(g) for g in groups],
            _cells(_Grouping(facts, COMPANY, window).groups()[0]),
            [[_cells(g) for g in _Grouping(w, group_by, window).groups()] for w in wider],
            self.min_group_size,
            disjoint=group_by != "module",
        )
        shown = [self._suppressed(g, hidden) for g in groups]
        return KpiReport(window, group_by, position, self.min_group_size, shown)

    def _suppressed(self, group: KpiGroup, hidden: Hidden) -> KpiGroup:
        k = self.min_group_size
        if group.key in hidden.groups or group.size is None or group.figures is None:
            return KpiGroup(group.key, None, True, None)
        shown = {
            name: f.suppress(
                getattr(group.figures, name), sys.maxsize if (group.key, name) in hidden.figures
                else k
            )
            for name in KpiFigures.__dataclass_fields__
        }  # fmt: skip
        return replace(group, figures=KpiFigures(**shown))


@dataclass
class _Facts:
    """The rows of one window, as read in one transaction."""

    people: dict[str, dict[str, Any]]
    attempts: Rows
    drops: Rows
    activity: Rows
    pulses: Rows
    staffing: Rows
    feedback: Rows
    recommended: Rows
    entries: Rows

    @classmethod
    def load(cls, tx: Transaction, window: Window, where: KpiFilter) -> _Facts:
        span = (window.start.isoformat(), window.end.isoformat())

        def select(
            table: str, day: str, extra: str = "", stamped: bool = True, by_module: bool = False
        ) -> Rows:
            sql = f"SELECT * FROM {{{table}}} WHERE {day} BETWEEN %s AND %s{extra}"
            params: list[Any] = list(span)
            for column, value in _conditions(where, stamped, by_module):
                sql += f" AND {column} = %s"
                params.append(value)
            return tx.rows(sql, params)

        people_sql = "SELECT * FROM {kpi_people} WHERE hire_day <= %s AND (left_day IS NULL OR left_day >= %s)"  # noqa: E501
        people_params: list[Any] = [span[1], span[0]]
        for column, value in _conditions(where, True, False):
            people_sql += f" AND {column} = %s"
            people_params.append(value)
        return cls(
            people={r["employee_id"]: r for r in tx.rows(people_sql, people_params)},
            attempts=select("kpi_attempts", "enrolled_day", by_module=True),
            drops=select(
                "kpi_attempts", "dropped_day", " AND drop_position IS NOT NULL", by_module=True
            ),
            activity=select("kpi_activity", "day", stamped=False, by_module=True),
            pulses=select("kpi_pulses", "day"),
            staffing=select("kpi_staffing", "day"),
            feedback=select("kpi_feedback", "day", by_module=True),
            recommended=select("kpi_recommended", "day", by_module=True),
            entries=_programme_entries(tx, span, where),
        )


def _conditions(where: KpiFilter, stamped: bool, by_module: bool) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if stamped:
        found += [
            (c, v)
            for c, v in (
                ("department", where.department),
                ("manager_id", where.manager_id),
                ("role_id", where.role_id),
            )
            if v
        ]
    if by_module and where.module_id:
        found.append(("module_id", where.module_id))
    return found


def _programme_entries(tx: Transaction, span: tuple[str, str], where: KpiFilter) -> Rows:
    sql = (
        "SELECT e.kind, e.amount, p.department FROM {kpi_programme_entries} e"
        " JOIN {kpi_programmes} p ON p.programme_id = e.programme_id"
        " WHERE e.day BETWEEN %s AND %s"
    )
    params: list[Any] = list(span)
    if where.department:
        sql += " AND p.department = %s"
        params.append(where.department)
    return tx.rows(sql, params)


class _Grouping:
    """Sorts the facts of a window into groups and computes each group's figures."""

    def __init__(self, facts: _Facts, group_by: str, window: Window) -> None:
        self.facts = facts
        self.group_by = group_by
        self.window = window
        # Activity rows have no stamped group: people-based KPIs use the current one.
        self._current = _key_of(group_by)

    def _split(
        self, rows: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], Any]
    ) -> dict[str, Rows]:
        split: dict[str, Rows] = defaultdict(list)
        for row in rows:
            value = key(row)
            if value is not None:
                split[str(value)].append(row)
        return split

    def groups(self) -> list[KpiGroup]:
        stamped = self._current
        by_person = self._person_key
        parts = {
            "attempts": self._split(self.facts.attempts, stamped),
            "drops": self._split(self.facts.drops, stamped),
            "activity": self._split(self.facts.activity, by_person),
            "pulses": self._split(self.facts.pulses, stamped),
            "staffing": self._split(self.facts.staffing, stamped),
            "feedback": self._split(self.facts.feedback, stamped),
            "recommended": self._split(self.facts.recommended, stamped),
            "people": self._split(self.facts.people.values(), stamped),
        }
        keys = sorted({k for part in parts.values() for k in part})
        if self.group_by == COMPANY:
            keys = [COMPANY]  # the company is always reported, if only to say it is empty
        return [self._group(key, {n: p.get(key, []) for n, p in parts.items()}) for key in keys]

    def _person_key(self, row: dict[str, Any]) -> Any:
        if self.group_by == "module":
            return row["module_id"]
        person = self.facts.people.get(row["employee_id"])
        return None if person is None else self._current(person)

    def _group(self, key: str, rows: dict[str, Rows]) -> KpiGroup:
        module = self.group_by == "module"
        people = rows["people"]
        learners = {r["employee_id"] for r in rows["activity"]}
        if module:
            size = len(learners | {r["employee_id"] for r in rows["attempts"] + rows["feedback"]})
        else:
            size = len(people)
        figures = KpiFigures(
            completion_rate=self._completion(rows["attempts"]),
            drop_off_minutes=f.median_figure(
                [float(r["drop_position"]) for r in rows["drops"]], _people_in(rows["drops"])
            ),
            time_to_productivity_days=None if module else self._productivity(rows["staffing"]),
            enps=None
            if module
            else f.enps([r["score"] for r in rows["pulses"]], _people_in(rows["pulses"])),
            internal_hiring_share=None if module else self._internal(rows["staffing"]),
            adoption=None if module else self._adoption(people, learners),
            recommendation_acceptance=self._acceptance(rows["recommended"]),
            learning_hours_per_employee=self._hours(rows["activity"], people, learners),
            average_rating=f.mean_figure(
                [float(r["rating"]) for r in rows["feedback"]], _people_in(rows["feedback"])
            ),
            feedback_sentiment=self._sentiment(rows["feedback"]),
            roi_percent=self._roi(key),
        )
        return KpiGroup(key, size, False, figures)

    def _completion(self, attempts: Rows) -> Figure:
        completed = sum(1 for r in attempts if r["completed_day"] is not None)
        return f.completion_rate(completed, len(attempts), _people_in(attempts))

    def _productivity(self, staffing: Rows) -> Figure:
        hires = [r for r in staffing if r["kind"] == "hire"]
        days = []
        for hire in hires:
            person = self.facts.people.get(hire["employee_id"])
            if person is not None and person["productive_day"] is not None:
                days.append(float(_days_between(hire["day"], person["productive_day"])))
        return f.median_figure(days, len(hires))

    def _internal(self, staffing: Rows) -> Figure:
        moves = sum(1 for r in staffing if r["kind"] == "move")
        return f.internal_hiring_share(moves, len(staffing) - moves, _people_in(staffing))

    def _adoption(self, people: Rows, learners: set[str]) -> Figure:
        active = {r["employee_id"] for r in people}
        return f.ratio(len(active & learners), len(active), len(active))

    def _acceptance(self, recommended: Rows) -> Figure:
        accepted = sum(
            1
            for r in recommended
            if r["enrolled_day"] is not None
            and _days_between(r["day"], r["enrolled_day"]) <= f.ACCEPTANCE_DAYS
        )
        return f.ratio(accepted, len(recommended), _people_in(recommended))

    def _hours(self, activity: Rows, people: Rows, learners: set[str]) -> Figure:
        hours = sum(r["minutes"] for r in activity) / 60.0
        if self.group_by == "module":
            return f.ratio(hours, len(learners), len(learners))
        return f.ratio(hours, len(people), len(people))

    def _sentiment(self, feedback: Rows) -> Figure:
        scored = [r for r in feedback if r["sentiment"] is not None]
        return f.mean_figure([float(r["sentiment"]) for r in scored], _people_in(scored))

    def _roi(self, key: str) -> Figure | None:
        if self.group_by == COMPANY:
            entries = self.facts.entries
        elif self.group_by == "department":
            entries = [e for e in self.facts.entries if e["department"] == key]
        else:
            return None
        cost = sum(float(e["amount"]) for e in entries if e["kind"] == "cost")
        benefit = sum(float(e["amount"]) for e in entries if e["kind"] == "benefit")
        return f.roi_percent(benefit, cost)


def _key_of(group_by: str) -> Callable[[dict[str, Any]], Any]:
    if group_by == COMPANY:
        return lambda row: COMPANY
    if group_by == "module":
        return lambda row: row.get("module_id")
    column = _COLUMN[group_by]
    return lambda row: row.get(column)
