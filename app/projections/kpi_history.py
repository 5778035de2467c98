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
from app.projections.batching import BatchTransaction, Fold

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


_ADD_SQL = (
    "INSERT INTO {kpi_history} (scope, scope_key, kpi, day, numerator, denominator)"
    " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (scope, kpi, day, scope_key)"
    " DO UPDATE SET numerator = {kpi_history}.numerator + excluded.numerator,"
    " denominator = {kpi_history}.denominator + excluded.denominator"
)
_PEOPLE_SQL = (
    "INSERT INTO {kpi_history_people} (scope, scope_key, kpi, period, people)"
    " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (scope, kpi, period, scope_key)"
    " DO UPDATE SET people = {kpi_history_people}.people + excluded.people"
)
#: Member rows per statement when a batch's members are written (5 parameters each).
_MEMBER_CHUNK = 500
#: Integers up to this are exact in a double, so sums of them do not depend on their order.
_EXACT = 2.0**52


class _Sums(Fold):
    """A batch's additions to ``kpi_history``, summed per bucket in memory.

    Only whole numbers are summed here (every KPI but money amounts): their sums are exact,
    so one addition per bucket gives the same figure as one per event."""

    tables = frozenset({"kpi_history"})

    def __init__(self) -> None:
        self.sums: dict[tuple[str, str, str, str], list[float]] = {}

    def flush(self, tx: BatchTransaction) -> None:
        tx.executemany(_ADD_SQL, [(*key, n, d) for key, (n, d) in self.sums.items()])


class _Members(Fold):
    """People a batch counted among a KPI's, each key once; the new ones raise the counts."""

    tables = frozenset({"kpi_history_members", "kpi_history_people"})

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str, str, str, str], None] = {}

    def flush(self, tx: BatchTransaction) -> None:
        keys = list(self.keys)
        added: dict[tuple[str, str, str, str], int] = {}
        for start in range(0, len(keys), _MEMBER_CHUNK):
            chunk = keys[start : start + _MEMBER_CHUNK]
            new = tx.rows(
                "INSERT INTO {kpi_history_members} (scope, scope_key, kpi, period, employee_id)"
                " VALUES " + ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
                + " ON CONFLICT DO NOTHING RETURNING scope, scope_key, kpi, period",
                [v for key in chunk for v in key],
            )  # fmt: skip
            for r in new:
                bucket = (r["scope"], r["scope_key"], r["kpi"], r["period"])
                added[bucket] = added.get(bucket, 0) + 1
        tx.executemany(_PEOPLE_SQL, [(*bucket, n) for bucket, n in added.items()])


def _whole(value: float) -> bool:
    return float(value).is_integer() and abs(value) < _EXACT


class KpiHistoryWriter:
    """Adds to the daily buckets; called by the KPI projection inside its transaction.

    On a ``BatchTransaction`` additions and members are gathered over the batch and
    written once per bucket (see ``_Sums`` and ``_Members``)."""

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
        if (
            scopes
            and isinstance(tx, BatchTransaction)
            and _whole(numerator)
            and _whole(denominator)
        ):
            sums = tx.fold("kpi_history.sums", _Sums).sums
            for scope, key in scopes:
                found = sums.get((scope, key, kpi, day))
                if found is None:
                    sums[(scope, key, kpi, day)] = [float(numerator), float(denominator)]
                else:
                    found[0] += numerator
                    found[1] += denominator
        elif scopes:
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
        if isinstance(tx, BatchTransaction):
            members = tx.fold("kpi_history.members", _Members).keys
            periods = (day_period(day), month_period(day))
            for scope, key in scopes:
                for period in periods:
                    members[(scope, key, kpi, period, employee)] = None
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
