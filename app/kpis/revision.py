"""When a module needs revision: ratings or sentiment falling, or learners leaving early.

Each rule looks at one module's recent feedback and drops and returns a finding with the
figures behind it; the revision policy turns a new finding into ``FlaggedForRevision``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.kpis.figures import mean, median

RECENT_DAYS = 30
DROP_DAYS = 90
#: No rule fires on fewer observations than this: one angry learner is not a trend.
MIN_SAMPLE = 5
RATING_LOW, RATING_FALL = 2.5, 1.0
SENTIMENT_LOW, SENTIMENT_FALL = -0.3, 0.4
#: Dropping within the first quarter of a module's length counts as early.
EARLY_SHARE = 0.25

RATING_FELL, SENTIMENT_FELL, EARLY_DROP_OFF = "rating_fell", "sentiment_fell", "early_drop_off"
RULES = (RATING_FELL, SENTIMENT_FELL, EARLY_DROP_OFF)


@dataclass(frozen=True)
class Feedback:
    day: date
    rating: int
    sentiment: float | None


@dataclass(frozen=True)
class Drop:
    day: date
    position_minutes: float


@dataclass(frozen=True)
class Finding:
    """A rule that fired: ``reason`` starts with the rule's name, ``figures`` back it up."""

    rule: str
    reason: str
    figures: dict[str, float]


def rule_of(reason: str) -> str | None:
    """The rule a flag's reason was written by, or ``None`` for a flag set by hand."""
    name = reason.split(":", 1)[0].strip()
    return name if name in RULES else None


def _split(values: Sequence[tuple[date, float]], today: date) -> tuple[list[float], list[float]]:
    since = today - timedelta(days=RECENT_DAYS - 1)
    recent = [v for d, v in values if d >= since]
    earlier = [v for d, v in values if d < since]
    return recent, earlier


def _fell(
    rule: str,
    what: str,
    values: Sequence[tuple[date, float]],
    today: date,
    low: float,
    fall: float,
) -> Finding | None:
    recent, earlier = _split(values, today)
    recent_mean = mean(recent)
    if len(recent) < MIN_SAMPLE or recent_mean is None:
        return None
    figures = {"recent": recent_mean, "recentCount": float(len(recent))}
    earlier_mean = mean(earlier) if len(earlier) >= MIN_SAMPLE else None
    if earlier_mean is not None:
        figures.update(earlier=earlier_mean, earlierCount=float(len(earlier)))
        if recent_mean <= earlier_mean - fall:
            reason = f"{rule}: recent {what} {recent_mean:g} fell from {earlier_mean:g}"
            return Finding(rule, f"{reason} over the last {RECENT_DAYS} days", figures)
    if recent_mean <= low:
        reason = f"{rule}: recent {what} {recent_mean:g} is at or below {low:g}"
        return Finding(rule, f"{reason} over the last {RECENT_DAYS} days", figures)
    return None


def early_drop_off(drops: Sequence[Drop], module_minutes: int, today: date) -> Finding | None:
    since = today - timedelta(days=DROP_DAYS - 1)
    positions = [d.position_minutes for d in drops if d.day >= since]
    middle = median(positions)
    if len(positions) < MIN_SAMPLE or middle is None or module_minutes <= 0:
        return None
    share = middle / module_minutes
    if share > EARLY_SHARE:
        return None
    figures = {
        "medianDropMinutes": middle,
        "moduleMinutes": float(module_minutes),
        "drops": float(len(positions)),
    }
    return Finding(
        EARLY_DROP_OFF,
        f"{EARLY_DROP_OFF}: half of the learners who gave up left by"
        f" minute {middle:g} of {module_minutes}",
        figures,
    )


def findings(
    feedback: Sequence[Feedback], drops: Sequence[Drop], module_minutes: int, today: date
) -> list[Finding]:
    """Every rule that fires for one module as of ``today``."""
    ratings = [(f.day, float(f.rating)) for f in feedback]
    moods = [(f.day, f.sentiment) for f in feedback if f.sentiment is not None]
    found = [
        _fell(RATING_FELL, "average rating", ratings, today, RATING_LOW, RATING_FALL),
        _fell(SENTIMENT_FELL, "feedback sentiment", moods, today, SENTIMENT_LOW, SENTIMENT_FALL),
        early_drop_off(drops, module_minutes, today),
    ]
    return [f for f in found if f is not None]
