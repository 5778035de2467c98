"""Recency and cohort signals from who touched what, and when.

What people open next is driven less by who they are than by what their cohort (a role or
team in Skillpath, a course presentation on OULAD) is doing right now: the material it has
just started opening, and what colleagues with a similar recent history picked up. These
functions turn a pair history (one row per person and item: first touch, last touch,
strength) into such signals, as plain arrays, so the benchmark on OULAD and training from
the read models compute exactly the same thing.

Times are in days on any common clock (OULAD: days since the presentation began; the
product: days since the epoch). ``now`` may differ per person: each OULAD presentation is
cut at its own day. Nothing here reads storage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

#: Rows of people handled at once when comparing them with their cohort.
CHUNK = 1024


@dataclass(frozen=True)
class PairHistory:
    """One row per (person, item) touched before ``now``: first and last touch, strength.

    ``strength`` is how much the pair says "wanted this" before any ageing (clicks on
    OULAD, completion and rating in the product).
    """

    users: np.ndarray
    items: np.ndarray
    first_at: np.ndarray
    last_at: np.ndarray
    strength: np.ndarray
    n_users: int
    n_items: int

    @classmethod
    def from_events(
        cls,
        users: np.ndarray,
        items: np.ndarray,
        at: np.ndarray,
        strength: np.ndarray,
        n_users: int,
        n_items: int,
    ) -> PairHistory:
        """Pairs from raw events (one row per touch): earliest, latest, summed strength."""
        key = users.astype(np.int64) * n_items + items.astype(np.int64)
        pairs, inverse = np.unique(key, return_inverse=True)
        first = np.full(len(pairs), np.inf)
        last = np.full(len(pairs), -np.inf)
        np.minimum.at(first, inverse, at)
        np.maximum.at(last, inverse, at)
        total = np.bincount(inverse, weights=strength, minlength=len(pairs))
        return cls(
            users=(pairs // n_items).astype(np.int64),
            items=(pairs % n_items).astype(np.int64),
            first_at=first,
            last_at=last,
            strength=total,
            n_users=n_users,
            n_items=n_items,
        )

    def __len__(self) -> int:
        return len(self.users)

    def ages(self, now: float | np.ndarray, since: str = "first") -> np.ndarray:
        """Days from each pair's first (or last) touch to its person's ``now``."""
        at = self.first_at if since == "first" else self.last_at
        ages: np.ndarray = np.maximum(_per_user(now, self.n_users)[self.users] - at, 0.0)
        return ages

    def matrix(self, values: np.ndarray) -> sp.csr_matrix:
        """People x items with ``values`` per pair."""
        return sp.csr_matrix(
            (np.asarray(values, dtype=np.float32), (self.users, self.items)),
            shape=(self.n_users, self.n_items),
        )


def decay(age_days: np.ndarray, half_life: float) -> np.ndarray:
    """Weight halving every ``half_life`` days; ``inf`` means no ageing at all."""
    if not np.isfinite(half_life):
        return np.ones_like(age_days, dtype=np.float64)
    result: np.ndarray = 0.5 ** (np.maximum(age_days, 0.0) / half_life)
    return result


def decayed_strength(
    history: PairHistory, now: float | np.ndarray, half_life: float, since: str = "first"
) -> np.ndarray:
    """Training weights: each pair's strength, aged from its first (or last) touch.

    Ageing from the first touch favours what a person has *started* lately, which is what
    predicts the next thing they start; ageing from the last touch favours what they keep
    returning to.
    """
    weights: np.ndarray = history.strength * decay(history.ages(now, since), half_life)
    return weights


def cohort_sizes(history: PairHistory, cohorts: np.ndarray, n_cohorts: int) -> np.ndarray:
    """Members of each cohort who touched anything: the people an item could still reach."""
    active = np.unique(history.users)
    return np.bincount(cohorts[active], minlength=n_cohorts).astype(np.float64)


def cohort_recent_activity(
    history: PairHistory,
    cohorts: np.ndarray,
    n_cohorts: int,
    now: float | np.ndarray,
    half_life: float,
) -> np.ndarray:
    """Cohorts x items: how many members touched each item lately (aged from the last touch)."""
    weights = decay(history.ages(now, "last"), half_life)
    return _by_cohort(history, cohorts, n_cohorts, weights)


def cohort_window_activity(
    history: PairHistory,
    cohorts: np.ndarray,
    n_cohorts: int,
    now: float | np.ndarray,
    days: float,
) -> np.ndarray:
    """Cohorts x items: members who touched each item within the last ``days`` days.

    A hard window rather than exponential ageing: with weekly rhythms (material released
    per week, a team's regular slot) a window of a few days counts each member in that
    rhythm once, where a half-life mostly counts who happened to be active yesterday.
    """
    inside = (history.ages(now, "last") <= days).astype(np.float64)
    return _by_cohort(history, cohorts, n_cohorts, inside)


def cohort_adoption_hazard(
    history: PairHistory,
    cohorts: np.ndarray,
    n_cohorts: int,
    now: float | np.ndarray,
    half_life: float,
    prior: float = 1.0,
) -> np.ndarray:
    """Cohorts x items: the recent rate at which members who had not yet opened an item did.

    Recent first touches divided by the members at risk (those without it, plus those who
    took it up recently), so an item the whole cohort has already taken scores low even if
    it was busy yesterday, and material the cohort is just starting scores high. With
    exponential ageing, a member who took the item up ``a`` days ago counts ``decay(a)``
    above and was at risk for ``decay(a)`` of the window, which is what the sum expresses.
    ``prior`` keeps items with one early taker from topping the list.
    """
    recent = decay(history.ages(now, "first"), half_life)
    adopted_recently = _by_cohort(history, cohorts, n_cohorts, recent)
    adopted = _by_cohort(history, cohorts, n_cohorts, np.ones(len(history)))
    members = cohort_sizes(history, cohorts, n_cohorts)[:, None]
    at_risk = np.maximum(members - adopted, 0.0) + adopted_recently
    result: np.ndarray = adopted_recently / (at_risk + prior)
    return result


def peer_adoption_hazard(
    history: PairHistory,
    cohorts: np.ndarray,
    now: float | np.ndarray,
    users: np.ndarray,
    *,
    profile_half_life: float,
    adoption_half_life: float,
    neighbours: int,
) -> np.ndarray:
    """len(users) x items: the adoption hazard among each person's nearest cohort peers.

    Peers are the ``neighbours`` cohort members whose recent history (aged from the last
    touch) is most like the person's, by cosine; each peer counts with its similarity. The
    result reads "colleagues who were doing what you did lately have just started this".
    People without history get zeros: they have no peers yet.
    """
    n_items = history.n_items
    profile = history.matrix(decay(history.ages(now, "last"), profile_half_life))
    norms = np.sqrt(np.asarray(profile.multiply(profile).sum(axis=1)).ravel())
    profile = sp.diags(1.0 / np.maximum(norms, 1e-12)) @ profile
    recent = history.matrix(decay(history.ages(now, "first"), adoption_half_life))
    adopted = history.matrix(np.ones(len(history)))
    result = np.zeros((len(users), n_items))
    positions = np.arange(len(users))
    for cohort in np.unique(cohorts[users]):
        members = np.flatnonzero((cohorts == cohort) & (norms > 0))
        if not len(members):
            continue
        member_profiles = profile[members].T.tocsc()
        mine = positions[cohorts[users] == cohort]
        for start in range(0, len(mine), CHUNK):
            rows = mine[start : start + CHUNK]
            people = users[rows]
            similarity = np.asarray((profile[people] @ member_profiles).todense())
            similarity[people[:, None] == members[None, :]] = 0.0
            if neighbours < similarity.shape[1]:
                cut = np.argpartition(-similarity, neighbours, axis=1)[:, neighbours:]
                np.put_along_axis(similarity, cut, 0.0, axis=1)
            weight = sp.csr_matrix(similarity)
            took_recently = np.asarray((weight @ recent[members]).todense())
            took = np.asarray((weight @ adopted[members]).todense())
            total = similarity.sum(axis=1, keepdims=True)
            at_risk = np.maximum(total - took, 0.0) + took_recently
            result[rows] = took_recently / (at_risk + 1e-3)
    return result


def quantile_levels(values: np.ndarray, groups: np.ndarray | None, levels: int) -> np.ndarray:
    """Each value's level 0..levels within its group: 0 for nothing, then quantiles of the rest.

    Turns a signal into categorical item features (``trend:3``) that LightFM can learn a
    weight for; levels are relative within a group so a small cohort's busiest item ranks
    with a large cohort's.
    """
    result = np.zeros(len(values), dtype=np.int64)
    keys = np.zeros(len(values), dtype=np.int64) if groups is None else groups
    for group in np.unique(keys):
        members = np.flatnonzero((keys == group) & (values > 0))
        if not len(members):
            continue
        edges = np.quantile(values[members], np.linspace(0, 1, levels + 1)[1:-1])
        result[members] = 1 + np.searchsorted(edges, values[members], side="right")
    return np.minimum(result, levels)


def _per_user(now: float | np.ndarray, n_users: int) -> np.ndarray:
    if np.ndim(now) == 0:
        return np.full(n_users, float(now))
    return np.asarray(now, dtype=np.float64)


def _by_cohort(
    history: PairHistory, cohorts: np.ndarray, n_cohorts: int, weights: np.ndarray
) -> np.ndarray:
    index = cohorts[history.users] * history.n_items + history.items
    counts = np.bincount(index, weights=weights, minlength=n_cohorts * history.n_items)
    return counts.reshape(n_cohorts, history.n_items)


def transition_matrix(
    history: PairHistory,
    now: float | np.ndarray,
    *,
    lag: int,
    gap_half_life: float,
    age_half_life: float = np.inf,
    prior: float = 1.0,
) -> sp.csr_matrix:
    """Items x items: how often a first touch of the column followed one of the row.

    A first-order Markov chain over what people start, in the manner of FPMC: each
    person's pairs are ordered by first touch, and every later one among the next ``lag``
    counts as a transition from the earlier one, weighted by ``decay(gap, gap_half_life)``
    (what was started the same day as, or right after, an item follows it most) and by
    ``decay(age, age_half_life)`` (transitions taken lately count more). Touches on the
    same moment have no order, so they count both ways. Rows are divided by the people who
    started the row item (plus ``prior``), so a row reads "of those who started this, the
    share who went on to start that next".
    """
    n_items = history.n_items
    if not len(history) or lag < 1:
        return sp.csr_matrix((n_items, n_items), dtype=np.float64)
    order = np.lexsort((history.first_at, history.users))
    users, items = history.users[order], history.items[order]
    first = history.first_at[order]
    now_of = _per_user(now, history.n_users)[users]
    sources: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for step in range(1, min(lag, len(order) - 1) + 1):
        same = users[step:] == users[:-step]
        if not same.any():
            break
        a = np.flatnonzero(same)
        b = a + step
        gap = first[b] - first[a]
        weight = decay(gap, gap_half_life) * decay(now_of[b] - first[b], age_half_life)
        sources.append(items[a])
        targets.append(items[b])
        weights.append(weight)
        tied = gap <= 0
        sources.append(items[b[tied]])
        targets.append(items[a[tied]])
        weights.append(weight[tied])
    if not sources:
        return sp.csr_matrix((n_items, n_items), dtype=np.float64)
    counts = sp.csr_matrix(
        (np.concatenate(weights), (np.concatenate(sources), np.concatenate(targets))),
        shape=(n_items, n_items),
    )
    counts.sum_duplicates()
    starters = np.bincount(history.items, minlength=n_items).astype(np.float64)
    result: sp.csr_matrix = (sp.diags(1.0 / (starters + prior)) @ counts).tocsr()
    return result


def transition_scores(
    history: PairHistory,
    transitions: sp.csr_matrix,
    now: float | np.ndarray,
    users: np.ndarray,
    half_life: float,
) -> np.ndarray:
    """len(users) x items: where people who started what each person started lately went
    next, each of the person's items weighted by ``decay`` from its first touch.

    People without history get zeros (nothing to follow on from).
    """
    recent = history.matrix(decay(history.ages(now, "first"), half_life))
    result: np.ndarray = np.asarray((recent[users] @ transitions).todense())
    return result
