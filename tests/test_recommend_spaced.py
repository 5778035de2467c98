"""Spaced repetition: FSRS schedules refreshers of completed modules from quiz results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fsrs import Rating

from app.recommend.spaced import rating_for, schedule

COMPLETED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_quiz_scores_map_to_fsrs_ratings() -> None:
    assert [rating_for(s) for s in (10, 55, 80, 95)] == [
        Rating.Again, Rating.Hard, Rating.Good, Rating.Easy]  # fmt: skip


def test_a_low_quiz_score_brings_the_next_review_forward() -> None:
    later = COMPLETED + timedelta(days=2)
    low, _ = schedule(COMPLETED, [(later, 20)])
    high, _ = schedule(COMPLETED, [(later, 95)])
    assert low.due < high.due


def test_quizzes_before_completion_do_not_count_as_reviews() -> None:
    card, reviews = schedule(COMPLETED, [(COMPLETED - timedelta(days=1), 10)])
    assert reviews == 1
    assert card.last_review == COMPLETED
