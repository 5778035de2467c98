"""Which event streams hold data about which employee: the index of exports and erasure.

An employee's data lives in their own stream and in the streams of their consent ledger,
their enrolments and the recommendation lists served to them. The data itself is always
read from those streams (decrypted); this read model only says where to look.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.aggregates import Employee, Enrollment
from app.aggregates.decision import RecommendationDecision
from app.consent.ledger import ConsentLedger
from app.persistence import SqlGateway, Transaction
from app.projections.engine import Projection, handles


class SubjectStreamProjection(Projection):
    name = "subject_streams"
    tables = ("subject_streams",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS {subject_streams} ("
        " employee_id TEXT NOT NULL, stream_id TEXT NOT NULL, kind TEXT NOT NULL,"
        " opened_at TEXT NOT NULL, PRIMARY KEY (employee_id, stream_id))",
    )

    def _add(self, tx: Transaction, employee_id: object, e: Any, kind: str) -> None:
        tx.execute(
            "INSERT INTO {subject_streams} (employee_id, stream_id, kind, opened_at)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (employee_id, stream_id) DO NOTHING",
            (str(employee_id), str(e.originator_id), kind, e.timestamp.isoformat()),
        )

    @handles(Employee.Hired)
    def hired(self, e: Employee.Hired, tx: Transaction) -> None:
        self._add(tx, e.originator_id, e, "employee")

    @handles(ConsentLedger.Opened)
    def ledger_opened(self, e: ConsentLedger.Opened, tx: Transaction) -> None:
        self._add(tx, e.employee_id, e, "consent")

    @handles(Enrollment.Enrolled)
    def enrolled(self, e: Enrollment.Enrolled, tx: Transaction) -> None:
        self._add(tx, e.employee_id, e, "enrollment")

    @handles(RecommendationDecision.RecommendationIssued)
    def issued(self, e: RecommendationDecision.RecommendationIssued, tx: Transaction) -> None:
        self._add(tx, e.employee_id, e, "recommendation")


@dataclass(frozen=True)
class SubjectStream:
    stream_id: str
    kind: str


class SubjectStreams:
    """Where an employee's data is, stream by stream, in the order the streams began."""

    def __init__(self, gateway: SqlGateway) -> None:
        self._gateway = gateway

    def of(self, employee_id: str) -> list[SubjectStream]:
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                "SELECT stream_id, kind FROM {subject_streams} WHERE employee_id = %s"
                " ORDER BY opened_at, stream_id",
                (employee_id,),
            )
        return [SubjectStream(**row) for row in rows]

    def subject_of(self, stream_id: str) -> str | None:
        """The employee a stream is about, if it is about one."""
        with self._gateway.transaction(write=False) as tx:
            found = tx.scalar(
                "SELECT employee_id FROM {subject_streams} WHERE stream_id = %s", (stream_id,)
            )
        return None if found is None else str(found)
