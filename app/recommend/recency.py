"""The recency hybrid: LightFM on recency-aged interactions and cohort-trend features,
re-ranked together with what the cohort and one's peers have just started.

This module holds the pieces that training and evaluation share, so the OULAD benchmark and
training from the read models (where the cohort is a role or a team) compute the same
signals:

- ``training_weights``: LightFM sample weights aged from each pair's first touch;
- ``trend_bags``: item features naming how fast the cohort is taking an item up right now
  (``new:<level>``) and how busy it is (``busy:<level>``), so LightFM learns their weight;
- ``recency_signals``: the re-ranking signals for a set of people, next to the model score:
  the cohort's take-up, its recent activity (aged, or in a window of days), the peers'
  take-up, and the **transitions** (where people who started what this person started
  lately went on to next: a time-decayed first-order Markov chain over first touches).

The weights that blend them are chosen on a validation split (``app.recommend.selection``),
never fixed by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from app.recommend.signals import (
    PairHistory,
    cohort_adoption_hazard,
    cohort_recent_activity,
    cohort_window_activity,
    decayed_strength,
    peer_adoption_hazard,
    quantile_levels,
    transition_matrix,
    transition_scores,
)
from app.recommend.vocabulary import Bag

#: Names of the re-ranking signals; ``model`` is the LightFM score, the anchor of a blend.
MODEL, PEERS, COHORT_NEW, COHORT_RECENT = "model", "peers", "cohort_new", "cohort_recent"
COHORT_WINDOW, TRANSITIONS = "cohort_window", "transitions"
SIGNALS = (MODEL, PEERS, COHORT_NEW, COHORT_RECENT, COHORT_WINDOW, TRANSITIONS)
#: Hazards and counts are heavy-tailed: compressed before standardising.
TRANSFORMS = {
    PEERS: "log",
    COHORT_NEW: "log",
    COHORT_RECENT: "log",
    COHORT_WINDOW: "log",
    TRANSITIONS: "log",
}
#: Weight of each trend feature before a bag is normalised (identity features weigh 3).
TREND_WEIGHT = 2.0


@dataclass(frozen=True)
class RecencySettings:
    """The half-lives and sizes of the signals (days; ``inf`` means no ageing)."""

    weight_half_life: float = 2.0
    trend_half_life: float = 1.0
    trend_levels: int = 10
    cohort_new_half_life: float = 1.0
    cohort_recent_half_life: float = 1.0
    peer_profile_half_life: float = 30.0
    peer_adoption_half_life: float = 1.0
    peer_neighbours: int = 800
    #: Members who touched an item in the last this many days (``cohort_window``).
    cohort_window_days: float = 5.0
    #: Transitions: the next ``transition_lag`` first touches follow each one, weighted by
    #: the gap between them and the age of the transition; a person's own items weigh by
    #: how lately they started them.
    transition_lag: int = 20
    transition_gap_half_life: float = 5.0
    transition_age_half_life: float = 5.0
    transition_profile_half_life: float = 5.0
    #: Blend weights; signals not named weigh nothing.
    weights: dict[str, float] = field(default_factory=lambda: {MODEL: 1.0})


def training_weights(history: PairHistory, now: float | np.ndarray, half_life: float) -> np.ndarray:
    """LightFM sample weights: each pair's strength, halved every ``half_life`` days since
    it was first touched, so the model learns what people are starting now."""
    return decayed_strength(history, now, half_life, since="first")


def trend_bags(
    history: PairHistory,
    now: float | np.ndarray,
    settings: RecencySettings,
    user_groups: np.ndarray | None = None,
    item_groups: np.ndarray | None = None,
) -> list[Bag]:
    """Per item, its cohort-trend features, levels relative to the item's group.

    With groups, an item's trend is measured in the cohort it belongs to (an OULAD site in
    its presentation); without, the organisation is one cohort (a Skillpath module is
    open to every role, and the per-role picture is left to ``recency_signals``).
    """
    n_items = history.n_items
    if user_groups is None or item_groups is None:
        user_groups = np.zeros(history.n_users, dtype=np.int64)
        item_groups = np.zeros(n_items, dtype=np.int64)
    groups = int(max(user_groups.max(initial=0), item_groups.max(initial=0))) + 1
    columns = np.arange(n_items)
    half_life = settings.trend_half_life
    hazard = cohort_adoption_hazard(history, user_groups, groups, now, half_life)
    busy = cohort_recent_activity(history, user_groups, groups, now, half_life)
    new_level = quantile_levels(hazard[item_groups, columns], item_groups, settings.trend_levels)
    busy_level = quantile_levels(busy[item_groups, columns], item_groups, settings.trend_levels)
    return [
        {f"new:{a}": TREND_WEIGHT, f"busy:{b}": TREND_WEIGHT}
        for a, b in zip(new_level.tolist(), busy_level.tolist(), strict=True)
    ]


def recency_signals(
    history: PairHistory,
    cohorts: np.ndarray,
    now: float | np.ndarray,
    users: np.ndarray,
    settings: RecencySettings,
    names: tuple[str, ...] = (PEERS, COHORT_NEW, COHORT_RECENT),
) -> dict[str, np.ndarray]:
    """The re-ranking signals (people x items) for ``users``, beside the model score.

    ``cohorts`` gives every person's cohort (role or team; an OULAD presentation); only
    the signals in ``names`` are computed (peers are the costly one, and say nothing for
    people without history).
    """
    n_cohorts = int(cohorts.max(initial=0)) + 1
    found: dict[str, np.ndarray] = {}
    if COHORT_NEW in names:
        hazard = cohort_adoption_hazard(
            history, cohorts, n_cohorts, now, settings.cohort_new_half_life
        )
        found[COHORT_NEW] = hazard[cohorts[users]]
    if COHORT_RECENT in names:
        recent = cohort_recent_activity(
            history, cohorts, n_cohorts, now, settings.cohort_recent_half_life
        )
        found[COHORT_RECENT] = recent[cohorts[users]]
    if COHORT_WINDOW in names:
        window = cohort_window_activity(
            history, cohorts, n_cohorts, now, settings.cohort_window_days
        )
        found[COHORT_WINDOW] = window[cohorts[users]]
    if TRANSITIONS in names:
        found[TRANSITIONS] = transition_scores(
            history,
            transitions_of(history, now, settings),
            now,
            users,
            settings.transition_profile_half_life,
        )
    if PEERS in names:
        found[PEERS] = peer_adoption_hazard(
            history,
            cohorts,
            now,
            users,
            profile_half_life=settings.peer_profile_half_life,
            adoption_half_life=settings.peer_adoption_half_life,
            neighbours=settings.peer_neighbours,
        )
    return found


def transitions_of(
    history: PairHistory, now: float | np.ndarray, settings: RecencySettings
) -> sp.csr_matrix:
    """The items x items transition matrix with the settings' lag and half-lives."""
    return transition_matrix(
        history,
        now,
        lag=settings.transition_lag,
        gap_half_life=settings.transition_gap_half_life,
        age_half_life=settings.transition_age_half_life,
    )
