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
import math
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
    # Inverse-CDF draws of Poisson(1) from float32 uniforms: a few times faster than
    # numpy's Poisson sampler at these sizes, and exact up to the cut at 12 (P > 12 ~ 1e-10).
    uniforms = rng.random(size=(REPLICATES, people), dtype=np.float32)
    drawn = np.zeros(uniforms.shape, dtype=np.uint8)
    for bound in _POISSON_CDF:
        drawn += uniforms > bound  # k = how many of the CDF's steps the draw passed
    weights = drawn.astype(np.float32)
    weights.flags.writeable = False
    return weights


_POISSON_CDF = np.cumsum(
    [math.exp(-1.0) / math.factorial(k) for k in range(12)], dtype=np.float64
).astype(np.float32)


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
    """Every KPI of one group: the ratio KPIs share one weight matrix and one product."""
    found: dict[str, Estimate] = {}
    ratios = [name for name, kpi in kpis.items() if not kpi.median]
    if people and ratios:
        columns = np.stack(
            [np.asarray(part, dtype=np.float32) for name in ratios
             for part in (kpis[name].numerators, kpis[name].denominators)], axis=1,
        )  # fmt: skip
        both = poisson_weights(people, seed) @ columns  # replicates x (2 per KPI)
        for i, name in enumerate(ratios):
            found[name] = _ratio(kpis[name], both[:, 2 * i], both[:, 2 * i + 1])
    for name, kpi in kpis.items():
        if name not in found:
            found[name] = estimate(kpi, seed)
    return {name: found[name] for name in kpis}


def _ratio(kpi: PersonValues, numerators: np.ndarray, denominators: np.ndarray) -> Estimate:
    num = np.asarray(kpi.numerators, dtype=float)
    den = np.asarray(kpi.denominators, dtype=float)
    people = int(np.count_nonzero(den))
    if not den.sum():
        return Estimate(None, None, None, people)
    value = kpi.scale * float(num.sum() / den.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = kpi.scale * numerators.astype(float) / denominators.astype(float)
    return _interval(value, ratios[np.isfinite(ratios)], people)
