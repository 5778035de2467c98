"""Enrolments per employee and per module: status, progress, quizzes and feedback."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.access import too_few_to_show
from app.aggregates import Enrollment
from app.persistence import SqlGateway, Transaction
from app.projections.engine import Projection, handles
from app.projections.paging import Key, Page, page_query


class EnrollmentProjection(Projection):
    name = "enrollments"
    tables = ("enrollments",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS {enrollments} ("
        " id TEXT PRIMARY KEY, employee_id TEXT NOT NULL, module_id TEXT NOT NULL,"
        " status TEXT NOT NULL, attempt INTEGER NOT NULL, source TEXT NOT NULL,"
        " recommendation_id TEXT, enrolled_at TEXT NOT NULL, percent INTEGER NOT NULL,"
        " minutes_spent INTEGER NOT NULL, last_position_minutes DOUBLE PRECISION,"
        " quiz_attempts INTEGER NOT NULL, last_quiz_score INTEGER, best_quiz_score INTEGER,"
        " completed_at TEXT, dropped_at TEXT, dropped_position_minutes DOUBLE PRECISION,"
        " rating INTEGER, comment TEXT, feedback_at TEXT, updated_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS enrollments_employee"
        " ON {enrollments} (employee_id, enrolled_at)",
        "CREATE INDEX IF NOT EXISTS enrollments_module ON {enrollments} (module_id, status)",
        # Pages of a module's learners, keyed as EnrollmentBook.page reads them.
        "CREATE INDEX IF NOT EXISTS enrollments_module_order"
        " ON {enrollments} (module_id, enrolled_at, id)",
    )

    @handles(Enrollment.Enrolled)
    def enrolled(self, e: Enrollment.Enrolled, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {enrollments} (id, employee_id, module_id, status, attempt, source,"
            " recommendation_id, enrolled_at, percent, minutes_spent, quiz_attempts, updated_at)"
            " VALUES (%s, %s, %s, 'active', 1, %s, %s, %s, 0, 0, 0, %s)",
            (
                str(e.originator_id), str(e.employee_id), str(e.module_id), e.source,
                _opt(e.recommendation_id), e.occurred_at.isoformat(), e.timestamp.isoformat(),
            ),
        )  # fmt: skip

    def _update(self, tx: Transaction, event: Any, assignments: str, *values: Any) -> None:
        tx.execute(
            f"UPDATE {{enrollments}} SET {assignments}, updated_at = %s WHERE id = %s",
            (*values, event.timestamp.isoformat(), str(event.originator_id)),
        )

    @handles(Enrollment.Reenrolled)
    def reenrolled(self, e: Enrollment.Reenrolled, tx: Transaction) -> None:
        self._update(
            tx, e,
            "status = 'active', attempt = %s, source = %s, recommendation_id = %s,"
            " enrolled_at = %s, percent = 0, completed_at = NULL, dropped_at = NULL,"
            " dropped_position_minutes = NULL, minutes_spent = 0, last_position_minutes = NULL,"
            " quiz_attempts = 0, last_quiz_score = NULL, best_quiz_score = NULL",
            e.attempt, e.source, _opt(e.recommendation_id), e.occurred_at.isoformat(),
        )  # fmt: skip

    @handles(Enrollment.Progressed)
    def progressed(self, e: Enrollment.Progressed, tx: Transaction) -> None:
        self._update(
            tx, e,
            "percent = CASE WHEN percent > %s THEN percent ELSE %s END,"
            " minutes_spent = minutes_spent + %s,"
            " last_position_minutes = COALESCE(%s, last_position_minutes)",
            e.percent, e.percent, e.minutes or 0, e.position_minutes,
        )  # fmt: skip

    @handles(Enrollment.QuizAttempted)
    def quiz_attempted(self, e: Enrollment.QuizAttempted, tx: Transaction) -> None:
        self._update(
            tx, e,
            "quiz_attempts = quiz_attempts + 1, last_quiz_score = %s,"
            " best_quiz_score = CASE WHEN best_quiz_score IS NULL OR best_quiz_score < %s"
            " THEN %s ELSE best_quiz_score END",
            e.score, e.score, e.score,
        )  # fmt: skip

    @handles(Enrollment.Completed)
    def completed(self, e: Enrollment.Completed, tx: Transaction) -> None:
        self._update(
            tx, e, "status = 'completed', percent = 100, completed_at = %s",
            e.occurred_at.isoformat(),
        )  # fmt: skip

    @handles(Enrollment.Dropped)
    def dropped(self, e: Enrollment.Dropped, tx: Transaction) -> None:
        self._update(
            tx, e, "status = 'dropped', dropped_at = %s, dropped_position_minutes = %s",
            e.occurred_at.isoformat(), e.position_minutes,
        )  # fmt: skip

    @handles(Enrollment.FeedbackGiven)
    def feedback_given(self, e: Enrollment.FeedbackGiven, tx: Transaction) -> None:
        self._update(
            tx, e, "rating = %s, comment = %s, feedback_at = %s",
            e.rating, e.comment, e.occurred_at.isoformat(),
        )  # fmt: skip


def _opt(value: object | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class EnrollmentRow:
    """One enrolment (its latest attempt) as the read model knows it."""

    id: str
    employee_id: str
    module_id: str
    status: str
    attempt: int
    source: str
    recommendation_id: str | None
    enrolled_at: str
    percent: int
    minutes_spent: int
    last_position_minutes: float | None
    quiz_attempts: int
    last_quiz_score: int | None
    best_quiz_score: int | None
    completed_at: str | None
    dropped_at: str | None
    dropped_position_minutes: float | None
    rating: int | None
    comment: str | None
    feedback_at: str | None
    updated_at: str


@dataclass(frozen=True)
class EnrollmentCounts:
    """How many enrolments are in each state (one per learner: the latest attempt)."""

    total: int = 0
    active: int = 0
    completed: int = 0
    dropped: int = 0
    average_rating: float | None = None
    raters: int = 0

    def disclosed(self, k: int) -> DisclosedCounts:
        """The counts as they may be shown: none resting on 1 to k-1 learners, and none
        that subtracting the shown ones would reveal."""
        parts = {"active": self.active, "completed": self.completed, "dropped": self.dropped}
        hidden = {name for name, people in parts.items() if too_few_to_show(people, k)}
        total_hidden = too_few_to_show(self.total, k)
        if not total_hidden and len(hidden) == 1:
            # The total minus the two shown parts would give the hidden one away.
            others = [(people, name) for name, people in parts.items()
                      if name not in hidden and people > 0]  # fmt: skip
            if others:
                hidden.add(min(others)[1])
            else:
                total_hidden = True
        rating_hidden = too_few_to_show(self.raters, k)
        return DisclosedCounts(
            total=None if total_hidden else self.total,
            active=None if "active" in hidden else self.active,
            completed=None if "completed" in hidden else self.completed,
            dropped=None if "dropped" in hidden else self.dropped,
            average_rating=None if rating_hidden else self.average_rating,
            raters=None if rating_hidden else self.raters,
            suppressed=total_hidden or bool(hidden) or rating_hidden,
        )


@dataclass(frozen=True)
class DisclosedCounts:
    """Enrolment counts with the figures on fewer than k learners left out (None)."""

    total: int | None
    active: int | None
    completed: int | None
    dropped: int | None
    average_rating: float | None
    raters: int | None
    suppressed: bool


#: The ordering key of enrolment pages: when the attempt started, then the id.
ENROLLMENT_KEY = ("enrolled_at", "id")


class EnrollmentBook:
    """Queries over enrolments, per employee and per module."""

    def __init__(self, gateway: SqlGateway) -> None:
        self._gateway = gateway

    def _by(
        self, column: str, ids: Sequence[str], status: str | None
    ) -> dict[str, list[EnrollmentRow]]:
        found: dict[str, list[EnrollmentRow]] = {i: [] for i in ids}
        if not ids:
            return found
        marks = ", ".join(["%s"] * len(ids))
        params: list[Any] = list(ids)
        status_clause = ""
        if status is not None:
            status_clause = " AND status = %s"
            params.append(status)
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                f"SELECT * FROM {{enrollments}} WHERE {column} IN ({marks}){status_clause}"
                " ORDER BY enrolled_at, id",
                params,
            )
        for row in rows:
            found[row[column]].append(EnrollmentRow(**row))
        return found

    def of_employees(
        self, employee_ids: Sequence[str], status: str | None = None
    ) -> dict[str, list[EnrollmentRow]]:
        return self._by("employee_id", employee_ids, status)

    def of_modules(
        self, module_ids: Sequence[str], status: str | None = None
    ) -> dict[str, list[EnrollmentRow]]:
        return self._by("module_id", module_ids, status)

    def page(
        self,
        *,
        employee_id: str | None = None,
        module_id: str | None = None,
        status: str | None = None,
        first: int,
        after: Key | None = None,
        last: int | None = None,
        before: Key | None = None,
    ) -> Page[EnrollmentRow]:
        """Enrolments of an employee or of a module, oldest first, keyed by
        ``(enrolled_at, id)``: the order the lists above use."""
        filters = {"employee_id = %s": employee_id, "module_id = %s": module_id,
                   "status = %s": status}  # fmt: skip
        return page_query(
            self._gateway, "enrollments", filters, first, after, lambda r: EnrollmentRow(**r),
            last=last, before=before, key=ENROLLMENT_KEY,
        )  # fmt: skip

    def get(self, enrollment_id: str) -> EnrollmentRow | None:
        with self._gateway.transaction(write=False) as tx:
            row = tx.row("SELECT * FROM {enrollments} WHERE id = %s", (enrollment_id,))
        return None if row is None else EnrollmentRow(**row)

    def counts_for_modules(self, module_ids: Sequence[str]) -> dict[str, EnrollmentCounts]:
        found = {i: EnrollmentCounts() for i in module_ids}
        if not module_ids:
            return found
        marks = ", ".join(["%s"] * len(module_ids))
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                "SELECT module_id, COUNT(*) AS total,"
                " SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END) AS active,"
                " SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS completed,"
                " SUM(CASE WHEN status = 'dropped' THEN 1 ELSE 0 END) AS dropped,"
                " AVG(rating) AS average_rating, COUNT(rating) AS raters"
                f" FROM {{enrollments}} WHERE module_id IN ({marks}) GROUP BY module_id",
                list(module_ids),
            )
        for row in rows:
            average = row["average_rating"]
            found[row["module_id"]] = EnrollmentCounts(
                total=int(row["total"]),
                active=int(row["active"]),
                completed=int(row["completed"]),
                dropped=int(row["dropped"]),
                average_rating=None if average is None else round(float(average), 2),
                raters=int(row["raters"]),
            )
        return found
