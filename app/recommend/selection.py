"""Choosing hyper-parameters on a validation split, never on the data a model is judged by.

Three shapes of choice recur: how long to train (one fit, measured at checkpoints, since a
longer fit passes through every shorter one), which of a grid of settings, and how much
weight each re-ranking signal gets. Each returns the winner together with everything it
tried, so a report can show the curve a reviewer asks for.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Setting = TypeVar("Setting", bound=Hashable)

#: Weights tried for each signal while tuning a blend.
WEIGHT_GRID = (0.0, 0.25, 0.5, 1.0, 2.0)


@dataclass(frozen=True)
class Choice(Generic[Setting]):
    """The setting that scored best, its score, and every (setting, score) tried in order."""

    best: Setting
    score: float
    tried: tuple[tuple[Setting, float], ...]


def best_epochs(
    train_to: Callable[[int], None], evaluate: Callable[[], float], checkpoints: Sequence[int]
) -> Choice[int]:
    """Train once, measuring at each checkpoint; ``train_to(n)`` continues a fit to n epochs.

    Ties go to the fewer epochs (cheaper, and less fitted to the validation split).
    """
    if not checkpoints or list(checkpoints) != sorted(set(checkpoints)) or checkpoints[0] < 1:
        raise ValueError("checkpoints must be increasing positive epoch counts")
    tried: list[tuple[int, float]] = []
    for epochs in checkpoints:
        train_to(epochs)
        tried.append((epochs, evaluate()))
    return _choice(tried)


def grid_search(
    settings: Iterable[Setting], evaluate: Callable[[Setting], float]
) -> Choice[Setting]:
    """Evaluate every setting; the first of equally good ones wins."""
    tried = [(setting, evaluate(setting)) for setting in settings]
    if not tried:
        raise ValueError("nothing to choose from")
    return _choice(tried)


Weights = tuple[tuple[str, float], ...]


def tune_weights(
    names: Sequence[str],
    evaluate: Callable[[Mapping[str, float]], float],
    *,
    anchor: str,
    grid: Sequence[float] = WEIGHT_GRID,
    rounds: int = 2,
) -> Choice[Weights]:
    """Coordinate ascent over a small grid of weights, ``anchor`` held at 1.

    Holding one signal at 1 fixes the scale (a blend is unchanged by multiplying every
    weight), and a small grid with few rounds keeps the blend from fitting the noise of one
    validation split. A change must improve the score to be kept.
    """
    if anchor not in names:
        raise ValueError(f"the anchor {anchor!r} is not among the signals")
    current = {name: (1.0 if name == anchor else 0.0) for name in names}
    best = evaluate(current)
    tried: list[tuple[Weights, float]] = [(_frozen(current), best)]
    for _ in range(rounds):
        improved = False
        for name in names:
            if name == anchor:
                continue
            for weight in grid:
                if weight == current[name]:
                    continue
                trial = {**current, name: weight}
                score = evaluate(trial)
                tried.append((_frozen(trial), score))
                if score > best + 1e-9:
                    best, current, improved = score, trial, True
        if not improved:
            break
    return Choice(_frozen(current), best, tuple(tried))


def _frozen(weights: Mapping[str, float]) -> Weights:
    return tuple(sorted(weights.items()))


def _choice(tried: list[tuple[Setting, float]]) -> Choice[Setting]:
    best_setting, best_score = tried[0]
    for setting, score in tried[1:]:
        if score > best_score + 1e-12:
            best_setting, best_score = setting, score
    return Choice(best_setting, best_score, tuple(tried))
