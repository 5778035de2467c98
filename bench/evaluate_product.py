"""The product's training pipeline on a time split of a seeded organisation, against the
baselines of docs/evaluation.md.

The demo organisation (app/seed, 6 months of history) is seeded through the commands into
memory; its read models give the training data exactly as ``skillpath train`` reads it.
The newest 20% of first touches (enrolments) are the test period: every method is
trained on what came before, tuned on a validation split carved from that period the same
way (its newest 20%), and judged once on the first touches after the cut (NDCG@10,
precision@10, recall@10, coverage), warm employees (history before the cut) and cold ones
(none) apart. Three seeds for everything seeded.

    .venv/bin/python bench/evaluate_product.py [--employees 300] [--modules 150]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.bootstrap import build_services
from app.recommend.dataset import TrainingData, build_training_data
from app.recommend.evaluation import ranking_metrics
from app.recommend.forgetting import PERSONALISATION
from app.recommend.model import FitParameters, HybridModel
from app.recommend.pipeline import TRANSFORMS
from app.recommend.recency import MODEL
from app.recommend.reranking import Blend
from app.recommend.signals import decay
from app.seed.demo import seed_demo
from app.seed.plan import DemoSpec
from app.settings import Settings
from bench.harness import print_machine

K = 10
SHARE = 0.2
SEEDS = (1, 2, 3)


@dataclass(frozen=True)
class Split:
    """Training data before ``cut`` and the items each user first touched after it."""

    train: TrainingData
    relevant: list[set[int]]
    taken: list[set[int]]

    def rows(self, warm: bool) -> np.ndarray:
        return np.asarray(
            [u for u, r in enumerate(self.relevant) if r and bool(self.taken[u]) == warm],
            dtype=np.int64,
        )


def split_at(rows: list[tuple], employees, modules, roles, consenting, share: float) -> Split:  # type: ignore[no-untyped-def]
    firsts = sorted(datetime.fromisoformat(r[7]) for r in rows)
    cut = firsts[int(len(firsts) * (1 - share))]
    before = [r for r in rows if datetime.fromisoformat(r[7]) < cut]
    train = build_training_data(employees, modules, roles, before, consenting, cut)
    users = {u: i for i, u in enumerate(train.user_ids)}
    items = {m: i for i, m in enumerate(train.item_ids)}
    taken: list[set[int]] = [set() for _ in users]
    relevant: list[set[int]] = [set() for _ in users]
    for r in rows:
        u, i = users.get(r[0]), items.get(r[1])
        if u is None or i is None:
            continue
        (taken if datetime.fromisoformat(r[7]) < cut else relevant)[u].add(i)
    relevant = [rel - tak for rel, tak in zip(relevant, taken, strict=True)]
    return Split(train, relevant, taken)


def judge(split: Split, scores: np.ndarray, rows: np.ndarray) -> tuple[float, ...]:
    scores = np.array(scores[rows], dtype=np.float64)
    for n, u in enumerate(rows):
        if split.taken[u]:
            scores[n, list(split.taken[u])] = -np.inf
    top = np.argsort(-scores, axis=1, kind="stable")[:, :K]
    found = ranking_metrics(top, [split.relevant[u] for u in rows], K, scores.shape[1])
    return found.ndcg, found.precision, found.recall, found.coverage


def counts(split: Split, weights: np.ndarray | None = None) -> np.ndarray:
    h = split.train.history
    assert h is not None
    w = np.ones(len(h)) if weights is None else weights
    return np.bincount(h.items, weights=w, minlength=h.n_items).astype(float)


def global_scores(split: Split) -> np.ndarray:
    return np.tile(counts(split), (len(split.relevant), 1))


def by_role(split: Split, weights: np.ndarray | None = None) -> np.ndarray:
    h, cohorts = split.train.history, split.train.cohorts
    assert h is not None and cohorts is not None
    w = np.ones(len(h)) if weights is None else weights
    n_roles = int(cohorts.max(initial=0)) + 1
    table = np.zeros((n_roles, h.n_items))
    np.add.at(table, (cohorts[h.users], h.items), w)
    return table[cohorts]


def recent_role(split: Split, half_life: float) -> np.ndarray:
    h = split.train.history
    assert h is not None
    return by_role(split, decay(split.train.now_days - h.first_at, half_life))


def als(split: Split, factors: int, reg: float, seed: int) -> np.ndarray:
    from implicit.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    model = AlternatingLeastSquares(factors=factors, regularization=reg, iterations=15,
                                    random_state=seed, num_threads=2)  # fmt: skip
    weights = split.train.weights.tocsr()
    with threadpool_limits(1, "blas"):
        model.fit(weights, show_progress=False)
    return np.asarray(model.user_factors) @ np.asarray(model.item_factors).T


def knn(split: Split, neighbours: int) -> np.ndarray:
    from implicit.nearest_neighbours import BM25Recommender

    weights = split.train.weights.tocsr()
    model = BM25Recommender(K=neighbours, num_threads=2)
    model.fit(weights, show_progress=False)
    return np.asarray((weights @ model.similarity).todense())


def pipeline(split: Split, seed: int) -> np.ndarray:
    """The product's scores: ``HybridModel.fit_pipeline`` with the default settings, the
    LightFM score blended with the role signals as serving blends them."""
    data = split.train
    model, _ = HybridModel.fit_pipeline(data, FitParameters(seed=seed, threads=2))
    bags = [{**b, **model.trends_of(m)} for b, m in zip(data.item_bags, data.item_ids,
                                                          strict=True)]  # fmt: skip
    biases, vectors = model.item_representations(bags)
    users = np.asarray(data.user_features @ model.user_embeddings[: data.user_features.shape[1]])
    raw = users @ vectors.T + biases
    signals = {MODEL: raw}
    if model.role_signals is not None and data.cohorts is not None:
        for name, values in model.role_signals.values.items():
            signals[name] = values[data.cohorts]
    eligible = np.ones(raw.shape, dtype=bool)
    result: np.ndarray = Blend(model.blend, TRANSFORMS).score(signals, eligible)
    return result


Method = Callable[[Split, object, int], np.ndarray]


def tuned(
    name: str, grid: list[object], scores: Method, validation: Split, test: Split, seed: int
) -> tuple[str, dict[str, tuple[float, ...]]]:
    best: dict[str, object] = {}
    for group in ("warm", "cold"):
        rows = validation.rows(group == "warm")
        if not len(rows):
            best[group] = grid[0]
            continue
        best[group] = max(grid, key=lambda g: judge(validation, scores(validation, g, seed),
                                                       rows)[0])  # fmt: skip
    found = {}
    for group in ("warm", "cold"):
        rows = test.rows(group == "warm")
        found[group] = judge(test, scores(test, best[group], seed), rows) if len(rows) else ()
    return name, found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=300)
    parser.add_argument("--modules", type=int, default=150)
    args = parser.parse_args()
    print_machine()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(persistence="memory", seed_if_empty=False, model_dir=folder)
        services = build_services(settings, start_projections=False)
        try:
            seed_demo(services.app, DemoSpec(employees=args.employees, modules=args.modules))
            services.runner.catch_up()
            features = services.recommender.features
            employees, modules, roles = features.employees(), features.modules(), features.roles()
            consenting = services.consents.subjects_allowing(PERSONALISATION)
            rows = services.recommender.interactions.all()
        finally:
            services.close()
    seeded = time.perf_counter() - started
    test = split_at(rows, employees, modules, roles, consenting, SHARE)
    before = [r for r in rows if datetime.fromisoformat(r[7]) < datetime.fromtimestamp(
        test.train.now_days * 86_400, UTC)]  # fmt: skip
    validation = split_at(before, employees, modules, roles, consenting, SHARE)
    print(flush=True)
    print(
        f"seeded {len(rows)} interactions of {len(employees)} employees in {seeded:.0f}s;"
        f" test: {len(test.rows(True))} warm and {len(test.rows(False))} cold employees"
    )
    methods: list[tuple[str, list[object], Method]] = [
        ("popularity (global)", [None], lambda s, g, seed: global_scores(s)),
        ("role popularity", [None], lambda s, g, seed: by_role(s)),
        ("recent role popularity (time-decayed)", [3.0, 7.0, 14.0, 30.0, 60.0],
         lambda s, g, seed: recent_role(s, float(g))),  # type: ignore[arg-type]
        ("implicit ALS", [(f, r) for f in (8, 16, 32, 64) for r in (0.01, 0.1, 1.0)],
         lambda s, g, seed: als(s, g[0], g[1], seed)),  # type: ignore[index]
        ("item-kNN (BM25)", [10, 20, 50, 100], lambda s, g, seed: knn(s, int(g))),  # type: ignore[call-overload]
        ("Skillpath pipeline (recency hybrid, settings chosen on validation)", [None],
         lambda s, g, seed: pipeline(s, seed)),
    ]  # fmt: skip
    results: dict[str, dict[str, list[tuple[float, ...]]]] = {}
    for name, grid, scores in methods:
        for seed in SEEDS:
            _, found = tuned(name, grid, scores, validation, test, seed)
            for group, figures in found.items():
                results.setdefault(name, {}).setdefault(group, []).append(figures)
    for group in ("warm", "cold"):
        print(f"\n{group} employees | NDCG@10 | precision@10 | recall@10 | coverage")
        ordered = sorted(results, key=lambda n: -np.mean([f[0] for f in results[n][group] if f]
                                                          or [0]))  # fmt: skip
        for name in ordered:
            figures = [f for f in results[name][group] if f]
            if not figures:
                continue
            cells = [f"{np.mean(c):.4f} ± {np.std(c):.4f}" for c in zip(*figures, strict=True)]
            print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"\nruntime {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
