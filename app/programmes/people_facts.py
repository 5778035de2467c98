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
from typing import Any

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


@dataclass
class WindowFacts:
    """Every person's KPI contributions in one window, keyed by employee id."""

    people: dict[str, Person]
    ratio: dict[str, dict[str, list[float]]]
    medians: dict[str, dict[str, list[float]]]

    def group(self, ids: Sequence[str]) -> dict[str, PersonValues]:
        """The ``PersonValues`` of every KPI for these people (in this order)."""
        found: dict[str, PersonValues] = {}
        for kpi in PERSON_KPIS:
            if kpi in ("drop_off_minutes", "time_to_productivity_days"):
                per = self.medians[kpi]
                values = [statistics.median(per[i]) for i in ids if per.get(i)]
                found[kpi] = PersonValues(values=values, median=True)
                continue
            num, den = self.ratio[f"{kpi}:n"], self.ratio[f"{kpi}:d"]
            found[kpi] = PersonValues(
                numerators=[sum(num.get(i, ())) for i in ids],
                denominators=[sum(den.get(i, ())) for i in ids],
                scale=100.0 if kpi == "enps" else 1.0,
            )
        return found


def load(gateway: SqlGateway, window: Window) -> WindowFacts:
    """The facts of everyone employed at some time in ``window``."""
    span = (window.start.isoformat(), window.end.isoformat())
    ratio: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    medians: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))

    def add(kpi: str, who: str, num: float, den: float) -> None:
        ratio[f"{kpi}:n"][who].append(num)
        ratio[f"{kpi}:d"][who].append(den)

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
        for r in rows:
            add("adoption", r["employee_id"], 0, 1)
            add("learning_hours_per_employee", r["employee_id"], 0, 1)
            if r["productive_day"] and span[0] <= r["hire_day"] <= span[1]:
                days = float(_days(r["hire_day"], r["productive_day"]))
                medians["time_to_productivity_days"][r["employee_id"]].append(days)
        for r in _rows(tx, "kpi_attempts", "enrolled_day", span):
            add("completion_rate", r["employee_id"], r["completed_day"] is not None, 1)
        for r in _rows(tx, "kpi_attempts", "dropped_day", span):
            if r["drop_position"] is not None:
                medians["drop_off_minutes"][r["employee_id"]].append(float(r["drop_position"]))
        for r in _rows(tx, "kpi_pulses", "day", span):
            score = 1 if r["score"] >= PROMOTER_MIN else -1 if r["score"] <= DETRACTOR_MAX else 0
            add("enps", r["employee_id"], score, 1)
        for r in _rows(tx, "kpi_staffing", "day", span):
            add("internal_hiring_share", r["employee_id"], r["kind"] == "move", 1)
        for r in _rows(tx, "kpi_activity", "day", span):
            ratio["adoption:n"][r["employee_id"]][:] = [1.0]  # learned at all: counts once
            add("learning_hours_per_employee", r["employee_id"], r["minutes"] / 60.0, 0)
        for r in _rows(tx, "kpi_recommended", "day", span):
            accepted = (
                r["enrolled_day"] is not None
                and _days(r["day"], r["enrolled_day"]) <= ACCEPTANCE_DAYS
            )
            add("recommendation_acceptance", r["employee_id"], accepted, 1)
        for r in _rows(tx, "kpi_feedback", "day", span):
            add("average_rating", r["employee_id"], float(r["rating"]), 1)
            if r["sentiment"] is not None:
                add("feedback_sentiment", r["employee_id"], float(r["sentiment"]), 1)
    return WindowFacts(people, ratio, medians)


def _rows(tx: Any, table: str, day: str, span: tuple[str, str]) -> list[dict[str, Any]]:
    return list(tx.rows(f"SELECT * FROM {{{table}}} WHERE {day} BETWEEN %s AND %s", span))
