"""Each person's share of every KPI over a window, read from the KPI read model.

The comparison of a pilot cohort with the rest resamples people, so it needs the KPI facts
per person rather than per group: this module turns the rows of ``kpi_*`` into one
``PersonValues`` per KPI for any group of people, with the definitions of ``kpi_book``.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from app.kpis.figures import ACCEPTANCE_DAYS, DETRACTOR_MAX, PROMOTER_MIN
from app.kpis.windows import Window
from app.persistence import SqlGateway
from app.programmes.comparison import PersonValues

#: KPIs a comparison of people can compute (ROI is about programmes, not people).
PERSON_KPIS = (
    "completion_rate", "drop_off_minutes", "time_to_productivity_days", "enps",
    "internal_hiring_share", "adoption", "recommendation_acceptance",
    "learning_hours_per_employee", "average_rating", "feedback_sentiment",
)  # fmt: skip


@dataclass(frozen=True)
class Person:
    employee_id: str
    department: str | None
    role_id: str | None
    hire_day: date


def _days(start: str, end: str) -> int:
    return (date.fromisoformat(end) - date.fromisoformat(start)).days


#: KPIs whose per-person figure is a median of that person's values.
MEDIAN_KPIS = ("drop_off_minutes", "time_to_productivity_days")
RATIO_KPIS = tuple(k for k in PERSON_KPIS if k not in MEDIAN_KPIS)


@dataclass
class WindowFacts:
    """Every person's KPI contributions in one window: one row per person (``index``) in
    a numerator and a denominator array per ratio KPI, and per-person values of medians."""

    people: dict[str, Person]
    index: dict[str, int]
    numerators: dict[str, np.ndarray]
    denominators: dict[str, np.ndarray]
    medians: dict[str, dict[str, list[float]]]

    def group(self, ids: Sequence[str]) -> dict[str, PersonValues]:
        """The ``PersonValues`` of every KPI for these people (in this order)."""
        rows = np.fromiter((self.index[i] for i in ids), dtype=np.intp, count=len(ids))
        found: dict[str, PersonValues] = {}
        for kpi in PERSON_KPIS:
            if kpi in MEDIAN_KPIS:
                per = self.medians[kpi]
                values = [statistics.median(per[i]) for i in ids if per.get(i)]
                found[kpi] = PersonValues(values=values, median=True)
                continue
            found[kpi] = PersonValues(
                numerators=self.numerators[kpi][rows],
                denominators=self.denominators[kpi][rows],
                scale=100.0 if kpi == "enps" else 1.0,
            )
        return found


#: Per-person sums of the ratio KPIs, one grouped read each: (table, day column, KPI,
#: numerator, denominator).
_SUMS = (
    ("kpi_attempts", "enrolled_day", "completion_rate",
     "SUM(CASE WHEN completed_day IS NOT NULL THEN 1 ELSE 0 END)", "COUNT(*)"),
    ("kpi_pulses", "day", "enps",
     f"SUM(CASE WHEN score >= {PROMOTER_MIN} THEN 1 WHEN score <= {DETRACTOR_MAX} THEN -1"
     " ELSE 0 END)", "COUNT(*)"),
    ("kpi_staffing", "day", "internal_hiring_share",
     "SUM(CASE WHEN kind = 'move' THEN 1 ELSE 0 END)", "COUNT(*)"),
    ("kpi_feedback", "day", "average_rating", "SUM(rating)", "COUNT(*)"),
    ("kpi_feedback", "day", "feedback_sentiment",
     "SUM(CASE WHEN sentiment IS NULL THEN 0 ELSE sentiment END)",
     "SUM(CASE WHEN sentiment IS NULL THEN 0 ELSE 1 END)"),
)  # fmt: skip


def load(gateway: SqlGateway, window: Window) -> WindowFacts:
    """The facts of everyone employed at some time in ``window``, summed per person in SQL."""
    span = (window.start.isoformat(), window.end.isoformat())
    medians: dict[str, dict[str, list[float]]] = {k: defaultdict(list) for k in MEDIAN_KPIS}
    with gateway.transaction(write=False) as tx:
        rows = tx.rows(
            "SELECT employee_id, department, role_id, hire_day, productive_day FROM {kpi_people}"
            " WHERE hire_day <= %s AND (left_day IS NULL OR left_day >= %s)",
            (span[1], span[0]),
        )
        people = {
            r["employee_id"]: Person(
                r["employee_id"], r["department"], r["role_id"],
                date.fromisoformat(r["hire_day"]),
            )
            for r in rows
        }  # fmt: skip
        index = {employee: row for row, employee in enumerate(people)}
        size = len(index)
        num = {k: np.zeros(size) for k in RATIO_KPIS}
        den = {k: np.zeros(size) for k in RATIO_KPIS}
        # Everyone employed counts in adoption and hours per employee.
        den["adoption"][:] = 1.0
        den["learning_hours_per_employee"][:] = 1.0
        for r in rows:
            if r["productive_day"] and span[0] <= r["hire_day"] <= span[1]:
                days = float(_days(r["hire_day"], r["productive_day"]))
                medians["time_to_productivity_days"][r["employee_id"]].append(days)
        for table, day, kpi, numerator, denominator in _SUMS:
            for r in tx.rows(
                f"SELECT employee_id, {numerator} AS num, {denominator} AS den"
                f" FROM {{{table}}} WHERE {day} BETWEEN %s AND %s GROUP BY employee_id",
                span,
            ):
                at = index.get(r["employee_id"])
                if at is not None:
                    num[kpi][at] += float(r["num"] or 0)
                    den[kpi][at] += float(r["den"] or 0)
        for r in tx.rows(
            "SELECT employee_id, SUM(minutes) AS minutes FROM {kpi_activity}"
            " WHERE day BETWEEN %s AND %s GROUP BY employee_id",
            span,
        ):
            at = index.get(r["employee_id"])
            if at is not None:
                num["adoption"][at] = 1.0  # learned at all: counts once
                num["learning_hours_per_employee"][at] = float(r["minutes"] or 0) / 60.0
        for r in tx.rows(
            "SELECT employee_id, drop_position FROM {kpi_attempts}"
            " WHERE dropped_day BETWEEN %s AND %s AND drop_position IS NOT NULL",
            span,
        ):
            medians["drop_off_minutes"][r["employee_id"]].append(float(r["drop_position"]))
        for r in tx.rows(
            "SELECT employee_id, day, enrolled_day FROM {kpi_recommended}"
            " WHERE day BETWEEN %s AND %s",
            span,
        ):
            at = index.get(r["employee_id"])
            if at is not None:
                accepted = (
                    r["enrolled_day"] is not None
                    and _days(r["day"], r["enrolled_day"]) <= ACCEPTANCE_DAYS
                )
                num["recommendation_acceptance"][at] += accepted
                den["recommendation_acceptance"][at] += 1
    return WindowFacts(people, index, num, den, medians)
