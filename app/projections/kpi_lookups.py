"""What the KPI projection reads back while it applies a batch, remembered for that batch.

Each batch of the projection runner is one transaction, and only the KPI projection writes
its tables, so a row it read or wrote earlier in the same transaction is still current. The
memo is dropped as soon as a new transaction begins; it never outlives the batch, so another
process applying the next batch can never be contradicted by it.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

from app.persistence import Transaction
from app.projections.batching import BatchTransaction

Group = tuple[Any, Any, Any]
#: Enrolments per prefetch query (bound parameters stay well under SQLite's limit).
_PREFETCH_CHUNK = 500


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

    def prefetch_attempts(self, tx: Transaction, enrollment_ids: Iterable[str]) -> None:
        """Remember the current attempts of these enrolments, read in a few queries, before
        a batch's handlers ask one by one (each such read also sends the table's held-back
        writes first). Only the handlers write the rows they read (``set_attempt``), so what
        is read here is what the first lazy read would have found."""
        self._in(tx)
        wanted = sorted({i for i in enrollment_ids if i not in self._attempts})
        for start in range(0, len(wanted), _PREFETCH_CHUNK):
            chunk = wanted[start : start + _PREFETCH_CHUNK]
            rows = tx.rows(
                "SELECT enrollment_id, attempt, employee_id, module_id, enrolled_day,"
                " department, role_id FROM {kpi_attempts} WHERE enrollment_id IN ("
                + ", ".join(["%s"] * len(chunk)) + ")",
                chunk,
            )  # fmt: skip
            for row in rows:
                key = row.pop("enrollment_id")
                held = self._attempts.get(key)
                if held is None or row["attempt"] > held["attempt"]:
                    self._attempts[key] = row

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
