"""Recommendation decisions: every served item, its answer, and whether it led to enrolment.

Serving reads it to keep dismissed items away for a while; the acceptance KPI
(recommended items enrolled within 14 days / items recommended) reads ``enrolled_at``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.aggregates import Enrollment, RecommendationDecision
from app.persistence import SqlGateway, Transaction
from app.projections.engine import Projection, handles

Decision = RecommendationDecision


class DecisionProjection(Projection):
    name = "recommendation_decisions"
    tables = ("recommendation_items", "recommendation_decisions")
    ddl = (
        "CREATE TABLE IF NOT EXISTS {recommendation_decisions} ("
        " decision_id TEXT PRIMARY KEY, employee_id TEXT NOT NULL, model_version TEXT,"
        " consent_basis TEXT NOT NULL, item_count INTEGER NOT NULL, issued_at TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {recommendation_items} ("
        " decision_id TEXT NOT NULL, module_id TEXT NOT NULL, employee_id TEXT NOT NULL,"
        " enrollment_id TEXT NOT NULL, rank INTEGER NOT NULL, score DOUBLE PRECISION NOT NULL,"
        " issued_at TEXT NOT NULL, answer TEXT, answered_at TEXT, enrolled_at TEXT,"
        " PRIMARY KEY (decision_id, module_id))",
        "CREATE INDEX IF NOT EXISTS recommendation_items_answers"
        " ON {recommendation_items} (employee_id, answered_at)",
    )

    @handles(Decision.RecommendationIssued)
    def issued(self, e: Decision.RecommendationIssued, tx: Transaction) -> None:
        decision_id, at = str(e.originator_id), e.occurred_at.isoformat()
        tx.execute(
            "INSERT INTO {recommendation_decisions} (decision_id, employee_id, model_version,"
            " consent_basis, item_count, issued_at) VALUES (%s, %s, %s, %s, %s, %s)",
            (decision_id, str(e.employee_id), e.model_version, e.consent_basis,
             len(e.module_ids), at),
        )  # fmt: skip
        tx.executemany(
            "INSERT INTO {recommendation_items} (decision_id, module_id, employee_id,"
            " enrollment_id, rank, score, issued_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                (decision_id, str(module_id), str(e.employee_id),
                 str(Enrollment.id_for(e.employee_id, module_id)), rank, score, at)
                for rank, (module_id, score) in enumerate(zip(e.module_ids, e.scores, strict=True))
            ],
        )  # fmt: skip

    @handles(Decision.RecommendationAnswered)
    def answered(self, e: Decision.RecommendationAnswered, tx: Transaction) -> None:
        tx.execute(
            "UPDATE {recommendation_items} SET answer = %s, answered_at = %s"
            " WHERE decision_id = %s AND module_id = %s",
            (e.answer, e.occurred_at.isoformat(), str(e.originator_id), str(e.module_id)),
        )

    def _enrolled(self, tx: Transaction, e: Any, decision_id: Any) -> None:
        tx.execute(
            "UPDATE {recommendation_items} SET enrolled_at = %s"
            " WHERE decision_id = %s AND enrollment_id = %s AND enrolled_at IS NULL",
            (e.occurred_at.isoformat(), str(decision_id), str(e.originator_id)),
        )

    @handles(Enrollment.Enrolled)
    def enrolled(self, e: Enrollment.Enrolled, tx: Transaction) -> None:
        if e.recommendation_id is not None:
            self._enrolled(tx, e, e.recommendation_id)

    @handles(Enrollment.Reenrolled)
    def reenrolled(self, e: Enrollment.Reenrolled, tx: Transaction) -> None:
        if e.recommendation_id is not None:
            self._enrolled(tx, e, e.recommendation_id)


@dataclass(frozen=True)
class DecisionRow:
    decision_id: str
    employee_id: str
    model_version: str | None
    consent_basis: str
    item_count: int
    issued_at: str


class DecisionBook:
    """Queries over served recommendations and their answers."""

    def __init__(self, gateway: SqlGateway) -> None:
        self._gateway = gateway

    def get(self, decision_id: str) -> DecisionRow | None:
        with self._gateway.transaction(write=False) as tx:
            row = tx.row(
                "SELECT * FROM {recommendation_decisions} WHERE decision_id = %s", (decision_id,)
            )
        return None if row is None else DecisionRow(**row)

    def declined_since(self, employee_id: str, since: str) -> set[str]:
        """Modules the employee dismissed or reported wrong after ``since``."""
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                "SELECT module_id FROM {recommendation_items} WHERE employee_id = %s"
                " AND answered_at > %s AND answer IN ('dismissed', 'wrong')",
                (employee_id, since),
            )
        return {r["module_id"] for r in rows}

    def declined_all(self) -> list[tuple[str, str, str, str]]:
        """Every dismissal and WRONG report: (employee, module, answer, answered_at), the
        negative signals training reads."""
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                "SELECT employee_id, module_id, answer, answered_at FROM {recommendation_items}"
                " WHERE answer IN ('dismissed', 'wrong')"
            )
        return [(r["employee_id"], r["module_id"], r["answer"], r["answered_at"]) for r in rows]

    def answers(self, decision_id: str) -> dict[str, str | None]:
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                "SELECT module_id, answer FROM {recommendation_items} WHERE decision_id = %s",
                (decision_id,),
            )
        return {r["module_id"]: r["answer"] for r in rows}
