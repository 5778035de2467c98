"""Each KPI's formula, defined once, over plain values the read models hand in."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

#: Days within which enrolling in a recommended module counts as accepting it.
ACCEPTANCE_DAYS = 14
#: eNPS bands of a 0-10 answer.
PROMOTER_MIN, DETRACTOR_MAX = 9, 6


@dataclass(frozen=True)
class Figure:
    """One KPI value with what it was computed from.

    ``value`` is ``None`` when there is nothing to measure (an empty denominator) or when
    the figure is suppressed because fewer than k people contribute to it.
    """

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    #: Distinct people the figure rests on; ``None`` where no person is involved (ROI).
    people: int | None = None
    suppressed: bool = False


EMPTY = Figure(None, people=0)


def ratio(numerator: float, denominator: float, people: int | None) -> Figure:
    value = numerator / denominator if denominator else None
    return Figure(_round(value), numerator, denominator, people)


def percentage(numerator: float, denominator: float, people: int | None) -> Figure:
    value = 100.0 * numerator / denominator if denominator else None
    return Figure(_round(value), numerator, denominator, people)


def median(values: Sequence[float]) -> float | None:
    return _round(statistics.median(values)) if values else None


def mean(values: Sequence[float]) -> float | None:
    return _round(statistics.fmean(values)) if values else None


def median_figure(values: Sequence[float], people: int) -> Figure:
    return Figure(median(values), None, float(len(values)), people)


def mean_figure(values: Sequence[float], people: int) -> Figure:
    return Figure(mean(values), None, float(len(values)), people)


def completion_rate(completed: int, enrolled: int, people: int) -> Figure:
    """Completed / enrolled, over enrolments started in the window."""
    return ratio(completed, enrolled, people)


def enps(scores: Sequence[int], people: int) -> Figure:
    """% promoters (9-10) minus % detractors (0-6) of the answers."""
    if not scores:
        return Figure(None, None, 0.0, people)
    promoters = sum(1 for s in scores if s >= PROMOTER_MIN)
    detractors = sum(1 for s in scores if s <= DETRACTOR_MAX)
    value = 100.0 * (promoters - detractors) / len(scores)
    return Figure(_round(value), float(promoters - detractors), float(len(scores)), people)


def internal_hiring_share(moves: int, hires: int, people: int) -> Figure:
    """Internal moves / (internal moves + external hires)."""
    return ratio(moves, moves + hires, people)


def roi_percent(benefit: float, cost: float) -> Figure:
    """(benefit - cost) / cost x 100; undefined without costs."""
    value = 100.0 * (benefit - cost) / cost if cost else None
    return Figure(_round(value), _round(benefit - cost), _round(cost), None)


def suppress(figure: Figure | None, min_people: int) -> Figure | None:
    """Hide a figure resting on fewer than ``min_people`` people (works-council rule)."""
    if figure is None or figure.people is None or figure.people == 0:
        return figure
    if figure.people >= min_people:
        return figure
    return replace(
        figure, value=None, numerator=None, denominator=None, people=None, suppressed=True
    )


@dataclass(frozen=True)
class Bucket:
    """How many values fall in ``[start, start + width)``."""

    start: float
    count: int


def distribution(values: Iterable[float], width: float) -> list[Bucket]:
    """A histogram of ``values`` in buckets of ``width``, empty buckets included."""
    counts: dict[int, int] = {}
    for value in values:
        index = int(value // width)
        counts[index] = counts.get(index, 0) + 1
    if not counts:
        return []
    return [Bucket(i * width, counts.get(i, 0)) for i in range(max(counts) + 1)]


def _round(value: float | None) -> float | None:
    # Rounding keeps figures identical across engines and replays (float sums differ
    # in the last bits depending on summation order).
    return None if value is None else round(value, 4)
