"""Daily buckets of every KPI, written by the KPI projection as each event is applied.

A KPI's value over any run of days is a ratio of sums (or, for the two median KPIs, the
median of the values recorded on those days), so one row per (scope, group, KPI, day) with
an additive numerator and denominator is enough to draw a year of history without reading
the facts again. Who a figure rests on is kept as distinct people per day and per month
(``kpi_history_members``), counted once when first seen, so the works council's k rule can
be applied to each point. Each event adds to the buckets of the group it was stamped with
at that moment (company, department and role), so history does not move when someone
changes team today, and a replay from zero writes the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from app.persistence import Transaction

#: The groupings history is kept for; the company is its own single group.
SCOPES = ("company", "department", "role")
COMPANY = "company"
#: Bookkeeping rows that are not KPIs: people joining and leaving a group each day.
HEADCOUNT = "headcount"
#: Distinct learners per day and month, the numerator of adoption.
LEARNERS = "learners"
#: Sentiment is summed as integers (1e-4 units, as scores are rounded) so that taking an
#: erased comment out again is exact, and the sums equal a replay without it.
SENTIMENT_SCALE = 10_000

HISTORY_DDL = (
    "CREATE TABLE IF NOT EXISTS {kpi_history} (scope TEXT NOT NULL, scope_key TEXT NOT NULL,"
    " kpi TEXT NOT NULL, day TEXT NOT NULL, numerator DOUBLE PRECISION NOT NULL,"
    " denominator DOUBLE PRECISION NOT NULL, PRIMARY KEY (scope, kpi, day, scope_key))",
    "CREATE TABLE IF NOT EXISTS {kpi_history_values} (scope TEXT NOT NULL,"
    " scope_key TEXT NOT NULL, kpi TEXT NOT NULL, day TEXT NOT NULL,"
    " value DOUBLE PRECISION NOT NULL, count INTEGER NOT NULL,"
    " PRIMARY KEY (scope, kpi, day, scope_key, value))",
    "CREATE TABLE IF NOT EXISTS {kpi_history_members} (scope TEXT NOT NULL,"
    " scope_key TEXT NOT NULL, kpi TEXT NOT NULL, period TEXT NOT NULL,"
    " employee_id TEXT NOT NULL, PRIMARY KEY (scope, kpi, period, scope_key, employee_id))",
    "CREATE TABLE IF NOT EXISTS {kpi_history_people} (scope TEXT NOT NULL,"
    " scope_key TEXT NOT NULL, kpi TEXT NOT NULL, period TEXT NOT NULL,"
    " people INTEGER NOT NULL, PRIMARY KEY (scope, kpi, period, scope_key))",
)
HISTORY_TABLES = ("kpi_history", "kpi_history_values", "kpi_history_members", "kpi_history_people")


def day_period(day: str) -> str:
    return f"D{day}"


def month_period(day: str) -> str:
    return f"M{day[:7]}"


def scopes_of(department: Any, role_id: Any) -> list[tuple[str, str]]:
    """The (scope, key) pairs one stamped group adds to: the company, its department, its role."""
    found = [(COMPANY, COMPANY)]
    if department:
        found.append(("department", str(department)))
    if role_id:
        found.append(("role", str(role_id)))
    return found


class KpiHistoryWriter:
    """Adds to the daily buckets; called by the KPI projection inside its transaction."""

    def add(
        self,
        tx: Transaction,
        kpi: str,
        day: str,
        scopes: Sequence[tuple[str, str]],
        numerator: float,
        denominator: float,
        employee_id: str | None = None,
    ) -> None:
        """Add to the numerator and denominator of ``kpi`` on ``day`` in each scope, and
        count ``employee_id`` among the people the figure rests on."""
        if scopes:
            # One statement for every scope: most events add to three buckets at once.
            tx.execute(
                "INSERT INTO {kpi_history} (scope, scope_key, kpi, day, numerator, denominator)"
                " VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(scopes))
                + " ON CONFLICT (scope, kpi, day, scope_key)"
                " DO UPDATE SET numerator = {kpi_history}.numerator + excluded.numerator,"
                " denominator = {kpi_history}.denominator + excluded.denominator",
                [v for scope, key in scopes
                 for v in (scope, key, kpi, day, float(numerator), float(denominator))],
            )  # fmt: skip
        if employee_id is not None:
            self.member(tx, kpi, day, scopes, employee_id)

    def value(
        self,
        tx: Transaction,
        kpi: str,
        day: str,
        scopes: Sequence[tuple[str, str]],
        value: float,
    ) -> None:
        """Record one value of a median KPI (days to productivity, drop-off minute)."""
        for scope, key in scopes:
            tx.execute(
                "INSERT INTO {kpi_history_values} (scope, scope_key, kpi, day, value, count)"
                " VALUES (%s, %s, %s, %s, %s, 1) ON CONFLICT (scope, kpi, day, scope_key, value)"
                " DO UPDATE SET count = {kpi_history_values}.count + 1",
                (scope, key, kpi, day, round(float(value), 4)),
            )

    def member(
        self, tx: Transaction, kpi: str, day: str, scopes: Sequence[tuple[str, str]], employee: str
    ) -> None:
        """Count ``employee`` once per day and once per month among the people of ``kpi``."""
        if not scopes:
            return
        keys = [(scope, key, period) for scope, key in scopes
                for period in (day_period(day), month_period(day))]  # fmt: skip
        # The rows that were new come back: only their people counts go up.
        new = tx.rows(
            "INSERT INTO {kpi_history_members} (scope, scope_key, kpi, period, employee_id)"
            " VALUES "
            + ", ".join(["(%s, %s, %s, %s, %s)"] * len(keys))
            + " ON CONFLICT DO NOTHING RETURNING scope, scope_key, period",
            [v for scope, key, period in keys for v in (scope, key, kpi, period, employee)],
        )
        if new:
            tx.executemany(
                "INSERT INTO {kpi_history_people} (scope, scope_key, kpi, period, people)"
                " VALUES (%s, %s, %s, %s, 1) ON CONFLICT (scope, kpi, period, scope_key)"
                " DO UPDATE SET people = {kpi_history_people}.people + 1",
                [(r["scope"], r["scope_key"], kpi, r["period"]) for r in new],
            )

    def forget(self, tx: Transaction, kpi: str, employee: str) -> None:
        """Take ``employee`` out of the people of ``kpi`` (after an erasure), dropping rows
        that only they made, as a replay without them would never have written them."""
        for row in tx.rows(
            "SELECT scope, scope_key, period FROM {kpi_history_members}"
            " WHERE kpi = %s AND employee_id = %s",
            (kpi, employee),
        ):
            tx.execute(
                "UPDATE {kpi_history_people} SET people = people - 1 WHERE scope = %s"
                " AND kpi = %s AND period = %s AND scope_key = %s",
                (row["scope"], kpi, row["period"], row["scope_key"]),
            )
        tx.execute(
            "DELETE FROM {kpi_history_members} WHERE kpi = %s AND employee_id = %s",
            (kpi, employee),
        )
        tx.execute("DELETE FROM {kpi_history_people} WHERE kpi = %s AND people <= 0", (kpi,))
        tx.execute("DELETE FROM {kpi_history} WHERE kpi = %s AND denominator = 0", (kpi,))

    def joined(self, tx: Transaction, day: str, scopes: Sequence[tuple[str, str]]) -> None:
        """One more person in each group from ``day`` on (numerator: joiners)."""
        self.add(tx, HEADCOUNT, day, scopes, 1.0, 0.0)

    def left(self, tx: Transaction, day: str, scopes: Sequence[tuple[str, str]]) -> None:
        """One person fewer in each group after ``day`` (denominator: leavers)."""
        self.add(tx, HEADCOUNT, day, scopes, 0.0, 1.0)


def days_between(start: str, end: str) -> int:
    return (date.fromisoformat(end) - date.fromisoformat(start)).days
