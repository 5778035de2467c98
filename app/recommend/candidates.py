"""Candidate generation: the few items worth re-ranking for each person.

Scoring every signal for every module of a large catalogue is wasted work when a list has
ten places: the items a person might open next are almost always near the top of at least
one signal (what the model predicts, what the cohort has just started, what peers took up).
The union of each signal's top ``per_signal`` eligible items is the pool the blend ranks.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def top_per_row(scores: np.ndarray, eligible: np.ndarray, count: int) -> np.ndarray:
    """Boolean mask of each row's ``count`` highest eligible entries (ties broken by index)."""
    masked = np.where(eligible, scores.astype(np.float64), -np.inf)
    chosen = np.zeros(eligible.shape, dtype=bool)
    if count <= 0 or not masked.size:
        return chosen
    if count >= masked.shape[1]:
        return eligible.copy()
    best = np.argpartition(-masked, count - 1, axis=1)[:, :count]
    np.put_along_axis(chosen, best, True, axis=1)
    result: np.ndarray = chosen & eligible
    return result


def candidate_pool(
    signals: Mapping[str, np.ndarray], eligible: np.ndarray, per_signal: int
) -> np.ndarray:
    """Eligible items in the top ``per_signal`` of any signal, per row.

    A signal that is constant along a row (a cohort signal for a cohort with no activity)
    adds no candidates of its own, rather than an arbitrary ``per_signal`` of them.
    """
    pool = np.zeros(eligible.shape, dtype=bool)
    for values in signals.values():
        highest = np.where(eligible, values, -np.inf).max(axis=1, initial=-np.inf)
        lowest = np.where(eligible, values, np.inf).min(axis=1, initial=np.inf)
        informative = highest > lowest
        pool |= top_per_row(values, eligible, per_signal) & informative[:, None]
    empty = ~pool.any(axis=1)
    pool[empty] = eligible[empty]
    return pool
