"""Ranking for one employee: model (or popularity) scores, the rules, and the reasons.

Nothing here reads storage or writes events: serving gathers a ``Learner`` and the
catalogue, and gets ranked items back. Fairness reports rank the same way.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from app.projections.features import EmployeeFeatures, ModuleFeatures, RoleRequirements
from app.recommend import drivers, reasons, rules
from app.recommend.catalogue import CatalogueIndex
from app.recommend.drivers import Driver, Key
from app.recommend.explain import ScoreBasis, gap_skill, reason_for, score_drivers
from app.recommend.model import HybridModel
from app.recommend.pipeline_types import DECLINED
from app.recommend.reasons import Reason
from app.recommend.recency import TRANSITIONS
from app.recommend.vocabulary import user_features

#: How much each preference moves an item, in standard deviations of the model score.
GAP_BONUS, GOAL_BONUS, PROFILE_GOAL_BONUS, MEDIA_BONUS = 0.6, 1.0, 0.4, 0.5
#: "People in your role who took X often took this": at least this many peers took X,
#: and at least this share of them also took the item.
MIN_PEERS, MIN_CO_SHARE = 3, 0.3
#: Candidates looked at beyond the list length (prerequisites and diversity skip some).
POOL = 200

PERSONALISED, ROLE_BASED, POPULARITY = "personalised", "role_based", "popularity"


@dataclass(frozen=True)
class Learner:
    """What serving knows about the employee for this request (consent already applied)."""

    employee: EmployeeFeatures
    role: RoleRequirements | None
    personalised: bool
    completed: frozenset[str] = frozenset()
    in_progress: frozenset[str] = frozenset()
    declined: frozenset[str] = frozenset()
    #: (module id, score) of the latest quiz attempts, newest last.
    recent_quizzes: tuple[tuple[str, int], ...] = ()
    goal: str | None = None
    #: (module id, first touch in days since the epoch) of the modules the employee
    #: started (personalised only): what the transitions signal follows on from.
    started: tuple[tuple[str, float], ...] = ()
    #: "Now" for the transitions signal, days since the epoch (0: the request's clock).
    now_days: float = 0.0


@dataclass(frozen=True)
class RankedItem:
    module_id: str
    score: float
    #: Reasons (largest contributions first), then fits (``Reason.fit``).
    reasons: tuple[Reason, ...]
    #: Every contribution to ``score``, largest first (reasons name the largest).
    drivers: tuple[Driver, ...] = ()


@dataclass(frozen=True)
class Ranking:
    items: list[RankedItem]
    basis: str


@dataclass
class Peers:
    """Who took what at training time (consenting employees), grouped by role."""

    model: HybridModel
    taken_by_item: sp.csc_matrix = field(init=False)
    role_users: dict[str, np.ndarray] = field(init=False)

    def __post_init__(self) -> None:
        self.taken_by_item = self.model.taken.tocsc()
        roles = np.asarray(self.model.user_roles, dtype=str)
        self.role_users = {r: np.flatnonzero(roles == r) for r in set(self.model.user_roles)}
        self.item_index = {m: i for i, m in enumerate(self.model.item_ids)}

    def _takers(self, module_id: str) -> np.ndarray:
        item = self.item_index.get(module_id)
        if item is None:
            return np.empty(0, dtype=np.int32)
        start, end = self.taken_by_item.indptr[item], self.taken_by_item.indptr[item + 1]
        return np.asarray(self.taken_by_item.indices[start:end])

    def explainer(self, role_id: str, taken: list[str]) -> PeerExplainer:
        """For one learner: which of their modules enough role peers took, and who."""
        peers = self.role_users.get(role_id)
        takers: list[tuple[str, np.ndarray]] = []
        if peers is not None:
            for module_id in taken:
                took = np.intersect1d(self._takers(module_id), peers, assume_unique=True)
                if len(took) >= MIN_PEERS:
                    takers.append((module_id, took))
        return PeerExplainer(self, takers)


@dataclass(frozen=True)
class PeerExplainer:
    peers: Peers
    takers: list[tuple[str, np.ndarray]]

    def taken_before(self, candidate: str) -> str | None:
        """A module of the learner's that role peers often took together with ``candidate``."""
        if not self.takers:
            return None
        took_candidate = self.peers._takers(candidate)
        for module_id, took in self.takers:
            both = np.intersect1d(took, took_candidate, assume_unique=True)
            if len(both) / len(took) >= MIN_CO_SHARE:
                return module_id
        return None


@dataclass(frozen=True)
class Popularity:
    """How many consenting employees took each module, overall and per role."""

    overall: np.ndarray
    by_role: dict[str, np.ndarray]

    def scores(self, role_id: str) -> np.ndarray:
        role = self.by_role.get(role_id)
        base: np.ndarray = np.log1p(self.overall) * 0.2
        return base if role is None else base + np.log1p(role)


