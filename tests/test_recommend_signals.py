"""Recency and cohort signals: what a cohort and one's peers have just started."""

from __future__ import annotations

import numpy as np
import pytest

from app.recommend.recency import (
    COHORT_NEW,
    COHORT_RECENT,
    COHORT_WINDOW,
    PEERS,
    TRANSITIONS,
    RecencySettings,
    recency_signals,
    training_weights,
    trend_bags,
)
from app.recommend.signals import (
    PairHistory,
    cohort_adoption_hazard,
    cohort_recent_activity,
    cohort_window_activity,
    decay,
    peer_adoption_hazard,
    quantile_levels,
    transition_matrix,
    transition_scores,
)


def history(rows: list[tuple[int, int, float, float]], users: int, items: int) -> PairHistory:
    """Pairs (user, item, first day, last day), strength 1."""
    u, i, first, last = (np.asarray(c) for c in zip(*rows, strict=True))
    return PairHistory(
        u, i, first.astype(float), last.astype(float), np.ones(len(rows)), users, items
    )


def test_events_collapse_into_pairs_with_first_and_last_touch_and_summed_strength() -> None:
    pairs = PairHistory.from_events(
        users=np.array([0, 0, 0, 1]),
        items=np.array([2, 2, 1, 2]),
        at=np.array([5.0, 1.0, 3.0, 4.0]),
        strength=np.array([2.0, 3.0, 1.0, 1.0]),
        n_users=2,
        n_items=3,
    )
    found = {
        (int(u), int(i)): (f, la, s)
        for u, i, f, la, s in zip(
            pairs.users, pairs.items, pairs.first_at, pairs.last_at, pairs.strength, strict=True
        )
    }
    assert found == {(0, 1): (3.0, 3.0, 1.0), (0, 2): (1.0, 5.0, 5.0), (1, 2): (4.0, 4.0, 1.0)}


def test_weight_halves_every_half_life_and_infinity_means_no_ageing() -> None:
    ages = np.array([0.0, 2.0, 4.0])
    assert decay(ages, 2.0).tolist() == pytest.approx([1.0, 0.5, 0.25])
    assert decay(ages, np.inf).tolist() == [1.0, 1.0, 1.0]


def test_training_weights_favour_what_was_started_lately() -> None:
    # Same strength; item 0 started 10 days ago (touched again today), item 1 started today.
    pairs = history([(0, 0, 0.0, 10.0), (0, 1, 10.0, 10.0)], users=1, items=2)
    weights = training_weights(pairs, now=10.0, half_life=5.0)
    assert weights[1] == pytest.approx(1.0)
    assert weights[0] == pytest.approx(0.25)


def test_an_item_the_cohort_is_taking_up_now_outranks_one_it_already_has() -> None:
    # Four members. Item 0: everyone opened it long ago. Item 1: two opened it yesterday.
    rows = [(u, 0, 0.0, 9.0) for u in range(4)] + [(0, 1, 9.0, 9.0), (1, 1, 9.0, 9.0)]
    pairs = history(rows, users=4, items=2)
    cohorts = np.zeros(4, dtype=np.int64)
    hazard = cohort_adoption_hazard(pairs, cohorts, 1, now=10.0, half_life=1.0)
    busy = cohort_recent_activity(pairs, cohorts, 1, now=10.0, half_life=1.0)
    assert hazard[0, 1] > hazard[0, 0]
    # Recent activity alone cannot tell them apart the right way: item 0 is busier.
    assert busy[0, 0] > busy[0, 1]


def test_cohorts_only_count_their_own_members() -> None:
    pairs = history([(0, 0, 9.0, 9.0), (1, 1, 9.0, 9.0)], users=2, items=2)
    cohorts = np.array([0, 1])
    hazard = cohort_adoption_hazard(pairs, cohorts, 2, now=10.0, half_life=1.0)
    assert hazard[0, 0] > 0 and hazard[0, 1] == 0
    assert hazard[1, 1] > 0 and hazard[1, 0] == 0


