"""The methods compared on OULAD, each tuned on the same validation splits.

Every method follows one shape: ``tune(validation splits)`` chooses its settings per user
group (warm, cold) by mean NDCG@10 over the validation splits, and ``final(test split)``
returns score matrices per variant and group, to be measured once. Grids are listed
beside each method so a reviewer can see what was tried.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from app.recommend.candidates import candidate_pool
from app.recommend.model import FitParameters, new_lightfm
from app.recommend.recency import (
    COHORT_NEW,
    COHORT_RECENT,
    COHORT_WINDOW,
    MODEL,
    PEERS,
    TRANSFORMS,
    TRANSITIONS,
    RecencySettings,
    recency_signals,
    training_weights,
    trend_bags,
)
from app.recommend.reranking import Blend
from app.recommend.selection import grid_search, tune_weights
from app.recommend.signals import PairHistory, decay
from bench.oulad_data import Oulad, Split, feature_matrices

K = 10
GROUPS = ("warm", "cold")
#: Epoch checkpoints for every LightFM fit: dense where pure CF peaks (20..60).
CHECKPOINTS = (5, 10, 15, 20, 30, 40, 60, 80, 120)
COMPONENTS = (16, 32, 64, 128)
#: The product's cap: at 2M interactions training runs ``max_updates // n`` = 5 epochs.
CAPPED_EPOCHS = 5
#: Candidates per signal for the re-ranked model.
POOL = 100

Scores = dict[str, np.ndarray]  # group -> users x items


# -- measuring ---------------------------------------------------------------------------


def group_rows(split: Split, group: str) -> np.ndarray:
    return split.warm if group == "warm" else split.cold


class Judge:
    """Fast NDCG@10 on validation splits (the same formula as app.recommend.evaluation)."""

    def __init__(self, split: Split) -> None:
        self.split = split
        relevant = split.relevant()
        self.rows: dict[str, np.ndarray] = {}
        self.truth: dict[str, np.ndarray] = {}
        self.seen: dict[str, np.ndarray] = {}
        for group in GROUPS:
            users = group_rows(split, group)
            keep = users[[bool(relevant[u]) for u in users]]
            truth = np.zeros((len(keep), split.n_items), dtype=bool)
            seen = np.zeros((len(keep), split.n_items), dtype=bool)
            for row, u in enumerate(keep.tolist()):
                truth[row, list(relevant[u])] = True
                if split.seen[u]:
                    seen[row, list(split.seen[u])] = True
            self.rows[group], self.truth[group], self.seen[group] = keep, truth, seen
        self.discounts = 1.0 / np.log2(np.arange(2, K + 2))

    def ndcg(self, scores: np.ndarray, group: str, rows_are_group: bool = False) -> float:
        """``scores`` for all users (or, with ``rows_are_group``, for the group's users in
        ``group_rows`` order)."""
        keep = self.rows[group]
        if not len(keep):
            return 0.0
        if rows_are_group:
            position = {u: r for r, u in enumerate(group_rows(self.split, group).tolist())}
            block = scores[[position[u] for u in keep.tolist()]]
        else:
            block = scores[keep]
        block = np.where(self.seen[group], -np.inf, block)
        best = np.argpartition(-block, K - 1, axis=1)[:, :K]
        order = np.argsort(-np.take_along_axis(block, best, axis=1), axis=1, kind="stable")
        ranked = np.take_along_axis(best, order, axis=1)
        hits = np.take_along_axis(self.truth[group], ranked, axis=1)
        ideal = np.cumsum(self.discounts)[np.minimum(self.truth[group].sum(axis=1), K) - 1]
        return float(((hits * self.discounts).sum(axis=1) / ideal).mean())


def mean_over(judges: Sequence[Judge], score: Callable[[Judge], float]) -> float:
    return float(np.mean([score(j) for j in judges]))


def cohort_rows(data: Oulad, per_cohort: np.ndarray) -> np.ndarray:
    """Cohorts x items -> users x items; sites of other presentations are never offered."""
    scores = per_cohort[data.user_cohort].astype(np.float64)
    scores[data.user_cohort[:, None] != data.item_cohort[None, :]] = -np.inf
    return scores


@dataclass
class Method:
    """A method with its settings per group, chosen on validation."""

    name: str
    chosen: dict[str, Any] = field(default_factory=dict)

    def tune(self, data: Oulad, judges: Sequence[Judge], seed: int) -> None:
        """Choose settings on the validation splits (default: nothing to choose)."""

    def final(self, data: Oulad, test: Split, seed: int) -> dict[str, Scores]:
        raise NotImplementedError

    def settings(self) -> str:
        return "; ".join(f"{g}: {v}" for g, v in self.chosen.items()) or "none"

    def choose(
        self,
        judges: Sequence[Judge],
        grid: Sequence[Any],
        scores: Callable[[Split, Any], np.ndarray],
    ) -> None:
        """Grid search per group, one score matrix per (setting, split) for both groups."""
        results = {g: [] for g in GROUPS}  # type: ignore[var-annotated]
        for setting in grid:
            per_split = [(j, scores(j.split, setting)) for j in judges]
            for group in GROUPS:
                value = float(np.mean([j.ndcg(s, group) for j, s in per_split]))
                results[group].append((setting, value))
        for group in GROUPS:
            best = grid_search([s for s, _ in results[group]], dict(results[group]).__getitem__)
            self.chosen[group] = best.best


# -- popularity ---------------------------------------------------------------------------


class GlobalPopularity(Method):
    def __init__(self) -> None:
        super().__init__("popularity (global)")

    def final(self, data: Oulad, test: Split, seed: int) -> dict[str, Scores]:
        counts = np.bincount(test.history.items, minlength=test.n_items).astype(float)
        scores = np.tile(counts, (test.n_users, 1))
        return {self.name: {g: scores for g in GROUPS}}


class CohortPopularity(Method):
    def __init__(self) -> None:
        super().__init__("cohort popularity (same presentation)")

    def final(self, data: Oulad, test: Split, seed: int) -> dict[str, Scores]:
        per_cohort = np.zeros((len(data.presentations), test.n_items))
        np.add.at(per_cohort, (data.user_cohort[test.history.users], test.history.items), 1.0)
        return {self.name: {g: cohort_rows(data, per_cohort) for g in GROUPS}}


@dataclass(frozen=True)
class RecentSetting:
    """What is counted (students by last touch, student-days, clicks) over which time."""

    unit: str
    window: float | None = None
    half_life: float | None = None

    def __str__(self) -> str:
        when = f"last {self.window:g} days" if self.window else f"half-life {self.half_life:g} d"
        return f"{self.unit}, {when}"


RECENT_GRID = [
    RecentSetting(unit, window=w)
    for unit in ("students", "student-days", "clicks")
    for w in (1, 2, 3, 5, 7, 14, 28)
] + [
    RecentSetting(unit, half_life=h)
    for unit in ("students", "student-days", "clicks")
    for h in (0.5, 1, 2, 3, 5, 7, 14)
]


def recent_popularity(data: Oulad, split: Split, setting: RecentSetting) -> np.ndarray:
    """Cohort popularity counting only (or mostly) the last days before the cut.

    Clicks are logged per whole day, so "the last N days" are the N whole days before the
    cut, whatever the cut's fraction of a day (a window of ``now - day < N`` would hold one
    day fewer whenever the cut falls early in a day).
    """
    if setting.unit == "students":
        users, items = split.history.users, split.history.items
        day = split.history.last_at
        amount = np.ones(len(users))
    else:
        users, items, day, clicks = split.events
        amount = clicks.astype(float) if setting.unit == "clicks" else np.ones(len(users))
    age = split.now[users] - day
    if setting.window is not None:
        last_day = np.ceil(split.now[users]) - 1
        weight = amount * (day > last_day - setting.window)
    else:
        weight = amount * decay(age, float(setting.half_life or math.inf))
    per_cohort = np.zeros((len(data.presentations), split.n_items))
    np.add.at(per_cohort, (data.user_cohort[users], items), weight)
    return cohort_rows(data, per_cohort)


class RecentCohortPopularity(Method):
    """Time-decayed popularity within the presentation: a window or a half-life, over
    students, student-days or clicks (grid: ``RECENT_GRID``)."""

    def __init__(self) -> None:
        super().__init__("recent cohort popularity (time-decayed)")

    def tune(self, data: Oulad, judges: Sequence[Judge], seed: int) -> None:
        self.choose(judges, RECENT_GRID, lambda s, g: recent_popularity(data, s, g))

    def final(self, data: Oulad, test: Split, seed: int) -> dict[str, Scores]:
        return {self.name: {g: recent_popularity(data, test, self.chosen[g]) for g in GROUPS}}


class FixedRecentPopularity(Method):
    """The setting a reviewer measured (student-days in the last 3 days within the
    presentation), untuned: kept beside the tuned one so the comparison is not won by a
    fragile choice on validation."""

    setting = RecentSetting("student-days", window=3)

    def __init__(self) -> None:
        super().__init__("recent cohort popularity, last 3 days (untuned)")

    def final(self, data: Oulad, test: Split, seed: int) -> dict[str, Scores]:
        return {self.name: {g: recent_popularity(data, test, self.setting) for g in GROUPS}}


# -- implicit (ALS, item-kNN) ---------------------------------------------------------------


@dataclass(frozen=True)
class AlsSetting:
    factors: int
    regularization: float
    alpha: float

    def __str__(self) -> str:
        return f"{self.factors} factors, reg {self.regularization:g}, alpha {self.alpha:g}"


ALS_GRID = [
    AlsSetting(f, r, a)
    for f, r, a in itertools.product((8, 16, 32, 64, 128), (0.01, 0.1, 1.0), (1.0, 10.0))
]


def als_scores(split: Split, setting: AlsSetting, seed: int) -> np.ndarray:
    from implicit.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    model = AlternatingLeastSquares(
        factors=setting.factors,
        regularization=setting.regularization,
        alpha=setting.alpha,
        iterations=15,
        random_state=seed,
        use_gpu=False,
        num_threads=2,
    )
    with threadpool_limits(1, "blas"):
        model.fit(split.click_weights(), show_progress=False)
    return np.asarray(model.user_factors) @ np.asarray(model.item_factors).T


class ImplicitAls(Method):
    """``implicit`` ALS on 1 + log(1 + clicks) confidences, 15 iterations (grid: ALS_GRID)."""

    def __init__(self) -> None:
        super().__init__("implicit ALS")

    def tune(self, data: Oulad, judges: Sequence[Judge], seed: int) -> None:
        self.choose(judges, ALS_GRID, lambda s, g: als_scores(s, g, seed))

    def final(self, data: Oulad, test: Split, seed: int) -> dict[str, Scores]:
        cache: dict[AlsSetting, np.ndarray] = {}
        for g in GROUPS:
            if self.chosen[g] not in cache:
                cache[self.chosen[g]] = als_scores(test, self.chosen[g], seed)
        return {self.name: {g: cache[self.chosen[g]] for g in GROUPS}}


@dataclass(frozen=True)
class Bm25Setting:
    neighbours: int
    k1: float
    b: float

    def __str__(self) -> str:
        return f"K {self.neighbours}, K1 {self.k1:g}, B {self.b:g}"


BM25_GRID = [
    Bm25Setting(n, k1, b)
    for n, k1, b in itertools.product((10, 20, 50, 100, 200, 500), (0.6, 1.2, 2.0), (0.25, 0.75))
]


def bm25_scores(split: Split, setting: Bm25Setting) -> np.ndarray:
    from implicit.nearest_neighbours import BM25Recommender

    weights = split.click_weights()
    model = BM25Recommender(K=setting.neighbours, K1=setting.k1, B=setting.b, num_threads=2)
    model.fit(weights, show_progress=False)
    return np.asarray((weights @ model.similarity).todense())


class ItemKnn(Method):
    """``implicit`` item-kNN with BM25 weighting (grid: BM25_GRID)."""

    def __init__(self) -> None:
        super().__init__("item-kNN (BM25)")

    def tune(self, data: Oulad, judges: Sequence[Judge], seed: int) -> None:
        self.choose(judges, BM25_GRID, lambda s, g: bm25_scores(s, g))

    def final(self, data: Oulad, test: Split, seed: int) -> dict[str, Scores]:
        return {self.name: {g: bm25_scores(test, self.chosen[g]) for g in GROUPS}}


# -- LightFM -------------------------------------------------------------------------------


def lightfm_curve(
    split: Split,
    weights: sp.csr_matrix,
    components: int,
    seed: int,
    features: tuple[sp.csr_matrix, sp.csr_matrix] | None,
    checkpoints: Sequence[int],
) -> Iterator[tuple[int, np.ndarray]]:
    """One WARP fit, yielding (epochs, scores) at each checkpoint."""
    model = new_lightfm(FitParameters(components=components, seed=seed, threads=2))
    user_features, item_features = features if features is not None else (None, None)
    interactions = split.interactions().tocoo()
    sample_weight = weights.tocoo()
    done = 0
    for epochs in checkpoints:
        model.fit_partial(
            interactions,
            user_features=user_features,
            item_features=item_features,
            sample_weight=sample_weight,
            epochs=epochs - done,
            num_threads=2,
        )
        done = epochs
        user_bias, user_vectors = model.get_user_representations(user_features)
        item_bias, item_vectors = model.get_item_representations(item_features)
        yield (
            epochs,
            np.asarray(user_vectors @ item_vectors.T + item_bias[None, :] + user_bias[:, None]),
        )


@dataclass(frozen=True)
class LightFmSetting:
    components: int
    epochs: int

    def __str__(self) -> str:
        return f"{self.components} components, {self.epochs} epochs"


class LightFmMethod(Method):
    """WARP LightFM on click confidences; components x epochs chosen on validation."""

    def __init__(self, name: str, hybrid: bool) -> None:
        super().__init__(name)
        self.hybrid = hybrid

    def features(self, data: Oulad, split: Split) -> tuple[sp.csr_matrix, sp.csr_matrix] | None:
        return feature_matrices(data, split) if self.hybrid else None

    def tune(self, data: Oulad, judges: Sequence[Judge], seed: int) -> None:
        results: dict[str, dict[LightFmSetting, list[float]]] = {g: {} for g in GROUPS}
        for components in COMPONENTS:
            for judge in judges:
                split = judge.split
                curve = lightfm_curve(
                    split,
                    split.click_weights(),
                    components,
                    seed,
                    self.features(data, split),
                    CHECKPOINTS,
                )
                for epochs, scores in curve:
                    for group in GROUPS:
                        key = LightFmSetting(components, epochs)
                        results[group].setdefault(key, []).append(judge.ndcg(scores, group))
        for group in GROUPS:
            means = {k: float(np.mean(v)) for k, v in results[group].items()}
            self.chosen[group] = grid_search(list(means), means.__getitem__).best

    def final(self, data: Oulad, test: Split, seed: int) -> dict[str, Scores]:
        found: dict[str, Scores] = {self.name: {}}
        capped = f"{self.name}, {CAPPED_EPOCHS} epochs (the product's cap at 2M interactions)"
        if self.hybrid:
            found[capped] = {}
        for group in GROUPS:
            setting = self.chosen[group]
            marks = sorted({setting.epochs, CAPPED_EPOCHS})
            for epochs, scores in lightfm_curve(
                test,
                test.click_weights(),
                setting.components,
                seed,
                self.features(data, test),
                marks,
            ):
                if epochs == setting.epochs:
                    found[self.name][group] = scores
                if self.hybrid and epochs == CAPPED_EPOCHS:
                    found[capped][group] = scores
        return found


# -- the recency hybrid ----------------------------------------------------------------------

#: Grids of the recency hybrid (half-lives in days).
WEIGHT_HALF_LIVES = (0.5, 1.0, 2.0, 4.0, math.inf)
RECENCY_CHECKPOINTS = (5, 10, 15, 20, 30, 40)
PEER_GRID = [(p, a, n) for p in (10.0, 30.0) for a in (0.5, 1.0, 2.0) for n in (200, 800)]
COHORT_HALF_LIVES = (0.5, 1.0, 2.0, 5.0)
COHORT_WINDOWS = (1.0, 2.0, 3.0, 5.0, 7.0, 14.0)
#: Transitions: (gap half-life, age half-life, profile half-life) in days, lag 20.
TRANSITION_GRID = [(g, a, p) for g in (5.0, 20.0) for a in (2.0, 5.0, math.inf) for p in (2.0, 5.0)]
BLEND_GRID = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)
NAME = "recency hybrid (LightFM + cohort and peer recency, transitions)"


@dataclass(frozen=True)
class RecencyChoice:
    """Everything the recency hybrid chose on validation."""

    components: int
    epochs: int
    settings: dict[str, RecencySettings]

    def __str__(self) -> str:
        warm, cold = self.settings["warm"], self.settings["cold"]
        return (
            f"LightFM {self.components} components, {self.epochs} epochs, weights aged"
            f" {warm.weight_half_life:g} d; peers: profile {warm.peer_profile_half_life:g} d,"
            f" take-up {warm.peer_adoption_half_life:g} d, {warm.peer_neighbours} nearest;"
            f" transitions: gap {warm.transition_gap_half_life:g} d, age"
            f" {warm.transition_age_half_life:g} d, profile"
            f" {warm.transition_profile_half_life:g} d; cohort window warm"
            f" {warm.cohort_window_days:g} d, cold {cold.cohort_window_days:g} d;"
            f" cohort take-up/activity half-lives warm {warm.cohort_new_half_life:g}/"
            f"{warm.cohort_recent_half_life:g} d, cold {cold.cohort_new_half_life:g}/"
            f"{cold.cohort_recent_half_life:g} d;"
            f" weights warm {_weights(warm)}, cold {_weights(cold)}"
        )


def _weights(settings: RecencySettings) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in sorted(settings.weights.items()) if v)


def model_history(split: Split) -> PairHistory:
    """The split's pairs with strength 1 + log(1 + clicks), as the other models weigh them."""
    return replace(split.history, strength=1.0 + np.log1p(split.history.strength))


