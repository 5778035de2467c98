"""HR's review queue: recommendations reported as WRONG with a comment, and their resolution.

A report is one (decision, item) answered ``wrong`` with a non-empty comment; HR resolves it
with a note (``ReportResolved``). The comment and the note are personal fields of the
employee (sealed in the events, overwritten here on erasure: app/projections/erasure.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.aggregates import RecommendationDecision
from app.persistence import SqlGateway, Transaction
from app.projections.engine import Projection, handles
from app.projections.paging import Key, Page, page_query

Decision = RecommendationDecision
OPEN, RESOLVED = "open", "resolved"
#: The queue's order and its cursors' key: a report keeps its place when others arrive.
REPORT_KEY = ("reported_at", "report_id")
#: Report ids are derived from the decision and the item, so clients can name one.
REPORTS_NAMESPACE = uuid.UUID("5b0c1c1e-9d4e-4f57-9a59-6f3f2f3f6a10")


def report_id(decision_id: str, module_id: str) -> str:
    return str(uuid.uuid5(REPORTS_NAMESPACE, f"{decision_id}:{module_id}"))


class RecommendationReportProjection(Projection):
    name = "recommendation_reports"
    tables = ("recommendation_reports",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS {recommendation_reports} ("
        " report_id TEXT PRIMARY KEY, decision_id TEXT NOT NULL, module_id TEXT NOT NULL,"
        " employee_id TEXT NOT NULL, comment TEXT NOT NULL, reported_at TEXT NOT NULL,"
        " status TEXT NOT NULL, note TEXT, resolved_at TEXT,"
        " resolved_by TEXT)",
        "CREATE INDEX IF NOT EXISTS recommendation_reports_status"
        " ON {recommendation_reports} (status, reported_at)",
        "CREATE INDEX IF NOT EXISTS recommendation_reports_order"
        " ON {recommendation_reports} (reported_at, report_id)",
        "CREATE INDEX IF NOT EXISTS recommendation_reports_employee"
        " ON {recommendation_reports} (employee_id)",
    )

    @handles(Decision.RecommendationAnswered)
    def answered(self, e: Decision.RecommendationAnswered, tx: Transaction) -> None:
        if e.answer != "wrong" or not e.comment:
            return
        decision, module = str(e.originator_id), str(e.module_id)
        tx.execute(
            "INSERT INTO {recommendation_reports} (report_id, decision_id, module_id,"
            " employee_id, comment, reported_at, status) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (report_id(decision, module), decision, module, str(e.employee_id), e.comment,
             e.occurred_at.isoformat(), OPEN),
        )  # fmt: skip

    @handles(Decision.ReportResolved)
    def resolved(self, e: Decision.ReportResolved, tx: Transaction) -> None:
        tx.execute(
            "UPDATE {recommendation_reports} SET status = %s, note = %s, resolved_at = %s,"
            " resolved_by = %s WHERE report_id = %s",
            (RESOLVED, e.note, e.occurred_at.isoformat(), e.actor.id,
             report_id(str(e.originator_id), str(e.module_id))),
        )  # fmt: skip


@dataclass(frozen=True)
class ReportRow:
    report_id: str
    decision_id: str
    module_id: str
    employee_id: str
    comment: str
    reported_at: str
    status: str
    note: str | None
    resolved_at: str | None
    resolved_by: str | None


class ReportBook:
    """The review queue, oldest report first."""

    def __init__(self, gateway: SqlGateway) -> None:
        self._gateway = gateway

    def reports(self, status: str | None, first: int) -> list[ReportRow]:
        """Up to ``first`` reports with ``status`` (None: any), oldest first."""
        where, values = ("WHERE status = %s", (status,)) if status else ("", ())
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                f"SELECT * FROM {{recommendation_reports}} {where}"
                " ORDER BY reported_at, report_id LIMIT %s",
                (*values, first),
            )
        return [ReportRow(**r) for r in rows]

    def page(
        self,
        *,
        status: str | None,
        first: int,
        after: Key | None = None,
        last: int | None = None,
        before: Key | None = None,
    ) -> Page[ReportRow]:
        """A keyset page of the queue, oldest first, keyed by ``(reported_at, report_id)``."""
        return page_query(
            self._gateway, "recommendation_reports", {"status = %s": status}, first, after,
            lambda r: ReportRow(**r), last=last, before=before, key=REPORT_KEY,
        )  # fmt: skip

    def get(self, decision_id: str, module_id: str) -> ReportRow | None:
        with self._gateway.transaction(write=False) as tx:
            row = tx.row(
                "SELECT * FROM {recommendation_reports} WHERE report_id = %s",
                (report_id(decision_id, module_id),),
            )
        return None if row is None else ReportRow(**row)
