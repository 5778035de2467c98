"""KPIs of two groups of people over the same window, with bootstrap confidence intervals.

Each KPI is a ratio of sums over people (completed / enrolled, hours / people, ...) or the
median of one value per person, exactly as the KPI report defines it; the interval comes
from resampling people, not events, since people are what is compared. Ratio KPIs share one
matrix of Poisson bootstrap weights (each person drawn Poisson(1) times per replicate), so
every KPI of a group costs one matrix product; the seed is fixed per comparison, so the same
question always gets the same interval.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

REPLICATES = 500
LEVEL = 0.95


@dataclass(frozen=True)
class PersonValues:
    """One KPI's contribution of each person of a group: numerators and denominators of a
    ratio KPI, or the values of a median KPI (people without one are left out)."""

    numerators: Sequence[float] | np.ndarray = ()
    denominators: Sequence[float] | np.ndarray = ()
    values: Sequence[float] = ()
    median: bool = False
    scale: float = 1.0


@dataclass(frozen=True)
class Estimate:
    value: float | None
    low: float | None
    high: float | None
    people: int
    #: The bootstrap replicates, kept to compare two groups; empty without a value.
    samples: tuple[float, ...] = ()


def estimate(kpi: PersonValues, seed: int, weights: np.ndarray | None = None) -> Estimate:
    if kpi.median:
        return _median(kpi, seed)
    num = np.asarray(kpi.numerators, dtype=float)
    den = np.asarray(kpi.denominators, dtype=float)
    people = int(np.count_nonzero(den))
    if not den.sum():
        return Estimate(None, None, None, people)
    value = kpi.scale * float(num.sum() / den.sum())
    w = weights if weights is not None else poisson_weights(len(num), seed)
    both = w @ np.stack([num, den], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = kpi.scale * both[:, 0] / both[:, 1]
    ratios = ratios[np.isfinite(ratios)]
    return _interval(value, ratios, people)


@functools.lru_cache(maxsize=4)
def poisson_weights(people: int, seed: int) -> np.ndarray:
    """How often each person is drawn in each replicate (replicates x people).

    The seed is fixed per question, so the matrix is too: the last few are kept (read
    only), and asking the same comparison again skips the draws, the costliest step."""
    rng = np.random.default_rng(seed)
    weights = rng.poisson(1.0, size=(REPLICATES, people)).astype(np.float32)
    weights.flags.writeable = False
    return weights


def _median(kpi: PersonValues, seed: int) -> Estimate:
    values = np.asarray(kpi.values, dtype=float)
    if not len(values):
        return Estimate(None, None, None, 0)
    rng = np.random.default_rng(seed)
    drawn = values[rng.integers(0, len(values), size=(REPLICATES, len(values)))]
    return _interval(float(np.median(values)), np.median(drawn, axis=1), len(values))


def _interval(value: float, replicates: np.ndarray, people: int) -> Estimate:
    if not len(replicates):
        return Estimate(round(value, 4), None, None, people)
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(replicates, [tail, 100 - tail])
    return Estimate(
        round(value, 4), round(float(low), 4), round(float(high), 4), people,
        tuple(float(x) for x in replicates),
    )  # fmt: skip


def difference(a: Estimate, b: Estimate) -> Estimate | None:
    """a minus b, with the interval of the difference of independent replicates."""
    if a.value is None or b.value is None:
        return None
    size = min(len(a.samples), len(b.samples))
    value = a.value - b.value
    if not size:
        return Estimate(round(value, 4), None, None, a.people + b.people)
    diffs = np.asarray(a.samples[:size]) - np.asarray(b.samples[:size])
    found = _interval(value, diffs, a.people + b.people)
    return Estimate(found.value, found.low, found.high, found.people)


def estimates(kpis: Mapping[str, PersonValues], people: int, seed: int) -> dict[str, Estimate]:
    """Every KPI of one group, the ratio KPIs sharing one weight matrix."""
    weights = poisson_weights(people, seed) if people else None
    return {name: estimate(kpi, seed, weights) for name, kpi in kpis.items()}
