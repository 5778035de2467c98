"""What drove an item's score: its final score split into named, additive contributions.

An item's final score is its standardised model score plus the rule bonuses. The model
score of LightFM is a sum over pairs of features (a user feature such as ``role:<id>`` or
``gap:sql`` with an item feature such as ``teaches:sql`` or ``new:7``) and over item-feature
biases, so the score splits exactly into those terms; standardising divides each by the same
spread. Terms are grouped into drivers a person can read (``role_topic`` for role x topic,
``skill_gap``, ``cohort_recent`` for the trend features, ``history`` for the person's own
identity feature, rule bonuses), and the drivers with the largest contributions become the
reasons shown, each with its share of the score. Removing a driver lowers the score by
exactly its contribution, so the first reason is the one whose removal costs the item most.

Constraints an item passed (budget, prerequisites, a difficulty ceiling) are not part of
the score; they are "fits" notes, built in :mod:`app.recommend.ranking`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from app.recommend.model import HybridModel
from app.recommend.vocabulary import Bag

#: Reasons shown per item at most: the largest positive contributions.
MAX_REASONS = 3
#: A contribution below this share of the item's score is noise, not a reason (the
#: largest one is shown whatever its share).
MIN_SHARE = 0.1

#: Driver kinds (also reason kinds, see app/recommend/reasons.py).
ROLE_TOPIC, ROLE_POPULAR = "role_topic", "role_popular"
SKILL_GAP, ROLE_NEEDS, GOAL, MEDIA = "skill_gap", "role_needs", "goal", "media"
HISTORY, PROFILE, POPULAR, COHORT_RECENT, NO_MODEL = (
    "history", "profile", "popular", "cohort_recent", "no_model",
)  # fmt: skip
#: Where people who started what the learner started lately went on to (transitions).
NEXT_STEP = "next_step"
#: People in the role dismissed the module or reported it wrong: only ever lowers a score,
#: so it is never a reason (it shows in an item's drivers).
DECLINED = "declined"

#: Item-feature prefixes of the cohort-trend features (app/recommend/candidates.trend_bags).
TREND_PREFIXES = ("new:", "busy:")


@dataclass(frozen=True)
class Driver:
    """One named contribution to an item's final score (standard deviations)."""

    kind: str
    #: The skill, topic, goal term or medium it is about, when it is about one.
    detail: str | None
    value: float
    #: ``value`` over the sum of the absolute contributions of the item.
    share: float = 0.0

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.kind, self.detail)


Key = tuple[str, "str | None"]


def pair_key(
    user_feature: str, item_feature: str, *, personalised: bool, item_skills: set[str]
) -> Key:
    """The driver a (user feature, item feature) term of the model score belongs to."""
    if item_feature.startswith(TREND_PREFIXES):
        return (COHORT_RECENT, None)
    if user_feature.startswith("role:"):
        if item_feature.startswith("teaches:"):
            return (ROLE_TOPIC, item_feature.split(":")[1])
        if item_feature.startswith("topic:"):
            return (ROLE_TOPIC, item_feature.split(":", 1)[1])
        return (ROLE_POPULAR, None)
    if user_feature.startswith("user:"):
        return (HISTORY, None)
    if user_feature.startswith("gap:"):
        skill = user_feature.split(":", 1)[1]
        if skill in item_skills:
            return (SKILL_GAP, skill)
    return (PROFILE, None)


def bias_key(item_feature: str) -> Key:
    """The driver an item-feature bias belongs to: trends, or plain popularity."""
    if item_feature.startswith(TREND_PREFIXES):
        return (COHORT_RECENT, None)
    return (POPULAR, None)


def model_terms(
    model: HybridModel,
    user_bag: Bag,
    item_bag: Bag,
    *,
    personalised: bool,
    item_skills: set[str],
) -> dict[Key, float]:
    """The item's raw model score split by driver (sums to the raw score exactly).

    Each (user feature, item feature) term goes to the driver ``pair_key`` names; terms are
    summed per driver a block at a time: the trend columns whole, then per kind of user
    feature (role, history, gap, the rest), which is what ``pair_key`` decides by."""
    u_idx, u_w = model.user_vocabulary.row(user_bag)
    i_idx, i_w = model.item_vocabulary.row(item_bag)
    user_names = model.user_vocabulary.names
    item_names = model.item_vocabulary.names
    pairs = (model.user_embeddings[u_idx] @ model.item_embeddings[i_idx].T).astype(np.float64)
    pairs *= u_w.astype(np.float64)[:, None] * i_w.astype(np.float64)[None, :]
    biases = i_w.astype(np.float64) * model.item_biases[i_idx]
    terms: dict[Key, float] = defaultdict(float)
    items = [item_names[i] for i in i_idx.tolist()]
    trend = np.array([n.startswith(TREND_PREFIXES) for n in items], dtype=bool)
    if trend.any():
        terms[(COHORT_RECENT, None)] += float(pairs[:, trend].sum())
    rest = ~trend
    by_kind: dict[Key, list[int]] = defaultdict(list)
    role_rows: list[int] = []
    for a, u in enumerate(u_idx.tolist()):
        user = user_names[u]
        if user.startswith("role:"):
            role_rows.append(a)
        elif user.startswith("user:"):
            by_kind[(HISTORY, None)].append(a)
        elif user.startswith("gap:") and user.split(":", 1)[1] in item_skills:
            by_kind[(SKILL_GAP, user.split(":", 1)[1])].append(a)
        else:
            by_kind[(PROFILE, None)].append(a)
    if rest.any():
        for key, rows in by_kind.items():
            terms[key] += float(pairs[np.asarray(rows)][:, rest].sum())
        if role_rows:
            per_item = pairs[role_rows].sum(axis=0)
            for b in np.flatnonzero(rest).tolist():
                terms[pair_key("role:", items[b], personalised=personalised,
                               item_skills=item_skills)] += float(per_item[b])  # fmt: skip
    for b, name in enumerate(items):
        terms[bias_key(name)] += float(biases[b])
    return dict(terms)


def combine(*sources: dict[Key, float]) -> list[Driver]:
    """Model terms (already standardised), role signals and rule bonuses as drivers,
    largest first."""
    total: dict[Key, float] = defaultdict(float)
    for source in sources:
        for key, value in source.items():
            total[key] += value
    magnitude = sum(abs(v) for v in total.values()) or 1.0
    drivers = [Driver(k, d, v, v / magnitude) for (k, d), v in total.items()]
    return sorted(drivers, key=lambda d: (-d.value, d.kind, d.detail or ""))


def shown(drivers: list[Driver]) -> list[Driver]:
    """The drivers that become reasons: the largest positive ones (the largest one even
    when nothing is positive, so every item says what moved it most)."""
    candidates = [d for d in drivers if d.kind != DECLINED]
    positive = [d for d in candidates if d.value > 0 and d.share >= MIN_SHARE][:MAX_REASONS]
    return positive or candidates[:1]
