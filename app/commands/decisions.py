"""Commands about recommendation decisions: every served list and its answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from app.aggregates import (
    Actor,
    RecommendationDecision,
)
from app.commands.base import Written
from app.commands.clean_text import check_event_texts
from app.commands.learning import LearningCommands


class DecisionCommands(LearningCommands):
    """Issued recommendations and the human answers to them."""

    def issue_recommendation(
        self,
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
    ) -> Written:
        """Log a served list; the recommender has checked that the employee exists.
        ``inputs``: what it was computed from (app/recommend/inputs.py), hashed on record."""
        decision = RecommendationDecision.issue(
            employee_id=employee_id,
            module_ids=module_ids,
            scores=scores,
            reasons=reasons,
            model_version=model_version,
            consent_basis=consent_basis,
            goal=goal,
            actor=actor,
            inputs=inputs,
            decision_id=decision_id,
            occurred_at=occurred_at,
        )
        # Concurrent lists share a durable commit (app/commands/group_commit.py); the text
        # check of every command (``_store``) still comes first.
        check_event_texts(decision.pending_events)
        position = self.decision_commits.save(decision)
        self.saved(position)
        return Written(position, decision.id)

    def answer_recommendation(
        self, decision_id: UUID, *, module_id: UUID, answer: str, comment: str, actor: Actor,
        occurred_at: datetime | None = None,
    ) -> Written:  # fmt: skip
        """Record the answer to one item; an accepted item is enrolled in the same save."""
        decision = self._load(
            RecommendationDecision, decision_id, "recommendation decision", "decisionId"
        )
        decision.answer(
            module_id=module_id, answer=answer, comment=comment, actor=actor,
            occurred_at=occurred_at,
        )  # fmt: skip
        changed: list[Aggregate] = [decision]
        if answer == "accepted":
            changed.append(
                self._enrolment(decision.employee_id, module_id, "recommendation", decision.id,
                                actor, occurred_at)
            )  # fmt: skip
        position = self._store(
            *changed, conflict="the item was answered or enrolled concurrently", field="itemId"
        )
        return Written(position, decision.id)

    def resolve_recommendation_report(
        self, decision_id: UUID, *, module_id: UUID, note: str, actor: Actor
    ) -> Written:
        """HR closes a WRONG report (with a comment) on one item, with a note."""
        decision = self._load(
            RecommendationDecision, decision_id, "recommendation decision", "decisionId"
        )
        decision.resolve_report(module_id=module_id, note=note, actor=actor)
        position = self._store(decision, conflict="the report was resolved concurrently",
                               field="itemId")  # fmt: skip
        return Written(position, decision.id)
