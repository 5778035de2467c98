"""What the access policy needs to know about people, read once per question.

The policy (``app/access/``) is pure: it is told who a subject is (their manager, the
consents they grant). This service finds that out: from the read models for reads, which
answer a page of people in two queries, and from the event store for the subject of a
command, where a stale answer could let a write through.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from app.access import Subject, TargetKind
from app.aggregates import Employee, Enrollment
from app.aggregates.decision import RecommendationDecision
from app.application import Skillpath
from app.consent.ledger import ConsentLedger
from app.persistence import SqlGateway
from app.projections.consents import ConsentProjection
from app.projections.engine import projection_position

#: How long an employee found active is trusted to still be (other processes' offboarding).
STANDING_SECONDS = 1.0


class Standing(StrEnum):
    """Whether a person may act: only active, unerased employees do."""

    ACTIVE = "active"
    LEFT = "left"
    ERASED = "erased"
    UNKNOWN = "unknown"


class Subjects:
    """Facts about people for access decisions."""

    def __init__(self, app: Skillpath, gateway: SqlGateway) -> None:
        self._app = app
        self._gateway = gateway
        #: Erased: refused for good (an erasure is final).
        self._erased: set[str] = set()
        #: When each employee was last found active.
        self._active: dict[str, float] = {}
        #: Purposes withdrawn through this process, by subject, with the withdrawal's
        #: position, until the consent read model has applied it (see ``facts_many``).
        self._withdrawn: dict[str, dict[str, int]] = {}
        app.erased.append(self._forget)
        app.withdrawn.append(self._withdrew)

    # -- reads --------------------------------------------------------------------------

    def facts_many(self, ids: Iterable[str]) -> dict[str, Subject]:
        """Subjects by id, from the read models; unknown ids get a subject with no facts."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        marks = ", ".join(["%s"] * len(wanted))
        pending = [i for i in wanted if i in self._withdrawn]
        with self._gateway.transaction(write=False) as tx:
            # The position first: rows read after it show at least what it says is applied
            # (a batch commits its rows and its position together).
            projected = projection_position(tx, ConsentProjection.name) if pending else 0
            rows = tx.rows(
                "SELECT e.id AS id, e.manager_id AS manager_id, c.purpose AS purpose"
                " FROM {employees} e LEFT JOIN {consents} c ON c.employee_id = e.id"
                f" WHERE e.id IN ({marks})",
                wanted,
            )
        manager_of: dict[str, str | None] = {}
        purposes: dict[str, set[str]] = {}
        for row in rows:
            manager_of[row["id"]] = row["manager_id"]
            if row["purpose"] is not None:
                purposes.setdefault(row["id"], set()).add(row["purpose"])
        for subject in pending:
            held = self._withdrawn.get(subject, {})
            for purpose, position in list(held.items()):
                if position <= projected:  # the read model shows it, and anything later
                    held.pop(purpose, None)
                else:
                    purposes.get(subject, set()).discard(purpose)
            if not held:
                self._withdrawn.pop(subject, None)
        return {i: Subject(i, manager_of.get(i), frozenset(purposes.get(i, ()))) for i in wanted}

    def _withdrew(self, employee_id: UUID, purpose: str, position: int) -> None:
        """A withdrawal this process saved counts for access at once: until the consent
        read model has applied it, reads here leave the purpose out. (A withdrawal saved by
        another process counts once the read model shows it, within the projection lag.)"""
        if position:
            self._withdrawn.setdefault(str(employee_id), {})[purpose] = position

    def subject(self, employee_id: str) -> Subject:
        return self.facts_many([employee_id])[employee_id]

    def standing(self, employee_id: str) -> Standing:
        """Whether the employee may act now (tokens of others are refused at the door).

        Read from the event store, so a person hired a moment ago may act at once and one
        who left or was erased is refused at once; an active answer is kept for
        ``STANDING_SECONDS``, so another process's offboarding takes effect within that.
        """
        if employee_id in self._erased:
            return Standing.ERASED
        cached = self._active.get(employee_id)
        if cached is not None and time.monotonic() - cached < STANDING_SECONDS:
            return Standing.ACTIVE
        try:
            found = self._get(UUID(employee_id))
        except ValueError:
            return Standing.UNKNOWN
        if not isinstance(found, Employee):
            return Standing.UNKNOWN
        ledger = self._get(ConsentLedger.id_for(found.id))
        if isinstance(ledger, ConsentLedger) and ledger.erasure_requested_at is not None:
            self._erased.add(employee_id)
            return Standing.ERASED
        if found.has_left:
            return Standing.LEFT
        self._active[employee_id] = time.monotonic()
        return Standing.ACTIVE

    def standings(self, employee_ids: Iterable[str]) -> dict[str, Standing]:
        """The standing of each employee (open connections are checked in bulk)."""
        return {i: self.standing(i) for i in sorted(set(employee_ids))}

    def owners_of_streams(self, stream_ids: Sequence[str]) -> dict[str, str]:
        """The employee each stream is about, for the streams that are about one."""
        wanted = sorted(set(stream_ids))
        if not wanted:
            return {}
        marks = ", ".join(["%s"] * len(wanted))
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                f"SELECT stream_id, employee_id FROM {{subject_streams}}"
                f" WHERE stream_id IN ({marks})",
                wanted,
            )
        return {row["stream_id"]: row["employee_id"] for row in rows}

    def _forget(self, employee_id: UUID) -> None:
        self._erased.add(str(employee_id))
        self._active.pop(str(employee_id), None)

    # -- the subject of a command ---------------------------------------------------------

    def target(self, kind: TargetKind, aggregate_id: UUID) -> Subject | None:
        """Who a command about this aggregate is about, read from the event store."""
        found = self._get(aggregate_id)
        if kind is TargetKind.ENROLLMENT:
            if not isinstance(found, Enrollment):
                return None
            found = self._get(found.employee_id)
        elif kind is TargetKind.DECISION:
            if not isinstance(found, RecommendationDecision):
                return None
            found = self._get(found.employee_id)
        if not isinstance(found, Employee):
            return None
        manager = None if found.manager_id is None else str(found.manager_id)
        return Subject(str(found.id), manager)

    def owner_of_decision(self, decision_id: UUID) -> str | None:
        found = self._get(decision_id)
        return str(found.employee_id) if isinstance(found, RecommendationDecision) else None

    def _get(self, aggregate_id: UUID) -> Any:
        try:
            return self._app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
