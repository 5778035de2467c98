"""The product's training pipeline: the recency hybrid of the OULAD benchmark, on the read models.

The same signals as ``bench/evaluate_oulad.py`` (app/recommend/recency.py), with the role as
the cohort: LightFM sample weights aged from each pair's first touch, cohort-trend item
features, and a blend of the LightFM score with the role's take-up of each module
(``cohort_new``), its recent activity (``cohort_recent``, aged; ``cohort_window``, in a window
of days), the **transitions** (where people who started what this employee started lately
went on to next, from the interactions' first touches: a time-decayed first-order Markov
chain, app/recommend/signals.transition_matrix) and, as a negative signal, how often people
in the role dismissed it or reported it wrong (``declined``).

Epochs, components and the blend weights are chosen at training time on a time split of
the training data itself: the newest ``validation_share`` of first touches are held out,
a model is fitted on what came before, and the settings with the best NDCG@10 on the held
out first touches win. The version is then refitted on everything with those settings;
its validation NDCG is what the quality gate compares (app/recommend/training.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from app.recommend.dataset import TrainingData
from app.recommend.evaluation import ranking_metrics
from app.recommend.model import FitParameters, new_lightfm
from app.recommend.pipeline_types import DECLINED, RoleSignals
from app.recommend.recency import (
    COHORT_NEW,
    COHORT_RECENT,
    COHORT_WINDOW,
    MODEL,
    TRANSITIONS,
    RecencySettings,
    transitions_of,
    trend_bags,
)
from app.recommend.reranking import Blend
from app.recommend.selection import Choice, tune_weights
from app.recommend.signals import (
    PairHistory,
    cohort_adoption_hazard,
    cohort_recent_activity,
    cohort_window_activity,
    decay,
    transition_scores,
)
from app.recommend.vocabulary import Bag, Vocabulary

#: Role signals served next to the model score, and how each is compressed first.
ROLE_SIGNALS = (COHORT_NEW, COHORT_RECENT, COHORT_WINDOW, DECLINED)
TRANSFORMS = {
    COHORT_NEW: "log", COHORT_RECENT: "log", COHORT_WINDOW: "log", DECLINED: "log",
    TRANSITIONS: "log",
}  # fmt: skip
#: Users measured on the validation split at most (a sample keeps big fits quick).
VALIDATION_USERS = 2000
K = 10


@dataclass(frozen=True)
class PipelineSettings:
    """Half-lives (days), the validation split and the grids tried at training time."""

    weight_half_life: float = 30.0
    trend_half_life: float = 7.0
    cohort_half_life: float = 7.0
    trend_levels: int = 10
    #: The newest share of first touches held out to choose settings on.
    validation_share: float = 0.2
    component_grid: tuple[int, ...] = (16, 32, 64)
    epoch_checkpoints: tuple[int, ...] = (5, 10, 20, 30, 45, 60)
    #: The ``declined`` signal cannot be chosen on adoptions (dismissals are not in the
    #: validation labels): its weight is fixed, in standard deviations of the signal.
    declined_weight: float = -0.5
    declined_half_life: float = 90.0
    #: ``cohort_window``: role members who touched a module in the last this many days.
    cohort_window_days: float = 14.0
    #: Transitions: the next ``transition_lag`` first touches of a person follow each one,
    #: weighted by the gap between them and by how long ago they happened; a learner's own
    #: modules weigh by how lately they started them (half-lives in days).
    transition_lag: int = 20
    transition_gap_half_life: float = 7.0
    transition_age_half_life: float = 60.0
    transition_profile_half_life: float = 14.0

    def recency(self) -> RecencySettings:
        return RecencySettings(
            trend_half_life=self.trend_half_life, trend_levels=self.trend_levels,
            cohort_window_days=self.cohort_window_days, transition_lag=self.transition_lag,
            transition_gap_half_life=self.transition_gap_half_life,
            transition_age_half_life=self.transition_age_half_life,
            transition_profile_half_life=self.transition_profile_half_life,
        )  # fmt: skip


@dataclass(frozen=True)
class Fitted:
    """A fitted LightFM with the data it was fitted on and the choices that made it."""

    lightfm: Any
    item_features: sp.csr_matrix
    item_vocabulary: Vocabulary
    item_trends: dict[str, Bag]
    weights: sp.coo_matrix
    signals: RoleSignals
    #: Items x items: where people who started the row module went on to (rows normalised).
    transitions: sp.csr_matrix
    transition_half_life: float
    #: The largest transitions signal over (a sample of) the people trained on: the scale
    #: it is compressed by, at validation and in serving alike.
    transition_top: float
    blend: dict[str, float]
    parameters: FitParameters
    metrics: dict[str, float]
    choices: dict[str, Any]


def fit_pipeline(
    data: TrainingData,
    params: FitParameters,
    settings: PipelineSettings | None = None,
    progress: Callable[[float], None] | None = None,
) -> Fitted:
    """Choose settings on the validation split, then fit on everything with them."""
    settings = settings or PipelineSettings()
    history = _history(data)
    validation = _validate(data, history, params, settings)
    chosen = params
    if validation is not None:
        chosen = replace(params, components=validation["components"], epochs=validation["epochs"])
    now = data.now_days
    full = _period(data, history, np.ones(len(history), dtype=bool), now, settings)
    model = new_lightfm(chosen)
    epochs = chosen.epochs_for(int(full.interactions.nnz)) if validation is None else chosen.epochs
    for _ in range(epochs):
        model.fit_partial(full.interactions, user_features=data.user_features,
                          item_features=full.item_features, sample_weight=full.weights,
                          epochs=1, num_threads=params.threads)  # fmt: skip
        if progress is not None:
            progress(params.epochs / max(epochs, 1))
    transitions = transitions_of(history, now, settings.recency())
    blend = {MODEL: 1.0, DECLINED: settings.declined_weight}
    metrics: dict[str, float] = {}
    choices: dict[str, Any] = {}
    if validation is not None:
        blend.update(validation["blend"])
        metrics = {
            "validation_ndcg_at_10": round(validation["ndcg"], 4),
            "validation_precision_at_10": round(validation["precision"], 4),
            "validation_users": validation["users"],
            "validation_model_only_ndcg_at_10": round(validation["model_ndcg"], 4),
        }
        choices = {k: validation[k] for k in ("components", "epochs", "curve", "blend_tried")}
        choices["tuned"] = params.tune
    return Fitted(
        lightfm=model, item_features=full.item_features, item_vocabulary=full.vocabulary,
        item_trends=full.trends, weights=full.weights,
        signals=role_signals(data, history, now, settings, np.ones(len(history), dtype=bool)),
        transitions=transitions, transition_half_life=settings.transition_profile_half_life,
        transition_top=_top(history, transitions, now, settings), blend=blend,
        parameters=replace(chosen, epochs=epochs), metrics=metrics, choices=choices,
    )  # fmt: skip


@dataclass(frozen=True)
class Period:
    """What LightFM is fitted on for one period: pairs before a moment, aged to it."""

    interactions: sp.coo_matrix
    weights: sp.coo_matrix
    item_features: sp.csr_matrix
    vocabulary: Vocabulary
    trends: dict[str, Bag]


def _history(data: TrainingData) -> PairHistory:
    if data.history is None:
        raise ValueError("training data without its pair history")
    return data.history


def _period(
    data: TrainingData, history: PairHistory, keep: np.ndarray, now: float,
    settings: PipelineSettings,
) -> Period:  # fmt: skip
    """Pairs ``keep`` as LightFM data at ``now``: aged weights, trend features at ``now``."""
    part = _subset(history, keep)
    weights = part.strength * decay(part.ages(now, "first"), settings.weight_half_life)
    shape = (history.n_users, history.n_items)
    ones = np.ones(len(part), dtype=np.float32)
    interactions = sp.coo_matrix((ones, (part.users, part.items)), shape=shape)
    weighted = sp.coo_matrix(
        (np.maximum(weights, 1e-6).astype(np.float32), (part.users, part.items)), shape=shape
    )
    bags = trend_bags(part, now, settings.recency())
    vocabulary = Vocabulary(data.item_vocabulary.names)
    for level in range(settings.trend_levels + 1):
        vocabulary.add(f"new:{level}")
        vocabulary.add(f"busy:{level}")
    full_bags = [{**content, **trend} for content, trend in zip(data.item_bags, bags, strict=True)]
    trends = dict(zip(data.item_ids, bags, strict=True))
    return Period(interactions, weighted, vocabulary.matrix(full_bags, grow=False),
                  vocabulary, trends)  # fmt: skip


def _subset(history: PairHistory, keep: np.ndarray) -> PairHistory:
    return PairHistory(
        users=history.users[keep], items=history.items[keep], first_at=history.first_at[keep],
        last_at=history.last_at[keep], strength=history.strength[keep],
        n_users=history.n_users, n_items=history.n_items,
    )  # fmt: skip


def role_signals(
    data: TrainingData, history: PairHistory, now: float, settings: PipelineSettings,
    keep: np.ndarray,
) -> RoleSignals:  # fmt: skip
    """The role signals at ``now`` from the pairs ``keep`` and the declines before ``now``."""
    part = _subset(history, keep)
    cohorts = data.cohorts if data.cohorts is not None else np.zeros(history.n_users, np.int64)
    n_roles = max(len(data.role_ids), int(cohorts.max(initial=0)) + 1)
    half_life = settings.cohort_half_life
    found = {
        COHORT_NEW: cohort_adoption_hazard(part, cohorts, n_roles, now, half_life),
        COHORT_RECENT: cohort_recent_activity(part, cohorts, n_roles, now, half_life),
        COHORT_WINDOW: cohort_window_activity(
            part, cohorts, n_roles, now, settings.cohort_window_days
        ),
    }
    declined = np.zeros((n_roles, history.n_items))
    if data.declined is not None and len(data.declined[0]):
        users, items, at, strength = data.declined
        before = at <= now
        weight = strength[before] * decay(now - at[before], settings.declined_half_life)
        np.add.at(declined, (cohorts[users[before]], items[before]), weight)
    found[DECLINED] = declined
    return RoleSignals(list(data.role_ids), {k: v.astype(np.float32) for k, v in found.items()})


def _validate(
    data: TrainingData, history: PairHistory, params: FitParameters, settings: PipelineSettings
) -> dict[str, Any] | None:
    """The best components, epochs and blend on the newest first touches, or None when
    there is too little to split (fewer than two distinct moments, or nobody to measure)."""
    if len(history) < 20:
        return None
    cut = float(np.quantile(history.first_at, 1.0 - settings.validation_share))
    before = history.first_at < cut
    after = ~before
    if not before.any() or not after.any():
        return None
    period = _period(data, history, before, cut, settings)
    taken = period.interactions.tocsr()
    relevant: dict[int, set[int]] = {}
    for user, item in zip(history.users[after].tolist(), history.items[after].tolist(),
                          strict=True):  # fmt: skip
        relevant.setdefault(user, set()).add(item)
    users = np.asarray(sorted(relevant), dtype=np.int64)
    if len(users) > VALIDATION_USERS:
        users = np.sort(np.random.default_rng(0).choice(users, VALIDATION_USERS, replace=False))
    if not len(users):
        return None
    labels = [relevant[int(u)] for u in users]
    eligible = np.ones((len(users), history.n_items), dtype=bool)
    rows, cols = taken[users].nonzero()
    eligible[rows, cols] = False
    signals = role_signals(data, history, cut, settings, before)
    cohorts = data.cohorts if data.cohorts is not None else np.zeros(history.n_users, np.int64)
    per_user = {name: values[cohorts[users]] for name, values in signals.values.items()}
    past = _subset(history, before)
    recency = settings.recency()
    per_user[TRANSITIONS] = transition_scores(
        past, transitions_of(past, cut, recency), cut, users, recency.transition_profile_half_life
    ).astype(np.float32)

    def measure(scores: np.ndarray) -> tuple[float, float]:
        blended = np.where(eligible, scores, -np.inf)
        k = min(K, blended.shape[1])
        top = np.argpartition(-blended, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(blended, top, axis=1).argsort(axis=1)[:, ::-1]
        lists = np.take_along_axis(top, order, axis=1)
        found = ranking_metrics(lists, labels, K, history.n_items)
        return found.ndcg, found.precision

    grid = [params.components] if not params.tune else list(settings.component_grid)
    cap = params.epochs_for(int(period.interactions.nnz))
    checkpoints = [cap] if not params.tune else [e for e in settings.epoch_checkpoints if e <= cap]
    checkpoints = checkpoints or [cap]
    curve: list[tuple[int, int, float]] = []
    best: tuple[float, int, int, np.ndarray] | None = None
    for components in grid:
        model = new_lightfm(replace(params, components=components))
        done = 0
        for epochs in checkpoints:
            model.fit_partial(period.interactions, user_features=data.user_features,
                              item_features=period.item_features, sample_weight=period.weights,
                              epochs=epochs - done, num_threads=params.threads)  # fmt: skip
            done = epochs
            scores = _scores(model, data.user_features[users], period.item_features)
            ndcg, _ = measure(scores)
            curve.append((components, epochs, round(ndcg, 4)))
            if best is None or ndcg > best[0] + 1e-9:
                best = (ndcg, components, epochs, scores)
    assert best is not None
    model_ndcg, components, epochs, model_scores = best
    signal_names = [MODEL, COHORT_NEW, COHORT_RECENT, COHORT_WINDOW, TRANSITIONS]

    def blended(weights: dict[str, float]) -> np.ndarray:
        blend = Blend({**weights, DECLINED: settings.declined_weight}, TRANSFORMS)
        return blend.score({MODEL: model_scores, **per_user}, eligible)

    choice: Choice[tuple[tuple[str, float], ...]] = tune_weights(
        signal_names, lambda w: measure(blended(dict(w)))[0], anchor=MODEL
    )
    weights = dict(choice.best)
    ndcg, precision = measure(blended(weights))
    return {
        "components": components, "epochs": epochs, "curve": curve, "ndcg": ndcg,
        "precision": precision, "model_ndcg": model_ndcg, "users": len(users),
        "blend": {k: v for k, v in weights.items() if k != MODEL},
        "blend_tried": [[dict(w), round(s, 4)] for w, s in choice.tried],
    }  # fmt: skip


def _top(
    history: PairHistory, transitions: sp.csr_matrix, now: float, settings: PipelineSettings
) -> float:
    """The largest transitions signal over up to ``VALIDATION_USERS`` people with history."""
    users = np.unique(history.users)
    if len(users) > VALIDATION_USERS:
        users = np.sort(np.random.default_rng(0).choice(users, VALIDATION_USERS, replace=False))
    if not len(users):
        return 0.0
    values = transition_scores(history, transitions, now, users,
                               settings.transition_profile_half_life)  # fmt: skip
    return float(values.max(initial=0.0))


def _scores(model: Any, user_features: sp.csr_matrix, item_features: sp.csr_matrix) -> np.ndarray:
    users = np.asarray(user_features @ model.user_embeddings)
    items = np.asarray(item_features @ model.item_embeddings)
    biases = np.asarray(item_features @ model.item_biases).ravel()
    result: np.ndarray = users @ items.T + biases
    return result
