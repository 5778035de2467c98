"""The consent ledger of one employee: every grant and withdrawal, per purpose, as events.

Nothing is granted by default. A withdrawal takes effect from the moment it is recorded.
The ledger also records the employee's erasure: the request (which withdraws every purpose)
and the moment their data key was deleted.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from app.aggregates import base
from app.aggregates.base import Actor
from app.aggregates.errors import Conflict, ValidationFailed

PURPOSES: dict[str, str] = {
    "personalisation": "profile and history feed the employee's recommendations and the model",
    "activity_tracking": "fine-grained learning signals (minutes, positions, pauses) are stored",
    "profile_sharing": "manager and HR see the skill profile; mobility and mentor matching use it",
    "benefits": "life-phase data is used for benefit suggestions",
    "fairness_audit": "self-declared attributes are used only inside aggregate bias reports",
}

LEDGER_NAMESPACE = UUID("9a3e5f0c-1b7d-4e2a-8c61-d4f2a7b9e305")


def purpose_name(value: str) -> str:
    value = value.strip().lower()
    if value not in PURPOSES:
        raise ValidationFailed("purpose", f"must be one of {', '.join(PURPOSES)}")
    return value


class ConsentLedger(Aggregate):
    """All consent decisions of one employee; its id is derived from the employee id."""

    class Opened(Aggregate.Created):
        employee_id: UUID

    class Granted(Aggregate.Event):
        purpose: str
        policy_version: str
        occurred_at: datetime
        actor: Actor

    class Withdrawn(Aggregate.Event):
        purpose: str
        occurred_at: datetime
        actor: Actor

    class ErasureRequested(Aggregate.Event):
        occurred_at: datetime
        actor: Actor

    class Erased(Aggregate.Event):
        """The employee's data key was deleted: their personal fields can never be read."""

        occurred_at: datetime
        actor: Actor

    @event(Opened)
    def __init__(self, employee_id: UUID) -> None:
        self.employee_id = employee_id
        self.granted: dict[str, str] = {}
        self.erasure_requested_at: datetime | None = None
        self.erased_at: datetime | None = None

    @staticmethod
    def id_for(employee_id: UUID) -> UUID:
        return uuid5(LEDGER_NAMESPACE, str(employee_id))

    @classmethod
    def open(cls, employee_id: UUID) -> ConsentLedger:
        return cls._create(cls.Opened, id=cls.id_for(employee_id), employee_id=employee_id)

    def allows(self, purpose: str) -> bool:
        return purpose in self.granted

    def grant(
        self, *, purpose: str, policy_version: str, actor: Actor, occurred_at: datetime | None
    ) -> None:
        purpose = purpose_name(purpose)
        version = base.text(policy_version, "policyVersion", max_length=40)
        if self.erasure_requested_at is not None:
            raise Conflict("the employee's data is erased; nothing can be granted", "employeeId")
        if self.granted.get(purpose) == version:
            raise Conflict(f"{purpose} is already granted under policy {version}", "purpose")
        self._granted(
            purpose=purpose,
            policy_version=version,
            occurred_at=base.business_time(occurred_at, "occurredAt"),
            actor=actor,
        )

    @event(Granted)
    def _granted(
        self, purpose: str, policy_version: str, occurred_at: datetime, actor: Actor
    ) -> None:
        self.granted[purpose] = policy_version

    def withdraw(self, *, purpose: str, actor: Actor, occurred_at: datetime | None) -> None:
        purpose = purpose_name(purpose)
        if purpose not in self.granted:
            raise Conflict(f"{purpose} is not granted", "purpose")
        self._withdrawn(
            purpose=purpose, occurred_at=base.business_time(occurred_at, "occurredAt"), actor=actor
        )

    @event(Withdrawn)
    def _withdrawn(self, purpose: str, occurred_at: datetime, actor: Actor) -> None:
        del self.granted[purpose]

    def request_erasure(self, *, actor: Actor) -> None:
        """Withdraw every purpose and record the request, before the key is deleted."""
        if self.erasure_requested_at is not None:
            raise Conflict("erasure was already requested", "employeeId")
        now = base.utc_now()
        for purpose in sorted(self.granted):
            self._withdrawn(purpose=purpose, occurred_at=now, actor=actor)
        self._erasure_requested(occurred_at=now, actor=actor)

    @event(ErasureRequested)
    def _erasure_requested(self, occurred_at: datetime, actor: Actor) -> None:
        self.erasure_requested_at = occurred_at

    def record_erased(self, *, erased_at: datetime, actor: Actor) -> None:
        """The subject's key is gone (the caller deleted it at ``erased_at``)."""
        if self.erasure_requested_at is None:
            raise Conflict("erasure was not requested", "employeeId")
        if self.erased_at is not None:
            raise Conflict(f"already erased at {self.erased_at.isoformat()}", "employeeId")
        self._erased(occurred_at=erased_at, actor=actor)

    @event(Erased)
    def _erased(self, occurred_at: datetime, actor: Actor) -> None:
        self.erased_at = occurred_at