def test_peers_with_a_similar_recent_history_drive_the_peer_signal() -> None:
    # User 0 did what user 1 did (item 0); user 2 did something else (item 1). User 1 has
    # just started item 2, user 2 item 3: for user 0, item 2 comes from the nearer peer.
    rows = [
        (0, 0, 1.0, 9.0),
        (1, 0, 1.0, 9.0),
        (2, 1, 1.0, 9.0),
        (1, 2, 9.5, 9.5),
        (2, 3, 9.5, 9.5),
        (2, 0, 1.0, 1.0),
    ]
    pairs = history(rows, users=4, items=4)
    cohorts = np.zeros(4, dtype=np.int64)
    scores = peer_adoption_hazard(
        pairs,
        cohorts,
        10.0,
        np.array([0, 3]),
        profile_half_life=5.0,
        adoption_half_life=1.0,
        neighbours=2,
    )
    assert scores[0, 2] > scores[0, 3] > 0
    # User 3 has no history, hence no peers: nothing to say.
    assert not scores[1].any()


def test_levels_are_quantiles_within_each_group_and_zero_stays_zero() -> None:
    values = np.array([0.0, 1.0, 2.0, 3.0, 0.0, 10.0, 20.0, 30.0])
    groups = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    levels = quantile_levels(values, groups, levels=3)
    assert levels.tolist() == [0, 1, 2, 3, 0, 1, 2, 3]


def test_trend_features_name_how_fast_an_item_is_being_taken_up() -> None:
    rows = [(u, 0, 0.0, 0.0) for u in range(4)] + [(u, 1, 9.0, 9.0) for u in range(3)]
    pairs = history(rows, users=4, items=3)
    bags = trend_bags(pairs, 10.0, RecencySettings(trend_levels=2))
    assert bags[1]["new:2"] > 0 and "new:0" in bags[2]
    assert set(bags[0]) == {"new:1", "busy:1"}


def test_recency_signals_compute_only_what_is_asked_for_each_persons_cohort() -> None:
    rows = [(0, 0, 9.0, 9.0), (1, 1, 9.0, 9.0), (2, 0, 1.0, 9.0)]
    pairs = history(rows, users=3, items=2)
    cohorts = np.array([0, 1, 0])
    found = recency_signals(
        pairs, cohorts, 10.0, np.array([2, 1]), RecencySettings(), (COHORT_NEW, COHORT_RECENT)
    )
    assert set(found) == {COHORT_NEW, COHORT_RECENT}
    assert found[COHORT_NEW].shape == (2, 2)
    # Row 0 is user 2 (cohort 0, where item 0 is being taken up), row 1 user 1 (cohort 1).
    assert found[COHORT_NEW][0, 0] > 0 and found[COHORT_NEW][0, 1] == 0
    assert found[COHORT_NEW][1, 1] > 0 and found[COHORT_NEW][1, 0] == 0
    assert PEERS in recency_signals(pairs, cohorts, 10.0, np.array([0]), RecencySettings())


def test_a_window_counts_each_member_who_touched_an_item_in_the_last_days_once() -> None:
    # Item 0: touched 1 and 4 days ago by two members; item 1: 6 days ago; item 2: today
    # by a member of the other cohort.
    rows = [(0, 0, 1.0, 9.0), (1, 0, 2.0, 6.0), (2, 1, 3.0, 4.0), (3, 2, 10.0, 10.0)]
    pairs = history(rows, users=4, items=3)
    cohorts = np.array([0, 0, 0, 1])
    found = cohort_window_activity(pairs, cohorts, 2, 10.0, 5.0)
    assert found[0].tolist() == [2.0, 0.0, 0.0]
    assert found[1].tolist() == [0.0, 0.0, 1.0]
    assert cohort_window_activity(pairs, cohorts, 2, 10.0, 6.0)[0].tolist() == [2.0, 1.0, 0.0]


def test_transitions_count_what_people_started_next_from_what_they_started() -> None:
    # Three people start 0 then 1; one starts 0 then 2; one starts 2 then 0.
    rows = [(u, 0, 1.0, 1.0) for u in range(3)] + [(u, 1, 2.0, 2.0) for u in range(3)]
    rows += [(3, 0, 1.0, 1.0), (3, 2, 2.0, 2.0), (4, 2, 1.0, 1.0), (4, 0, 2.0, 2.0)]
    pairs = history(rows, users=5, items=3)
    matrix = transition_matrix(pairs, 10.0, lag=5, gap_half_life=np.inf, prior=0.0).toarray()
    # Five people started item 0: three went on to 1, one to 2.
    assert matrix[0].tolist() == pytest.approx([0.0, 3 / 5, 1 / 5])
    # Item 1 never led anywhere; item 2 led to 0 once out of its two starters.
    assert matrix[1].tolist() == [0.0, 0.0, 0.0]
    assert matrix[2].tolist() == pytest.approx([1 / 2, 0.0, 0.0])


