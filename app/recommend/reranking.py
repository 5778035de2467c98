"""Re-ranking: a weighted sum of standardised signals, and what each contributed.

Signals live on different scales (a LightFM score, a hazard, a count), so each is turned
into standard deviations over the items a person may be shown before it is weighted. The
final score is then a plain sum, which is what lets a reason name the signal that moved an
item most, with its share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

#: Signals may be compressed before standardising: counts and hazards are heavy-tailed.
TRANSFORMS = ("identity", "log")


def standardised(raw: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Per row: (value - mean) / std over the eligible entries; ineligible entries are 0.

    A row whose eligible values are all equal says nothing and becomes all zeros.
    """
    values = np.where(eligible, raw, np.nan).astype(np.float64)
    counts = eligible.sum(axis=1, keepdims=True)
    safe = np.where(counts > 0, counts, 1)
    mean = np.nansum(values, axis=1, keepdims=True) / safe
    spread = np.sqrt(np.nansum((values - mean) ** 2, axis=1, keepdims=True) / safe)
    spread = np.where(spread > 0, spread, np.inf)
    result: np.ndarray = np.where(eligible, (np.nan_to_num(values) - mean) / spread, 0.0)
    return result


def compress(raw: np.ndarray, transform: str) -> np.ndarray:
    """``log``: log1p of a non-negative signal scaled to its largest value, so rare
    spikes do not flatten everything else; ``identity`` leaves it alone."""
    if transform == "identity":
        return raw
    if transform != "log":
        raise ValueError(f"unknown transform {transform!r}; one of {TRANSFORMS}")
    top = float(np.max(raw)) if raw.size else 0.0
    result: np.ndarray = np.log1p(1000.0 * np.maximum(raw, 0.0) / (top or 1.0))
    return result


@dataclass(frozen=True)
class Blend:
    """Weights per named signal; a signal missing from ``weights`` counts zero."""

    weights: Mapping[str, float]
    transforms: Mapping[str, str] = field(default_factory=dict)

    def parts(
        self, signals: Mapping[str, np.ndarray], eligible: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Each weighted, standardised signal: the contributions that sum to the score."""
        found: dict[str, np.ndarray] = {}
        for name, weight in self.weights.items():
            if weight == 0 or name not in signals:
                continue
            raw = compress(signals[name], self.transforms.get(name, "identity"))
            found[name] = weight * standardised(raw, eligible)
        return found

    def score(self, signals: Mapping[str, np.ndarray], eligible: np.ndarray) -> np.ndarray:
        """The blended score; ineligible items get ``-inf`` so they are never chosen."""
        total = np.zeros(eligible.shape)
        for part in self.parts(signals, eligible).values():
            total += part
        result: np.ndarray = np.where(eligible, total, -np.inf)
        return result

    def shares(
        self, signals: Mapping[str, np.ndarray], eligible: np.ndarray, row: int, item: int
    ) -> list[tuple[str, float]]:
        """For one person and item: each signal's contribution, largest first, with the
        share of the absolute total (what a reason quotes)."""
        parts = {n: float(p[row, item]) for n, p in self.parts(signals, eligible).items()}
        total = sum(abs(v) for v in parts.values()) or 1.0
        ordered = sorted(parts.items(), key=lambda kv: -kv[1])
        return [(name, value / total) for name, value in ordered]
