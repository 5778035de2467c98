"""Spaced repetition of completed modules' skills, scheduled by FSRS from quiz results.

Each completed module is a card: completing it is the first review (rated Good), every
later quiz attempt is a review rated from its score. The scheduler says when the skills
should be refreshed next; a module is due once that moment has passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler

from app.projections.features import ModuleFeatures
from app.projections.interactions import InteractionRow, QuizResultRow

#: Day-level scheduling: no minute-long learning steps, no random fuzz (reproducible).
SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


def rating_for(score: int) -> Rating:
    """A quiz score (0-100) as an FSRS rating."""
    if score < 50:
        return Rating.Again
    if score < 70:
        return Rating.Hard
    if score < 90:
        return Rating.Good
    return Rating.Easy


@dataclass(frozen=True)
class ReviewDue:
    module_id: str
    title: str
    skills: list[str]
    due_at: datetime
    last_reviewed_at: datetime
    retrievability: float
    reviews: int


def _utc(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def schedule(completed_at: datetime, quizzes: Sequence[tuple[datetime, int]]) -> tuple[Card, int]:
    """The card after replaying completion and the quizzes since, and how many reviews."""
    card = Card(card_id=1)
    reviews = [(completed_at, Rating.Good)] + [
        (at.astimezone(UTC), rating_for(score)) for at, score in quizzes if at >= completed_at
    ]
    for at, rating in sorted(reviews, key=lambda r: r[0]):
        card, _ = SCHEDULER.review_card(card, rating, at.astimezone(UTC))
    return card, len(reviews)


def reviews_due(
    interactions: Sequence[InteractionRow],
    quizzes: Sequence[QuizResultRow],
    modules: dict[str, ModuleFeatures],
    now: datetime,
) -> list[ReviewDue]:
    """Completed modules whose review is due at ``now``, most overdue first."""
    by_module: dict[str, list[tuple[datetime, int]]] = {}
    for quiz in quizzes:
        by_module.setdefault(quiz.module_id, []).append((_utc(quiz.occurred_at), quiz.score))
    due: list[ReviewDue] = []
    for row in interactions:
        module = modules.get(row.module_id)
        if row.completed_at is None or module is None or module.retired:
            continue
        completed_at = _utc(row.completed_at)
        card, count = schedule(completed_at, by_module.get(row.module_id, []))
        if card.due <= now:
            due.append(
                ReviewDue(
                    module_id=row.module_id,
                    title=module.title,
                    skills=sorted(module.skills),
                    due_at=card.due,
                    last_reviewed_at=card.last_review or completed_at,
                    retrievability=round(SCHEDULER.get_card_retrievability(card, now), 4),
                    reviews=count,
                )
            )
    return sorted(due, key=lambda r: (r.due_at, r.module_id))