def test_a_transition_weighs_less_the_longer_the_gap_and_the_older_it_is() -> None:
    # Person 0 went 0 -> 1 the next day; person 1 went 0 -> 2 ten days later.
    rows = [(0, 0, 20.0, 20.0), (0, 1, 21.0, 21.0), (1, 0, 20.0, 20.0), (1, 2, 30.0, 30.0)]
    pairs = history(rows, users=2, items=3)
    by_gap = transition_matrix(pairs, 30.0, lag=5, gap_half_life=1.0).toarray()
    assert by_gap[0, 1] / by_gap[0, 2] == pytest.approx(2**9)  # 0.5 ** 1 against 0.5 ** 10
    by_age = transition_matrix(pairs, 30.0, lag=5, gap_half_life=np.inf, age_half_life=3.0)
    assert by_age[0, 2] > by_age[0, 1] > 0  # 0 -> 2 happened today, 0 -> 1 nine days ago


def test_the_lag_limits_how_far_ahead_a_transition_reaches() -> None:
    rows = [(0, 0, 1.0, 1.0), (0, 1, 2.0, 2.0), (0, 2, 3.0, 3.0)]
    pairs = history(rows, users=1, items=3)
    one = transition_matrix(pairs, 5.0, lag=1, gap_half_life=np.inf, prior=0.0).toarray()
    assert one[0].tolist() == [0.0, 1.0, 0.0] and one[1].tolist() == [0.0, 0.0, 1.0]
    two = transition_matrix(pairs, 5.0, lag=2, gap_half_life=np.inf, prior=0.0).toarray()
    assert two[0].tolist() == [0.0, 1.0, 1.0]


def test_items_started_at_the_same_moment_follow_each_other_both_ways() -> None:
    pairs = history([(0, 0, 1.0, 1.0), (0, 1, 1.0, 1.0)], users=1, items=2)
    matrix = transition_matrix(pairs, 5.0, lag=3, gap_half_life=np.inf, prior=0.0).toarray()
    assert matrix.tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_transition_scores_follow_on_from_what_each_person_started_lately() -> None:
    # Others: 0 -> 1 and 2 -> 3. Person 4 started 0 long ago and 2 yesterday.
    rows = [(u, 0, 1.0, 1.0) for u in range(2)] + [(u, 1, 2.0, 2.0) for u in range(2)]
    rows += [(u, 2, 1.0, 1.0) for u in (2, 3)] + [(u, 3, 2.0, 2.0) for u in (2, 3)]
    rows += [(4, 0, 0.0, 0.0), (4, 2, 19.0, 19.0)]
    pairs = history(rows, users=6, items=4)
    matrix = transition_matrix(pairs, 20.0, lag=5, gap_half_life=np.inf)
    scores = transition_scores(pairs, matrix, 20.0, np.array([4, 5]), half_life=2.0)
    assert scores.shape == (2, 4)
    assert scores[0, 3] > scores[0, 1] > 0  # what follows yesterday's start leads
    assert scores[1].tolist() == [0.0, 0.0, 0.0, 0.0]  # no history: nothing to follow


def test_recency_signals_offer_the_window_and_the_transitions() -> None:
    rows = [(0, 0, 1.0, 9.0), (0, 1, 2.0, 9.0), (1, 0, 8.0, 8.0)]
    pairs = history(rows, users=2, items=2)
    found = recency_signals(
        pairs, np.array([0, 0]), 10.0, np.array([1]), RecencySettings(),
        (COHORT_WINDOW, TRANSITIONS),
    )  # fmt: skip
    assert set(found) == {COHORT_WINDOW, TRANSITIONS}
    assert found[COHORT_WINDOW].tolist() == [[2.0, 1.0]]
    assert found[TRANSITIONS][0, 1] > 0  # person 1 started 0; person 0 went 0 -> 1
