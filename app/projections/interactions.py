"""Interactions for the recommender: how far each employee got with each module, and quizzes.

One row per enrolment (the latest attempt counts) with the signals training weighs:
status, furthest percent, where a drop happened, the rating, and when the last signal
came. Quiz results are kept one row per attempt: they drive difficulty adaptation and
spaced repetition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.aggregates import Enrollment
from app.persistence import SqlGateway, Transaction
from app.projections.engine import Projection, handles


class InteractionProjection(Projection):
    name = "interactions"
    tables = ("quiz_results", "interactions")
    ddl = (
        "CREATE TABLE IF NOT EXISTS {interactions} ("
        " enrollment_id TEXT PRIMARY KEY, employee_id TEXT NOT NULL, module_id TEXT NOT NULL,"
        " status TEXT NOT NULL, percent INTEGER NOT NULL, attempts INTEGER NOT NULL,"
        " dropped_percent INTEGER, rating INTEGER, completed_at TEXT, first_at TEXT NOT NULL,"
        " last_at TEXT NOT NULL, recorded_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS interactions_employee ON {interactions} (employee_id)",
        "CREATE INDEX IF NOT EXISTS interactions_recorded ON {interactions} (recorded_at)",
        "CREATE TABLE IF NOT EXISTS {quiz_results} ("
        " enrollment_id TEXT NOT NULL, attempt INTEGER NOT NULL, employee_id TEXT NOT NULL,"
        " module_id TEXT NOT NULL, score INTEGER NOT NULL, occurred_at TEXT NOT NULL,"
        " PRIMARY KEY (enrollment_id, attempt))",
        "CREATE INDEX IF NOT EXISTS quiz_results_employee"
        " ON {quiz_results} (employee_id, occurred_at)",
    )

    @handles(Enrollment.Enrolled)
    def enrolled(self, e: Enrollment.Enrolled, tx: Transaction) -> None:
        at = e.occurred_at.isoformat()
        tx.execute(
            "INSERT INTO {interactions} (enrollment_id, employee_id, module_id, status, percent,"
            " attempts, first_at, last_at, recorded_at)"
            " VALUES (%s, %s, %s, 'active', 0, 1, %s, %s, %s)",
            (str(e.originator_id), str(e.employee_id), str(e.module_id), at, at,
             e.timestamp.isoformat()),
        )  # fmt: skip

    def _update(self, tx: Transaction, e: Any, assignments: str, *values: Any) -> None:
        tx.execute(
            f"UPDATE {{interactions}} SET {assignments}, last_at = %s, recorded_at = %s"
            " WHERE enrollment_id = %s",
            (*values, e.occurred_at.isoformat(), e.timestamp.isoformat(), str(e.originator_id)),
        )

    @handles(Enrollment.Reenrolled)
    def reenrolled(self, e: Enrollment.Reenrolled, tx: Transaction) -> None:
        self._update(
            tx, e,
            "status = 'active', percent = 0, dropped_percent = NULL, completed_at = NULL,"
            " attempts = %s",
            e.attempt,
        )  # fmt: skip

    @handles(Enrollment.Progressed)
    def progressed(self, e: Enrollment.Progressed, tx: Transaction) -> None:
        self._update(
            tx, e, "percent = CASE WHEN percent > %s THEN percent ELSE %s END",
            e.percent, e.percent,
        )  # fmt: skip

    @handles(Enrollment.Completed)
    def completed(self, e: Enrollment.Completed, tx: Transaction) -> None:
        self._update(
            tx, e, "status = 'completed', percent = 100, completed_at = %s",
            e.occurred_at.isoformat(),
        )  # fmt: skip

    @handles(Enrollment.Dropped)
    def dropped(self, e: Enrollment.Dropped, tx: Transaction) -> None:
        self._update(tx, e, "status = 'dropped', dropped_percent = percent")

    @handles(Enrollment.FeedbackGiven)
    def feedback_given(self, e: Enrollment.FeedbackGiven, tx: Transaction) -> None:
        self._update(tx, e, "rating = %s", e.rating)

    @handles(Enrollment.QuizAttempted)
    def quiz_attempted(self, e: Enrollment.QuizAttempted, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {quiz_results} (enrollment_id, attempt, employee_id, module_id, score,"
            " occurred_at) SELECT enrollment_id, (SELECT COUNT(*) FROM {quiz_results}"
            " WHERE enrollment_id = %s) + 1, employee_id, module_id, %s, %s FROM {interactions}"
            " WHERE enrollment_id = %s",
            (str(e.originator_id), e.score, e.occurred_at.isoformat(), str(e.originator_id)),
        )


@dataclass(frozen=True)
class InteractionRow:
    """What one employee did with one module (the latest attempt)."""

    enrollment_id: str
    employee_id: str
    module_id: str
    status: str
    percent: int
    attempts: int
    dropped_percent: int | None
    rating: int | None
    completed_at: str | None
    first_at: str
    last_at: str
    recorded_at: str


@dataclass(frozen=True)
class QuizResultRow:
    employee_id: str
    module_id: str
    attempt: int
    score: int
    occurred_at: str


class InteractionBook:
    """Queries over interactions: per employee, in bulk for training, and what is new."""

    def __init__(self, gateway: SqlGateway) -> None:
        self._gateway = gateway

    def of_employee(self, employee_id: str) -> list[InteractionRow]:
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                "SELECT * FROM {interactions} WHERE employee_id = %s ORDER BY first_at",
                (employee_id,),
            )
        return [InteractionRow(**r) for r in rows]

    def all(self, employee_ids: Sequence[str] | None = None) -> list[tuple[Any, ...]]:
        """Bulk rows for training: (employee, module, status, percent, dropped, rating, last,
        first): ``first`` is when the employee enrolled, ``last`` the latest signal."""
        with self._gateway.transaction(write=False) as tx:
            found = tx.rows(
                "SELECT employee_id, module_id, status, percent, dropped_percent, rating, last_at,"
                " first_at FROM {interactions}"
            )
        rows = [tuple(r.values()) for r in found]
        if employee_ids is None:
            return rows
        keep = set(employee_ids)
        return [r for r in rows if r[0] in keep]

    def recorded_since(self, timestamp: str) -> int:
        """How many interactions changed after ``timestamp`` (the retraining trigger)."""
        with self._gateway.transaction(write=False) as tx:
            found = tx.scalar(
                "SELECT COUNT(*) AS n FROM {interactions} WHERE recorded_at > %s", (timestamp,)
            )
        return int(found or 0)

    def erased_since(self, timestamp: str) -> set[str]:
        """Employees erased after ``timestamp`` (the consent read model's erasures): a model
        trained before must be replaced by one without them."""
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows("SELECT employee_id FROM {erasures} WHERE erased_at > %s", (timestamp,))
        return {r["employee_id"] for r in rows}

    def quiz_results(self, employee_id: str) -> list[QuizResultRow]:
        """An employee's quiz attempts, oldest first."""
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                "SELECT employee_id, module_id, attempt, score, occurred_at FROM {quiz_results}"
                " WHERE employee_id = %s ORDER BY occurred_at, attempt",
                (employee_id,),
            )
        return [QuizResultRow(**r) for r in rows]
