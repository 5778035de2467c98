"""Offline ranking metrics: precision@k, recall@k, NDCG@k and catalogue coverage.

Every function takes top-k lists (item indices, best first) and the relevant items of the
same users, so baselines and models are measured by the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def top_k(scores: np.ndarray, k: int, exclude: Sequence[set[int]] | None = None) -> np.ndarray:
    """The k best item indices per row of ``scores``, leaving out ``exclude`` per row."""
    scores = np.array(scores, dtype=np.float64, copy=True)
    if exclude is not None:
        for row, items in enumerate(exclude):
            if items:
                scores[row, list(items)] = -np.inf
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.take_along_axis(scores, part, axis=1).argsort(axis=1)[:, ::-1]
    return np.take_along_axis(part, order, axis=1)


@dataclass(frozen=True)
class RankingMetrics:
    precision: float
    recall: float
    ndcg: float
    coverage: float
    users: int

    def as_row(self) -> tuple[float, float, float, float]:
        return (self.precision, self.recall, self.ndcg, self.coverage)


def ranking_metrics(
    lists: np.ndarray, relevant: Sequence[set[int]], k: int, catalogue_size: int
) -> RankingMetrics:
    """Mean precision/recall/NDCG@k over users with something relevant, and coverage."""
    precisions, recalls, ndcgs = [], [], []
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    for ranked, wanted in zip(lists, relevant, strict=True):
        if not wanted:
            continue
        hits = np.fromiter(
            (item in wanted for item in ranked[:k]), dtype=bool, count=len(ranked[:k])
        )
        precisions.append(hits.sum() / k)
        recalls.append(hits.sum() / len(wanted))
        ideal = discounts[: min(len(wanted), k)].sum()
        ndcgs.append(float((discounts[: len(hits)] * hits).sum() / ideal))
    shown = {int(i) for ranked in lists for i in ranked[:k]}
    return RankingMetrics(
        precision=float(np.mean(precisions)) if precisions else 0.0,
        recall=float(np.mean(recalls)) if recalls else 0.0,
        ndcg=float(np.mean(ndcgs)) if ndcgs else 0.0,
        coverage=len(shown) / catalogue_size if catalogue_size else 0.0,
        users=len(precisions),
    )


def precision_at_k(scores: np.ndarray, relevant: Sequence[set[int]], k: int) -> float:
    return ranking_metrics(top_k(scores, k), relevant, k, scores.shape[1]).precision


class SealedLabels:
    """Test labels that can be read once: every choice must be made before they are seen.

    An evaluation holds the test split's relevant items sealed while it tunes on
    validation splits; ``open()`` hands them over a single time, so a second look (to
    re-tune, or to pick the better of two runs) fails loudly instead of leaking.
    """

    def __init__(self, relevant: Sequence[set[int]]) -> None:
        self._relevant: list[set[int]] | None = [set(r) for r in relevant]

    @property
    def opened(self) -> bool:
        return self._relevant is None

    def open(self) -> list[set[int]]:
        if self._relevant is None:
            raise RuntimeError("the test labels were already read once")
        relevant, self._relevant = self._relevant, None
        return relevant
