"""Commands about consent: grants, withdrawals, erasure and self-declared attributes."""

from __future__ import annotations

import contextlib
from datetime import datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from app.aggregates import (
    Actor,
    Conflict,
)
from app.aggregates.base import utc_now
from app.commands.base import CommandBase, Erasure, Written
from app.consent.ledger import ConsentLedger, purpose_name
from app.consent.policy import ConsentState


class ConsentCommands(CommandBase):
    """The consent ledger and crypto-shredding."""

    def _ledger(self, employee_id: UUID) -> ConsentLedger:
        try:
            ledger: ConsentLedger = self.repository.get(ConsentLedger.id_for(employee_id))
        except AggregateNotFoundError:
            return ConsentLedger.open(employee_id)
        assert isinstance(ledger, ConsentLedger)
        return ledger

    def consent_state(self, employee_id: UUID) -> ConsentState:
        """What the employee has granted, read from the event store (never stale)."""
        try:
            ledger: ConsentLedger = self.repository.get(ConsentLedger.id_for(employee_id))
        except AggregateNotFoundError:
            return ConsentState(employee_id, frozenset())
        assert isinstance(ledger, ConsentLedger)
        return ConsentState(employee_id, frozenset(ledger.granted))

    def grant_consent(
        self,
        employee_id: UUID,
        *,
        purpose: str,
        policy_version: str,
        actor: Actor,
        occurred_at: datetime | None = None,
    ) -> Written:
        employee = self.employee(employee_id)
        if employee.has_left:
            raise Conflict(f"employee {employee.id} has left", field="employeeId")
        ledger = self._ledger(employee.id)
        ledger.grant(
            purpose=purpose, policy_version=policy_version, actor=actor, occurred_at=occurred_at
        )
        return Written(self._store(ledger), employee.id)

    def withdraw_consent(
        self, employee_id: UUID, *, purpose: str, actor: Actor, occurred_at: datetime | None = None
    ) -> Written:
        employee = self.employee(employee_id)
        ledger = self._ledger(employee.id)
        ledger.withdraw(purpose=purpose, actor=actor, occurred_at=occurred_at)
        written = Written(self._store(ledger), employee.id)
        for listener in self.withdrawn:
            listener(employee.id, purpose_name(purpose), written.position)
        return written

    def request_erasure(self, employee_id: UUID, *, actor: Actor) -> Erasure:
        """Crypto-shred the employee: withdraw every purpose, delete their data key.

        Two saves on purpose: the request is on record before the key goes, so a crash in
        between is finished by asking again. Erasing an erased employee changes nothing.
        """
        employee = self.employee(employee_id)
        ledger = self._ledger(employee.id)
        if ledger.erased_at is not None:
            return Erasure(self.last_position(), employee.id, ledger.erased_at, True)
        if ledger.erasure_requested_at is None:
            ledger.request_erasure(actor=actor)
            self._store(ledger)
        deleted = self.subject_keys.erase(str(employee.id), at=utc_now())
        ledger.record_erased(erased_at=deleted.erased_at, actor=actor)
        position = self._store(ledger)
        if self.repository.cache is not None:
            # The cached aggregate still holds the decrypted name and email.
            with contextlib.suppress(KeyError):
                self.repository.cache.get(employee.id, evict=True)
        for listener in self.erased:
            listener(employee.id)
        return Erasure(position, employee.id, deleted.erased_at, False)

    def declare_attributes(
        self, employee_id: UUID, *, gender: str, age_band: str, actor: Actor
    ) -> Written:
        """Store self-declared attributes, only with fairness_audit consent."""
        employee = self.employee(employee_id)
        if not self.policy.may_use_fairness_attributes(employee.id):
            raise Conflict(
                "fairness_audit consent is required before attributes can be declared",
                field="employeeId",
            )
        employee.declare_attributes(gender=gender, age_band=age_band, actor=actor)
        return Written(self._store(employee), employee.id)
