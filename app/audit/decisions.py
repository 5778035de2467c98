"""Checking a recorded decision: recompute the hash of its inputs and compare.

A served list records what it was computed from and a hash of that
(``RecommendationIssued.inputs`` and ``inputs_hash``, app/aggregates/decision.py). The
check reads the event back from the store (decrypting the inputs with the subject's key),
hashes the inputs again the way they were hashed when recorded, and says whether the two
agree. With the inputs in hand an auditor can replay the ranking (docs/trust.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from app.aggregates import NotFound, RecommendationDecision
from app.aggregates.decision import inputs_digest
from app.application import Skillpath

#: ``matches``: the recorded inputs hash to the recorded hash. ``differs``: they do not
#: (the inputs or the hash were changed after the fact). ``not_recorded``: the list was
#: issued before inputs were recorded. ``unreadable``: the inputs cannot be read (the
#: subject was erased), so only the recorded hash remains.
Outcome = Literal["matches", "differs", "not_recorded", "unreadable"]


@dataclass(frozen=True)
class DecisionCheck:
    decision_id: UUID
    outcome: Outcome
    recorded_hash: str | None
    recomputed_hash: str | None
    #: The recorded inputs, for a replay ({} when there are none to read).
    inputs: dict[str, Any]
    model_version: str | None

    @property
    def matches(self) -> bool:
        return self.outcome == "matches"


def check_decision(app: Skillpath, decision_id: UUID) -> DecisionCheck:
    """Recompute the hash of a stored decision's recorded inputs and compare."""
    try:
        issued = next(iter(app.events.get(decision_id)))
    except (StopIteration, AggregateNotFoundError):
        raise NotFound("recommendation decision", str(decision_id), "decisionId") from None
    if not isinstance(issued, RecommendationDecision.RecommendationIssued):
        raise NotFound("recommendation decision", str(decision_id), "decisionId")
    recorded = issued.inputs_hash or None
    inputs = issued.inputs
    if recorded is None:
        return DecisionCheck(decision_id, "not_recorded", None, None, {}, issued.model_version)
    if not inputs:  # an erased (or altered) dict field reads back as {}
        return DecisionCheck(decision_id, "unreadable", recorded, None, {}, issued.model_version)
    recomputed = inputs_digest(inputs)
    outcome: Outcome = "matches" if recomputed == recorded else "differs"
    return DecisionCheck(decision_id, outcome, recorded, recomputed, inputs, issued.model_version)
