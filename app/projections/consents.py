"""Consent per employee: what is granted now, and every change with who made it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.consent.ledger import ConsentLedger
from app.persistence import SqlGateway, Transaction
from app.projections.engine import Projection, handles


class ConsentProjection(Projection):
    name = "consents"
    tables = ("consent_history", "consents", "consent_ledgers", "erasures")
    ddl = (
        "CREATE TABLE IF NOT EXISTS {consent_ledgers} ("
        " ledger_id TEXT PRIMARY KEY, employee_id TEXT NOT NULL UNIQUE)",
        "CREATE TABLE IF NOT EXISTS {consents} ("
        " employee_id TEXT NOT NULL, purpose TEXT NOT NULL, policy_version TEXT NOT NULL,"
        " granted_at TEXT NOT NULL, PRIMARY KEY (employee_id, purpose))",
        "CREATE INDEX IF NOT EXISTS consents_purpose ON {consents} (purpose)",
        "CREATE TABLE IF NOT EXISTS {consent_history} ("
        " employee_id TEXT NOT NULL, version INTEGER NOT NULL, purpose TEXT NOT NULL,"
        " action TEXT NOT NULL, policy_version TEXT, occurred_at TEXT NOT NULL,"
        " actor_id TEXT NOT NULL, actor_role TEXT NOT NULL, PRIMARY KEY (employee_id, version))",
        "CREATE TABLE IF NOT EXISTS {erasures} ("
        " employee_id TEXT PRIMARY KEY, requested_at TEXT NOT NULL, requested_by TEXT NOT NULL,"
        " requested_by_role TEXT NOT NULL, erased_at TEXT)",
    )

    @handles(ConsentLedger.Opened)
    def opened(self, e: ConsentLedger.Opened, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {consent_ledgers} (ledger_id, employee_id) VALUES (%s, %s)",
            (str(e.originator_id), str(e.employee_id)),
        )

    @handles(ConsentLedger.Granted)
    def granted(self, e: ConsentLedger.Granted, tx: Transaction) -> None:
        employee_id = _employee(e, tx)
        tx.execute(
            "INSERT INTO {consents} (employee_id, purpose, policy_version, granted_at)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (employee_id, purpose) DO UPDATE SET"
            " policy_version = excluded.policy_version, granted_at = excluded.granted_at",
            (employee_id, e.purpose, e.policy_version, e.occurred_at.isoformat()),
        )
        _history(tx, e, employee_id, "granted", e.policy_version)

    @handles(ConsentLedger.Withdrawn)
    def withdrawn(self, e: ConsentLedger.Withdrawn, tx: Transaction) -> None:
        employee_id = _employee(e, tx)
        tx.execute(
            "DELETE FROM {consents} WHERE employee_id = %s AND purpose = %s",
            (employee_id, e.purpose),
        )
        _history(tx, e, employee_id, "withdrawn", None)

    @handles(ConsentLedger.ErasureRequested)
    def erasure_requested(self, e: ConsentLedger.ErasureRequested, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {erasures} (employee_id, requested_at, requested_by, requested_by_role)"
            " VALUES (%s, %s, %s, %s)",
            (_employee(e, tx), e.occurred_at.isoformat(), e.actor.id, e.actor.role),
        )

    @handles(ConsentLedger.Erased)
    def erased(self, e: ConsentLedger.Erased, tx: Transaction) -> None:
        tx.execute(
            "UPDATE {erasures} SET erased_at = %s WHERE employee_id = %s",
            (e.occurred_at.isoformat(), _employee(e, tx)),
        )


def _employee(e: Any, tx: Transaction) -> str:
    employee_id = tx.scalar(
        "SELECT employee_id FROM {consent_ledgers} WHERE ledger_id = %s", (str(e.originator_id),)
    )
    return str(employee_id)


def _history(
    tx: Transaction,
    e: ConsentLedger.Granted | ConsentLedger.Withdrawn,
    employee_id: str,
    action: str,
    policy_version: str | None,
) -> None:
    tx.execute(
        "INSERT INTO {consent_history} (employee_id, version, purpose, action, policy_version,"
        " occurred_at, actor_id, actor_role) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            employee_id, e.originator_version, e.purpose, action, policy_version,
            e.occurred_at.isoformat(), e.actor.id, e.actor.role,
        ),
    )  # fmt: skip


@dataclass(frozen=True)
class ConsentRow:
    purpose: str
    policy_version: str
    granted_at: str


@dataclass(frozen=True)
class ConsentChangeRow:
    purpose: str
    action: str
    policy_version: str | None
    occurred_at: str
    actor_id: str
    actor_role: str


@dataclass(frozen=True)
class ErasureRow:
    employee_id: str
    requested_at: str
    requested_by: str
    requested_by_role: str
    erased_at: str | None


class ConsentBook:
    """Queries over consent: current grants per employee, history, and who allows a purpose."""

    def __init__(self, gateway: SqlGateway) -> None:
        self._gateway = gateway

    def granted(self, employee_id: str) -> list[ConsentRow]:
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                "SELECT purpose, policy_version, granted_at FROM {consents}"
                " WHERE employee_id = %s ORDER BY purpose",
                (employee_id,),
            )
        return [ConsentRow(**r) for r in rows]

    def history(self, employee_id: str) -> list[ConsentChangeRow]:
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                "SELECT purpose, action, policy_version, occurred_at, actor_id, actor_role"
                " FROM {consent_history} WHERE employee_id = %s AND action <> 'opened'"
                " ORDER BY version",
                (employee_id,),
            )
        return [ConsentChangeRow(**r) for r in rows]

    def erasure(self, employee_id: str) -> ErasureRow | None:
        with self._gateway.transaction(write=False) as tx:
            row = tx.row("SELECT * FROM {erasures} WHERE employee_id = %s", (employee_id,))
        return None if row is None else ErasureRow(**row)

    def erased_subjects(self) -> set[str]:
        """Employees whose erasure was requested (every purpose was withdrawn with it)."""
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows("SELECT employee_id FROM {erasures}")
        return {r["employee_id"] for r in rows}

    def subjects_who_withdrew(self, purpose: str) -> set[str]:
        """Employees who withdrew ``purpose`` at some time (some may have granted it again)."""
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                "SELECT DISTINCT employee_id FROM {consent_history}"
                " WHERE purpose = %s AND action = 'withdrawn'",
                (purpose,),
            )
        return {r["employee_id"] for r in rows}

    def subjects_allowing(self, purpose: str, among: Sequence[str] | None = None) -> set[str]:
        """Employee ids that currently grant ``purpose`` (bulk use: training, reports)."""
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows("SELECT employee_id FROM {consents} WHERE purpose = %s", (purpose,))
        found = {r["employee_id"] for r in rows}
        return found if among is None else found & set(among)