def rank(
    learner: Learner,
    catalogue: CatalogueIndex,
    model: HybridModel | None,
    popularity: Popularity | None,
    first: int,
    *,
    peers: Peers | None = None,
    relevance_floor: float = 0.0,
    topic_floors: dict[str, int] | None = None,
) -> Ranking:
    """The best ``first`` eligible modules, with reasons.

    ``relevance_floor`` reserves that share of the list for modules teaching skills the
    role requires; ``topic_floors`` (the fairness mitigation, app/recommend/fairness.py)
    puts at least that many modules of each topic in the list, the best-scored ones of the
    topic replacing the lowest-ranked others.
    """
    employee = learner.employee
    if not len(catalogue):
        return Ranking([], POPULARITY if model is None else _basis(learner))
    ceiling = _ceiling(learner, catalogue) if learner.personalised else None
    mask = _eligible(learner, catalogue, ceiling)
    bag = user_features(employee, learner.role, personalised=learner.personalised,
                        identity=True)  # fmt: skip
    if model is not None and catalogue.item_vectors is not None:
        _, vector = model.user_representation(bag)
        raw = catalogue.item_vectors @ vector + catalogue.item_biases
        basis = _basis(learner)
    else:
        raw = popularity.scores(employee.role_id) if popularity else np.zeros(len(catalogue))
        basis = POPULARITY
        model = None
    standard, spread = _standardised(raw, mask)
    signals = _signal_parts(model, catalogue, employee.role_id, mask) if model else []
    if model is not None and learner.personalised:
        signals += _transition_part(model, catalogue, learner, mask)
    score = standard + _bonus(learner, catalogue)
    for _, part, offset in signals:
        score += part - offset
    eligible = np.flatnonzero(mask)
    candidates = eligible
    if len(candidates) > POOL + first:
        best = np.argpartition(-score[candidates], POOL + first)[: POOL + first]
        candidates = candidates[best]
    ordered = candidates[np.argsort(-score[candidates], kind="stable")]
    chosen = _walk(learner, catalogue, ordered, first, relevance_floor)
    if len(chosen) < first and len(candidates) < len(eligible):
        # The pool ran out (prerequisites not met): the whole eligible catalogue, in order.
        ordered = eligible[np.argsort(-score[eligible], kind="stable")]
        chosen = _walk(learner, catalogue, ordered, first, relevance_floor)
    if topic_floors:
        chosen = _with_topic_floors(learner, catalogue, ordered, chosen, topic_floors)
    explainer = None
    if peers is not None and learner.personalised:
        explainer = peers.explainer(employee.role_id, sorted(learner.completed)[:20])
    scoring = ScoreBasis(learner.personalised, model, bag, spread, _gaps(learner))
    items = []
    for i in chosen:
        module = catalogue.modules[i]
        parts = {key: float(part[i] - offset) for key, part, offset in signals}
        found = item_drivers(learner, catalogue, scoring, i, float(raw[i]), parts)
        shown = _reasons(found, scoring, catalogue, module, explainer)
        fits = _fits(learner, module, catalogue, ceiling)
        items.append(RankedItem(module.module_id, float(score[i]), (*shown, *fits), tuple(found)))
    return Ranking(items, basis)


def item_drivers(
    learner: Learner,
    catalogue: CatalogueIndex,
    scoring: ScoreBasis,
    position: int,
    raw: float,
    signals: dict[Key, float] | None = None,
) -> list[Driver]:
    """Every contribution to the final score of the module at ``position``, largest first."""
    module = catalogue.modules[position]
    bonuses = bonus_parts(learner, catalogue, position)
    return score_drivers(scoring, module, catalogue.bag(position), bonuses, raw, signals)


def _signal_parts(
    model: HybridModel, catalogue: CatalogueIndex, role_id: str, mask: np.ndarray
) -> list[tuple[Key, np.ndarray, float]]:
    """The role signals as the blend weighs them: (driver, weight x signal / spread, the
    same at the mean), compressed and standardised over the eligible modules exactly as
    the validation split measured them (app/recommend/pipeline.py). An item's contribution
    is the difference of the two: what removing the signal from the blend takes away."""
    found: list[tuple[Key, np.ndarray, float]] = []
    if not mask.any() or model.role_signals is None:
        return found
    for name, values in catalogue.role_signals(role_id).items():
        weight = model.blend.get(name, 0.0)
        top = float(model.role_signals.values[name].max(initial=0.0))
        compressed = np.log1p(1000.0 * np.maximum(values, 0.0) / (top or 1.0))
        known = mask & (catalogue.model_rows >= 0)
        if weight == 0.0 or not known.any():
            continue
        # A module published after training has no signal yet: neutral, not "nobody".
        compressed[~(catalogue.model_rows >= 0)] = float(compressed[known].mean())
        spread = float(compressed[mask].std())
        if spread <= 0.0:
            continue
        key: Key = (drivers.DECLINED, None) if name == DECLINED else (drivers.COHORT_RECENT, None)
        mean = float(compressed[mask].mean())
        found.append((key, weight * compressed / spread, weight * mean / spread))
    return found


