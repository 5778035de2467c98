"""Self-declared gender and age band, read only by fairness reports.

Reports also check current fairness_audit consent, so a withdrawal takes effect at once
even though the row stays until the subject's data is erased and read models are rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.aggregates import Employee
from app.persistence import SqlGateway, Transaction
from app.projections.engine import Projection, handles


class FairnessAttributeProjection(Projection):
    name = "fairness_attributes"
    tables = ("fairness_attributes",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS {fairness_attributes} ("
        " employee_id TEXT PRIMARY KEY, gender TEXT NOT NULL, age_band TEXT NOT NULL,"
        " declared_at TEXT NOT NULL)",
    )

    @handles(Employee.AttributesSelfDeclared)
    def declared(self, e: Employee.AttributesSelfDeclared, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {fairness_attributes} (employee_id, gender, age_band, declared_at)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (employee_id) DO UPDATE SET"
            " gender = excluded.gender, age_band = excluded.age_band,"
            " declared_at = excluded.declared_at",
            (str(e.originator_id), e.gender, e.age_band, e.timestamp.isoformat()),
        )


@dataclass(frozen=True)
class DeclaredAttributes:
    employee_id: str
    gender: str
    age_band: str


class FairnessAttributes:
    """The declared attributes; callers filter by current fairness_audit consent."""

    def __init__(self, gateway: SqlGateway) -> None:
        self._gateway = gateway

    def all(self) -> dict[str, DeclaredAttributes]:
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows("SELECT employee_id, gender, age_band FROM {fairness_attributes}")
        return {r["employee_id"]: DeclaredAttributes(**r) for r in rows}
