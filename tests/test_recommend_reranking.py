"""Re-ranking blends, candidate pools, validation-based choices and sealed test labels."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest

from app.recommend.candidates import candidate_pool, top_per_row
from app.recommend.evaluation import SealedLabels
from app.recommend.reranking import Blend, compress, standardised
from app.recommend.selection import best_epochs, grid_search, tune_weights


def test_standardised_signals_have_zero_mean_and_unit_spread_over_eligible_items() -> None:
    raw = np.array([[1.0, 2.0, 3.0, 100.0], [5.0, 5.0, 5.0, 5.0]])
    eligible = np.array([[True, True, True, False], [True, True, True, True]])
    z = standardised(raw, eligible)
    assert z[0, :3].mean() == pytest.approx(0.0)
    assert z[0, :3].std() == pytest.approx(1.0)
    assert z[0, 3] == 0.0
    # A row that says nothing (all equal) contributes nothing.
    assert not z[1].any()


def test_log_compression_keeps_order_and_rejects_unknown_transforms() -> None:
    raw = np.array([[0.0, 1.0, 10.0, 1000.0]])
    compressed = compress(raw, "log")
    assert list(np.argsort(compressed[0])) == [0, 1, 2, 3]
    assert compressed[0, 3] - compressed[0, 2] < raw[0, 3] - raw[0, 2]
    with pytest.raises(ValueError, match="unknown transform"):
        compress(raw, "sqrt")


def signals() -> tuple[dict[str, np.ndarray], np.ndarray]:
    model = np.array([[3.0, 1.0, 2.0, 0.0]])
    cohort = np.array([[0.0, 5.0, 1.0, 9.0]])
    eligible = np.array([[True, True, True, False]])
    return {"model": model, "cohort": cohort}, eligible


def test_the_blended_score_is_the_sum_of_its_parts_and_never_offers_ineligible_items() -> None:
    found, eligible = signals()
    blend = Blend({"model": 1.0, "cohort": 0.5})
    score = blend.score(found, eligible)
    parts = blend.parts(found, eligible)
    assert score[0, 3] == -np.inf
    assert score[0, :3] == pytest.approx((parts["model"] + parts["cohort"])[0, :3])
    # Weight shifts the ranking: with the cohort signal heavy, item 1 wins.
    heavy = Blend({"model": 1.0, "cohort": 4.0}).score(found, eligible)
    assert int(np.argmax(score)) == 0 and int(np.argmax(heavy)) == 1


def test_shares_name_the_contribution_whose_removal_lowers_the_score_most() -> None:
    found, eligible = signals()
    blend = Blend({"model": 1.0, "cohort": 0.5})
    shares = blend.shares(found, eligible, row=0, item=0)
    assert sum(abs(s) for _, s in shares) == pytest.approx(1.0)
    full = blend.score(found, eligible)[0, 0]
    drops = {
        name: full - Blend({**blend.weights, name: 0.0}).score(found, eligible)[0, 0]
        for name in blend.weights
    }
    assert shares[0][0] == max(drops, key=lambda n: drops[n])


def test_candidates_are_the_union_of_each_signals_best_eligible_items() -> None:
    found, eligible = signals()
    assert top_per_row(found["cohort"], eligible, 1).tolist() == [[False, True, False, False]]
    pool = candidate_pool(found, eligible, per_signal=1)
    assert pool.tolist() == [[True, True, False, False]]
    # A flat signal adds nothing of its own; a row nobody informs keeps all it may show.
    flat = {"flat": np.ones((1, 4))}
    assert candidate_pool(flat, eligible, per_signal=1).tolist() == eligible.tolist()


def test_epochs_are_chosen_at_the_validation_peak_and_ties_go_to_fewer() -> None:
    curve = {5: 0.1, 10: 0.3, 20: 0.3, 40: 0.2}
    trained: list[int] = []
    choice = best_epochs(trained.append, lambda: curve[trained[-1]], [5, 10, 20, 40])
    assert (choice.best, choice.score) == (10, 0.3)
    assert trained == [5, 10, 20, 40]
    assert [e for e, _ in choice.tried] == [5, 10, 20, 40]
    with pytest.raises(ValueError):
        best_epochs(trained.append, lambda: 0.0, [10, 5])


def test_grid_search_returns_the_best_setting_and_everything_it_tried() -> None:
    choice = grid_search([1, 2, 3, 4], lambda x: -((x - 3) ** 2))
    assert choice.best == 3
    assert len(choice.tried) == 4
    with pytest.raises(ValueError):
        grid_search([], lambda x: 0.0)


def test_weights_are_tuned_around_a_fixed_anchor() -> None:
    target = {"model": 1.0, "peers": 2.0, "cohort": 0.0}

    def closeness(weights: Mapping[str, float]) -> float:
        return -sum((weights[n] - target[n]) ** 2 for n in target)

    choice = tune_weights(list(target), closeness, anchor="model")
    assert dict(choice.best) == target
    assert choice.score == pytest.approx(0.0)
    with pytest.raises(ValueError, match="anchor"):
        tune_weights(["peers"], closeness, anchor="model")


def test_test_labels_can_be_read_only_once() -> None:
    labels = SealedLabels([{1, 2}, set()])
    assert not labels.opened
    assert labels.open() == [{1, 2}, set()]
    assert labels.opened
    with pytest.raises(RuntimeError, match="already read"):
        labels.open()
