"""The decisions log: every recommendation list served, and what the employee made of it.

A served list is an aggregate of its own, so an auditor can replay exactly what the
recommender proposed (items, scores, model version, reasons, consent basis) and how each
proposal was answered. Module ids and scores are plain; the reasons and comments talk
about the person (skill levels, history) and are declared personal data of the employee.

Each list also records what it was computed from (``inputs``: the features, consent state,
model version and rule settings) and a hash of them (``inputs_hash``, see
:func:`inputs_digest`), so an auditor can recompute the hash from the recorded inputs and
compare, and replay the ranking from them. The inputs are personal and sealed; a random
``nonce`` among them makes the hash, which stays readable, useless for testing guesses
about an erased person's features.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from app.aggregates import base
from app.aggregates.base import Actor, PersonalData
from app.aggregates.errors import Conflict, ValidationFailed

ANSWERS = ("accepted", "dismissed", "wrong")
#: How a list was made: from a personal model, from the role only (no personalisation
#: consent), or from role and popularity because no model has been trained yet.
BASES = ("personalised", "role_based", "popularity")
#: Hashed before the inputs, so that a later change of what is recorded cannot collide.
INPUTS_LABEL = b"skillpath decision inputs v1\n"


def inputs_digest(inputs: dict[str, Any]) -> str:
    """SHA-256 (hex) of the label and the inputs as canonical JSON: keys sorted, no spaces
    (``separators=(",", ":")``), non-ASCII characters as they are, UTF-8."""
    canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(INPUTS_LABEL + canonical.encode()).hexdigest()


class RecommendationDecision(Aggregate):
    """One list of recommendations served to one employee, and the answers to its items."""

    class RecommendationIssued(Aggregate.Created, PersonalData):
        personal_fields: ClassVar[frozenset[str]] = frozenset({"reasons", "goal", "inputs"})
        subject_field: ClassVar[str | None] = "employee_id"
        class_version: ClassVar[int] = 2
        employee_id: UUID
        module_ids: list[UUID]
        scores: list[float]
        reasons: list[list[dict[str, Any]]]
        model_version: str | None
        consent_basis: str
        goal: str | None
        occurred_at: datetime
        actor: Actor
        #: What the list was computed from ({} when not recorded, or once erased).
        inputs: dict[str, Any]
        #: ``inputs_digest(inputs)`` at issue time; "" for lists issued before it existed.
        inputs_hash: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Lists issued before inputs were recorded: none, and no hash."""
            state["inputs"] = {}
            state["inputs_hash"] = ""

    class RecommendationAnswered(Aggregate.Event, PersonalData):
        personal_fields: ClassVar[frozenset[str]] = frozenset({"comment"})
        subject_field: ClassVar[str | None] = "employee_id"
        employee_id: UUID
        module_id: UUID
        answer: str
        comment: str
        occurred_at: datetime
        actor: Actor

    class ReportResolved(Aggregate.Event, PersonalData):
        """HR reviewed a WRONG report with a comment and closed it with a note."""

        personal_fields: ClassVar[frozenset[str]] = frozenset({"note"})
        subject_field: ClassVar[str | None] = "employee_id"
        employee_id: UUID
        module_id: UUID
        note: str
        occurred_at: datetime
        actor: Actor

    @event(RecommendationIssued)
    def __init__(
        self,
        employee_id: UUID,
        module_ids: list[UUID],
        scores: list[float],
        reasons: list[list[dict[str, Any]]],
        model_version: str | None,
        consent_basis: str,
        goal: str | None,
        occurred_at: datetime,
        actor: Actor,
        inputs: dict[str, Any],
        inputs_hash: str,
    ) -> None:
        self.employee_id = employee_id
        self.module_ids = module_ids
        self.model_version = model_version
        self.inputs_hash = inputs_hash
        self.answers: dict[UUID, str] = {}
        #: WRONG reports with a comment (HR's review queue): module -> resolved yet.
        self.reports: dict[UUID, bool] = {}

    @classmethod
    def issue(
        cls,
        *,
        employee_id: UUID,
        module_ids: list[UUID],
        scores: list[float],
        reasons: list[list[dict[str, Any]]],
        model_version: str | None,
        consent_basis: str,
        goal: str | None,
        actor: Actor,
        inputs: dict[str, Any] | None = None,
        decision_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> RecommendationDecision:
        """Log a served list; ``inputs`` (JSON-ready) are recorded with their hash, and a
        fresh nonce is added to them first. ``decision_id`` and ``occurred_at`` are for
        history brought in after the fact (the demo, imports); served lists take neither."""
        if not len(module_ids) == len(scores) == len(reasons):
            raise ValueError("module_ids, scores and reasons must line up")
        if len(set(module_ids)) != len(module_ids):
            raise ValueError("a module is listed twice")
        base.one_of(consent_basis, "consentBasis", BASES)
        recorded: dict[str, Any] = {}
        if inputs is not None:
            if "nonce" in inputs:
                raise ValueError("the nonce is added here, not by the caller")
            recorded = {**inputs, "nonce": secrets.token_hex(16)}
        return cls._create(
            cls.RecommendationIssued,
            id=decision_id or uuid4(),
            employee_id=employee_id,
            module_ids=module_ids,
            scores=[round(float(s), 6) for s in scores],
            reasons=reasons,
            model_version=model_version,
            consent_basis=consent_basis,
            goal=goal,
            occurred_at=base.business_time(occurred_at, "occurredAt"),
            actor=actor,
            inputs=recorded,
            inputs_hash=inputs_digest(recorded) if recorded else "",
        )

    def answer(
        self, *, module_id: UUID, answer: str, comment: str, actor: Actor,
        occurred_at: datetime | None = None,
    ) -> None:  # fmt: skip
        """Record the employee's answer to one item of the list; each item is answered once."""
        if module_id not in self.module_ids:
            raise ValidationFailed("itemId", "is not an item of this recommendation")
        base.one_of(answer, "answer", ANSWERS)
        if module_id in self.answers:
            raise Conflict(
                f"this item was already answered ({self.answers[module_id]})", field="itemId"
            )
        self._answered(
            employee_id=self.employee_id,
            module_id=module_id,
            answer=answer,
            comment=base.text(comment, "comment", base.MAX_LONG_TEXT, required=False),
            occurred_at=base.business_time(occurred_at, "occurredAt"),
            actor=actor,
        )

    @event(RecommendationAnswered)
    def _answered(
        self,
        employee_id: UUID,
        module_id: UUID,
        answer: str,
        comment: str,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        self.answers[module_id] = answer
        if answer == "wrong" and comment:
            self.reports[module_id] = False

    def resolve_report(self, *, module_id: UUID, note: str, actor: Actor) -> None:
        """Close the WRONG report on one item with HR's note; each report is resolved once."""
        if module_id not in self.reports:
            raise ValidationFailed(
                "itemId", "was not reported as wrong with a comment on this recommendation"
            )
        if self.reports[module_id]:
            raise Conflict("this report was already resolved", field="itemId")
        self._report_resolved(
            employee_id=self.employee_id,
            module_id=module_id,
            note=base.text(note, "note", base.MAX_LONG_TEXT, required=True),
            occurred_at=base.utc_now(),
            actor=actor,
        )

    @event(ReportResolved)
    def _report_resolved(
        self, employee_id: UUID, module_id: UUID, note: str, occurred_at: datetime, actor: Actor
    ) -> None:
        self.reports[module_id] = True