def _transition_part(
    model: HybridModel, catalogue: CatalogueIndex, learner: Learner, mask: np.ndarray
) -> list[tuple[Key, np.ndarray, float]]:
    """The transitions signal as the blend weighs it (compressed, standardised over the
    eligible modules as on the validation split); empty without history or weight."""
    weight = model.blend.get(TRANSITIONS, 0.0)
    if weight == 0.0 or model.transitions is None or not learner.started or not mask.any():
        return []
    now = learner.now_days or time.time() / 86_400
    values = model.transition_row(learner.started, now)
    known = catalogue.model_rows >= 0
    row = np.zeros(len(catalogue), dtype=np.float64)
    row[known] = values[catalogue.model_rows[known]]
    if float(row[mask].max(initial=0.0)) <= 0.0:
        return []
    top = model.transition_top or float(row[mask].max())
    compressed = np.log1p(1000.0 * np.maximum(row, 0.0) / top)
    spread = float(compressed[mask].std())
    if spread <= 0.0:
        return []
    mean = float(compressed[mask].mean())
    return [((drivers.NEXT_STEP, None), weight * compressed / spread, weight * mean / spread)]


def bonus_parts(
    learner: Learner, catalogue: CatalogueIndex, position: int
) -> dict[tuple[str, str | None], float]:
    """The rule bonuses of one module by driver; they sum to ``_bonus`` at ``position``."""
    module = catalogue.modules[position]
    parts: dict[tuple[str, str | None], float] = {}
    skill = gap_skill(module, _gaps(learner))
    if skill is not None:
        kind = drivers.SKILL_GAP if learner.personalised else drivers.ROLE_NEEDS
        parts[(kind, skill)] = GAP_BONUS
    for term, weight in _goal_terms(learner):
        if catalogue.matching(term)[position]:
            key = (drivers.GOAL, term)
            parts[key] = parts.get(key, 0.0) + weight
    media_types = learner.employee.media_types
    if learner.personalised and media_types and module.media_type in media_types:
        parts[(drivers.MEDIA, module.media_type)] = MEDIA_BONUS
    return parts


def _basis(learner: Learner) -> str:
    return PERSONALISED if learner.personalised else ROLE_BASED


def _ceiling(learner: Learner, catalogue: CatalogueIndex) -> int | None:
    recent = [
        (score, int(catalogue.difficulty[catalogue.position[module_id]]))
        for module_id, score in learner.recent_quizzes
        if module_id in catalogue.position
    ]
    return rules.difficulty_ceiling(recent)


def _eligible(learner: Learner, catalogue: CatalogueIndex, ceiling: int | None) -> np.ndarray:
    mask = ~catalogue.retired
    for module_id in learner.completed | learner.in_progress | learner.declined:
        position = catalogue.position.get(module_id)
        if position is not None:
            mask[position] = False
    if ceiling is not None:
        mask &= catalogue.difficulty <= ceiling
    if learner.personalised:
        mask &= catalogue.language == learner.employee.language
        longest = rules.longest_fitting(learner.employee.weekly_minutes)
        if longest is not None:
            mask &= catalogue.minutes <= longest
    return mask


def _standardised(raw: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, float]:
    """Scores in standard deviations over the eligible modules, and the spread used."""
    if not mask.any():
        return np.zeros_like(raw, dtype=np.float64), 1.0
    values = raw[mask]
    spread = float(values.std()) or 1.0
    return (raw - float(values.mean())) / spread, spread


def _gaps(learner: Learner) -> dict[str, tuple[int, int]]:
    """Skill -> (current, required) where the role needs more; current is 0 unless personal."""
    required = learner.role.levels() if learner.role else {}
    levels = learner.employee.skills if learner.personalised else {}
    return {s: (levels.get(s, 0), r) for s, r in required.items() if levels.get(s, 0) < r}


def _goal_terms(learner: Learner) -> list[tuple[str, float]]:
    terms = [(learner.goal, GOAL_BONUS)] if learner.goal else []
    if learner.personalised:
        terms += [(g, PROFILE_GOAL_BONUS) for g in learner.employee.goals]
    return terms