class RecencyHybrid(Method):
    """LightFM on recency-aged weights with cohort-trend item features, re-ranked with the
    cohort's and peers' recent take-up (app.recommend.recency)."""

    def __init__(self) -> None:
        super().__init__(NAME)
        self.choice: RecencyChoice | None = None

    def curve(
        self,
        data: Oulad,
        split: Split,
        settings: RecencySettings,
        components: int,
        seed: int,
        checkpoints: Sequence[int],
    ) -> Iterator[tuple[int, np.ndarray]]:
        history = model_history(split)
        weights = history.matrix(training_weights(history, split.now, settings.weight_half_life))
        trends = trend_bags(history, split.now, settings, data.user_cohort, data.item_cohort)
        features = feature_matrices(data, split, trends)
        return lightfm_curve(split, weights, components, seed, features, checkpoints)

    def tune(self, data: Oulad, judges: Sequence[Judge], seed: int) -> None:
        base = RecencySettings()
        # 1. The LightFM core alone (warm NDCG): the weights' half-life at 32 components,
        #    then components at that half-life, epochs along each fit.
        curves: dict[tuple[float, int, int], list[float]] = {}
        for half_life, components in [(h, 32) for h in WEIGHT_HALF_LIVES] + [
            (None, 16),
            (None, 64),
        ]:
            if half_life is None:
                half_life = _best(curves)[0]
            settings = replace(base, weight_half_life=half_life)
            for judge in judges:
                for epochs, scores in self.curve(
                    data, judge.split, settings, components, seed, RECENCY_CHECKPOINTS
                ):
                    key = (half_life, components, epochs)
                    curves.setdefault(key, []).append(judge.ndcg(scores, "warm"))
        half_life, components, epochs = _best(curves)
        base = replace(base, weight_half_life=half_life)
        model_scores = [
            dict(self.curve(data, j.split, base, components, seed, (epochs,)))[epochs]
            for j in judges
        ]

        # 2. Each re-ranking signal alone, per group.
        def alone(settings: RecencySettings, group: str, name: str) -> float:
            return mean_over(
                judges,
                lambda j: j.ndcg(
                    self.signal(data, j.split, settings, group, name), group, rows_are_group=True
                ),
            )

        p, a, n = grid_search(
            PEER_GRID,
            lambda g: alone(
                replace(
                    base,
                    peer_profile_half_life=g[0],
                    peer_adoption_half_life=g[1],
                    peer_neighbours=g[2],
                ),
                "warm",
                PEERS,
            ),
        ).best
        base = replace(base, peer_profile_half_life=p, peer_adoption_half_life=a, peer_neighbours=n)
        g, a, p = grid_search(
            TRANSITION_GRID,
            lambda t: alone(
                replace(
                    base,
                    transition_gap_half_life=t[0],
                    transition_age_half_life=t[1],
                    transition_profile_half_life=t[2],
                ),
                "warm",
                TRANSITIONS,
            ),
        ).best
        base = replace(
            base,
            transition_gap_half_life=g,
            transition_age_half_life=a,
            transition_profile_half_life=p,
        )
        per_group: dict[str, RecencySettings] = {}
        anchors: dict[str, str] = {}
        for group in GROUPS:
            new = grid_search(
                COHORT_HALF_LIVES,
                lambda h, group=group: alone(
                    replace(base, cohort_new_half_life=h), group, COHORT_NEW
                ),
            ).best
            recent = grid_search(
                COHORT_HALF_LIVES,
                lambda h, group=group: alone(
                    replace(base, cohort_recent_half_life=h), group, COHORT_RECENT
                ),
            ).best
            window = grid_search(
                COHORT_WINDOWS,
                lambda d, group=group: alone(
                    replace(base, cohort_window_days=d), group, COHORT_WINDOW
                ),
            )
            per_group[group] = replace(
                base,
                cohort_new_half_life=new,
                cohort_recent_half_life=recent,
                cohort_window_days=window.best,
            )
            recent_alone = alone(per_group[group], group, COHORT_RECENT)
            anchors[group] = COHORT_WINDOW if window.score > recent_alone else COHORT_RECENT
        # 3. The blend weights per group. Warm: the LightFM score held at 1. Cold: the
        #    better of the cohort's two activity signals alone on validation held at 1,
        #    since for someone without history LightFM knows little beyond the cohort;
        #    validation decides whether it still helps.
        for group in GROUPS:
            names = (
                (MODEL, PEERS, TRANSITIONS, COHORT_NEW, COHORT_RECENT, COHORT_WINDOW)
                if group == "warm"
                else (MODEL, COHORT_NEW, COHORT_RECENT, COHORT_WINDOW)
            )
            prepared = []
            for judge, scores in zip(judges, model_scores, strict=True):
                rows = group_rows(judge.split, group)
                signals = recency_signals(
                    judge.split.history,
                    data.user_cohort,
                    judge.split.now,
                    rows,
                    per_group[group],
                    names[1:],
                )
                signals[MODEL] = scores[rows]
                prepared.append((judge, signals, self.pool(judge.split, rows, signals)))
            choice = tune_weights(
                names,
                lambda w, group=group, prepared=prepared: float(
                    np.mean(
                        [
                            j.ndcg(Blend(w, TRANSFORMS).score(s, p), group, rows_are_group=True)
                            for j, s, p in prepared
                        ]
                    )
                ),
                anchor=MODEL if group == "warm" else anchors[group],
                grid=BLEND_GRID,
            )
            per_group[group] = replace(per_group[group], weights=dict(choice.best))
            print(f"    recency hybrid {group}: validation NDCG {choice.score:.4f}", flush=True)
        self.choice = RecencyChoice(components, epochs, per_group)
        self.chosen = {"all": self.choice}

    @staticmethod
    def signal(
        data: Oulad, split: Split, settings: RecencySettings, group: str, name: str
    ) -> np.ndarray:
        """One signal alone as scores for the group's users (seen items never offered)."""
        rows = group_rows(split, group)
        values = recency_signals(
            split.history, data.user_cohort, split.now, rows, settings, (name,)
        )[name]
        eligible = _eligible(split, rows)
        return np.where(eligible & (values > 0), values, np.where(eligible, -1.0, -np.inf))

    @staticmethod
    def pool(split: Split, rows: np.ndarray, signals: dict[str, np.ndarray]) -> np.ndarray:
        return candidate_pool(signals, _eligible(split, rows), POOL)

    def final(self, data: Oulad, test: Split, seed: int) -> dict[str, Scores]:
        assert self.choice is not None, "tune first"
        choice = self.choice
        warm = choice.settings["warm"]
        marks = sorted({choice.epochs, CAPPED_EPOCHS})
        model = dict(self.curve(data, test, warm, choice.components, seed, marks))
        names = {
            "full": NAME,
            "core": "- its LightFM core alone (aged weights, trend features)",
            COHORT_NEW: "- cohort take-up alone",
            PEERS: "- peers' take-up alone",
            TRANSITIONS: "- transitions alone",
            "capped": f"- {NAME}, LightFM capped at {CAPPED_EPOCHS} epochs",
        }
        found: dict[str, Scores] = {n: {} for n in names.values()}
        for group in GROUPS:
            rows = group_rows(test, group)
            settings = choice.settings[group]
            wanted = (
                (PEERS, TRANSITIONS, COHORT_NEW, COHORT_RECENT, COHORT_WINDOW)
                if group == "warm"
                else (COHORT_NEW, COHORT_RECENT, COHORT_WINDOW)
            )
            signals = recency_signals(
                test.history, data.user_cohort, test.now, rows, settings, wanted
            )
            eligible = _eligible(test, rows)
            for variant, epochs in (("full", choice.epochs), ("capped", CAPPED_EPOCHS)):
                signals[MODEL] = model[epochs][rows]
                pool = self.pool(test, rows, signals)
                found[names[variant]][group] = _expand(
                    test, rows, Blend(settings.weights, TRANSFORMS).score(signals, pool)
                )
            found[names["core"]][group] = _expand(test, rows, model[choice.epochs][rows])
            for single in (COHORT_NEW, PEERS, TRANSITIONS):
                if single in signals:
                    found[names[single]][group] = _expand(
                        test, rows, np.where(eligible, signals[single], -np.inf)
                    )
        return found


def _eligible(split: Split, rows: np.ndarray) -> np.ndarray:
    eligible = np.ones((len(rows), split.n_items), dtype=bool)
    for r, u in enumerate(rows.tolist()):
        if split.seen[u]:
            eligible[r, list(split.seen[u])] = False
    return eligible


def _expand(split: Split, rows: np.ndarray, block: np.ndarray) -> np.ndarray:
    """Group rows back into a users x items matrix (others -inf) for uniform measuring."""
    full = np.full((split.n_users, split.n_items), -np.inf)
    full[rows] = block
    return full


def _best(curves: dict[tuple[float, int, int], list[float]]) -> tuple[float, int, int]:
    means = {k: float(np.mean(v)) for k, v in curves.items()}
    return grid_search(list(means), means.__getitem__).best
