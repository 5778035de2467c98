"""What the KPI projection reads back while it applies a batch, remembered for that batch.

Each batch of the projection runner is one transaction, and only the KPI projection writes
its tables, so a row it read or wrote earlier in the same transaction is still current. The
memo is dropped as soon as a new transaction begins; it never outlives the batch, so another
process applying the next batch can never be contradicted by it.
"""

from __future__ import annotations

import weakref
from typing import Any

from app.persistence import Transaction
from app.projections.batching import BatchTransaction

Group = tuple[Any, Any, Any]


class KpiLookups:
    """Employee groups, current enrolment attempts and module languages, per transaction."""

    def __init__(self) -> None:
        self._tx: weakref.ref[Transaction] | None = None
        self._groups: dict[str, Group] = {}
        self._attempts: dict[str, dict[str, Any]] = {}
        self._languages: dict[str, str | None] = {}

    def _in(self, tx: Transaction) -> None:
        if self._tx is None or self._tx() is not tx:
            self._tx = weakref.ref(tx)
            self._groups.clear()
            self._attempts.clear()
            self._languages.clear()

    def group(self, tx: Transaction, employee_id: str) -> Group:
        """The employee's department, manager and role as of the event being applied."""
        self._in(tx)
        found = self._groups.get(employee_id)
        if found is None:
            row = tx.row(
                "SELECT department, manager_id, role_id FROM {kpi_people} WHERE employee_id = %s",
                (employee_id,),
            )
            found = (
                (None, None, None)
                if row is None
                else (row["department"], row["manager_id"], row["role_id"])
            )
            self._groups[employee_id] = found
        return found

    def set_group(self, tx: Transaction, employee_id: str, group: Group) -> None:
        self._in(tx)
        self._groups[employee_id] = group

    def last_attempt(self, tx: Transaction, enrollment_id: str) -> dict[str, Any]:
        """The enrolment's current attempt: its number, employee, module, the day it began
        and the department and role it was stamped with."""
        self._in(tx)
        found = self._attempts.get(enrollment_id)
        if found is None:
            found = tx.row(
                "SELECT attempt, employee_id, module_id, enrolled_day, department, role_id"
                " FROM {kpi_attempts}"
                " WHERE enrollment_id = %s ORDER BY attempt DESC LIMIT 1",
                (enrollment_id,),
            )
            if found is None:
                raise LookupError(f"enrollment {enrollment_id} has no enrolment event before it")
            self._attempts[enrollment_id] = found
        return found

    def set_attempt(self, tx: Transaction, enrollment_id: str, attempt: dict[str, Any]) -> None:
        self._in(tx)
        self._attempts[enrollment_id] = attempt

    def language(self, tx: Transaction, module_id: str) -> str | None:
        self._in(tx)
        if module_id not in self._languages:
            # Every write of a language in this transaction was remembered (set_language),
            # so one not remembered is the stored one: no need to send held-back writes.
            read = tx.scalar_as_sent if isinstance(tx, BatchTransaction) else tx.scalar
            self._languages[module_id] = read(
                "SELECT language FROM {kpi_modules} WHERE module_id = %s", (module_id,)
            )
        return self._languages[module_id]

    def set_language(self, tx: Transaction, module_id: str, language: str) -> None:
        self._in(tx)
        self._languages[module_id] = language