def _bonus(learner: Learner, catalogue: CatalogueIndex) -> np.ndarray:
    bonus = np.zeros(len(catalogue))
    closes = np.zeros(len(catalogue), dtype=bool)
    for skill, (current, _) in _gaps(learner).items():
        closes |= catalogue.teaching_above(skill, current)
    bonus += GAP_BONUS * closes
    for term, weight in _goal_terms(learner):
        bonus += weight * catalogue.matching(term)
    if learner.personalised and learner.employee.media_types:
        bonus += MEDIA_BONUS * np.isin(catalogue.media, learner.employee.media_types)
    return bonus


def _walk(
    learner: Learner, catalogue: CatalogueIndex, ordered: np.ndarray, first: int, floor: float
) -> list[int]:
    guard = rules.DiversityGuard()
    chosen: list[int] = []
    spare_relevant: list[int] = []
    required = set(learner.role.levels()) if learner.role else set()
    completed = set(learner.completed)
    held_back: list[int] = []  # over the diversity cap, in rank order
    for i in ordered:
        if len(chosen) >= first and floor <= 0:
            break
        module = catalogue.modules[int(i)]
        if not rules.prerequisites_met(module, completed):
            continue
        if len(chosen) >= first:
            if required & set(module.skills):
                spare_relevant.append(int(i))
            continue
        if guard.admit(module):
            chosen.append(int(i))
        elif len(held_back) < first:
            held_back.append(int(i))
    if len(chosen) < first:
        # Too few main skills among the candidates to keep the cap and fill the list: the
        # best of those held back follow, so the list is full and its head stays diverse.
        chosen += held_back[: first - len(chosen)]
    needed = math.ceil(floor * first)
    relevant = [i for i in chosen if required & set(catalogue.modules[i].skills)]
    while len(relevant) < needed and spare_relevant:
        # Replace the lowest-ranked item that does not teach a required skill.
        for position in range(len(chosen) - 1, -1, -1):
            if chosen[position] not in relevant:
                chosen[position] = spare_relevant.pop(0)
                relevant.append(chosen[position])
                break
        else:
            break
    return chosen


def _with_topic_floors(
    learner: Learner,
    catalogue: CatalogueIndex,
    ordered: np.ndarray,
    chosen: list[int],
    floors: dict[str, int],
) -> list[int]:
    """``chosen`` with at least ``floors[topic]`` modules of each topic where the pool has
    them: the best-scored spare ones of a short topic replace the lowest-ranked items
    that no floor needs. The list keeps its score order."""
    result = list(chosen)
    completed = set(learner.completed)

    def topics(i: int) -> set[str]:
        return set(catalogue.modules[i].topics)

    def needed_by_floor(i: int) -> bool:
        return any(
            t in floors and sum(t in topics(j) for j in result) <= floors[t] for t in topics(i)
        )

    for topic, count in sorted(floors.items()):
        spares = [
            int(i) for i in ordered
            if int(i) not in result and topic in topics(int(i))
            and rules.prerequisites_met(catalogue.modules[int(i)], completed)
        ]  # fmt: skip
        while sum(topic in topics(j) for j in result) < count and spares:
            victims = [j for j in reversed(result) if not needed_by_floor(j)]
            if not victims:
                break
            result[result.index(victims[0])] = spares.pop(0)
    rank_of = {int(i): n for n, i in enumerate(ordered)}
    return sorted(result, key=lambda i: rank_of.get(i, len(rank_of)))


def _reasons(
    found: list[Driver],
    scoring: ScoreBasis,
    catalogue: CatalogueIndex,
    module: ModuleFeatures,
    peers: PeerExplainer | None,
) -> list[Reason]:
    """The largest contributions to the score, as reasons with their shares."""
    taken = peers.taken_before(module.module_id) if peers is not None else None
    position = None if taken is None else catalogue.position.get(taken)
    related = None
    if taken is not None and position is not None:
        related = (catalogue.modules[position].title, taken)
    return [reason_for(d, scoring, related) for d in drivers.shown(found)]


def _fits(
    learner: Learner, module: ModuleFeatures, catalogue: CatalogueIndex, ceiling: int | None
) -> list[Reason]:
    """Constraints the module passed: they let it in, they did not raise its score."""
    found: list[Reason] = [] if learner.personalised else [reasons.role_based()]
    if learner.personalised and learner.employee.weekly_minutes > 0:
        found.append(reasons.budget(module.minutes, learner.employee.weekly_minutes))
    if module.prerequisite_ids:
        titles = [
            catalogue.modules[catalogue.position[p]].title
            for p in module.prerequisite_ids
            if p in catalogue.position
        ]
        found.append(reasons.prerequisites(titles))
    if ceiling is not None:
        found.append(reasons.easier_step())
    return found
