"""Reasons come from the score: the largest contributions, with shares; constraints are fits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.aggregates import SYSTEM
from app.recommend import drivers, reasons
from app.recommend.drivers import Driver
from app.recommend.explain import ScoreBasis, reason_for
from app.recommend.model import FitParameters
from app.recommend.ranking import GAP_BONUS, GOAL_BONUS
from app.recommend.vocabulary import user_features
from tests.recommend_org import Org, analysts_and_engineers, memory_services

#: Long enough for the model's feature pairs to carry real weight.
TRAINED = FitParameters(components=16, epochs=30, threads=1)


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    services = memory_services(tmp_path)
    try:
        built = analysts_and_engineers(services, people=16)
        built.train(TRAINED)
        yield built
    finally:
        services.close()


def model_terms_by_hand(org: Org, employee_bag: dict[str, float], module_id: str,
                        personalised: bool) -> dict[tuple[str, str | None], float]:  # fmt: skip
    """The raw model score of one module split by driver, computed from the model's arrays
    here rather than by the code under test (only the naming of drivers is shared)."""
    served = org.services.recommender.served()
    assert served is not None
    model = served.model
    catalogue = org.services.recommender._current_catalogue(
        served, org.services.recommender.features.versions()
    )
    position = catalogue.position[module_id]
    item_bag = catalogue.bag(position)
    skills = set(catalogue.modules[position].skills)

    def normalised(bag: dict[str, float], index: dict[str, int]) -> dict[int, float]:
        known = {index[n]: w for n, w in bag.items() if n in index}
        total = sum(known.values())
        return {k: w / total for k, w in known.items()}

    users = normalised(employee_bag, model.user_vocabulary.index)
    items = normalised(item_bag, model.item_vocabulary.index)
    user_names, item_names = model.user_vocabulary.names, model.item_vocabulary.names
    terms: dict[tuple[str, str | None], float] = defaultdict(float)
    for u, wu in users.items():
        for i, wi in items.items():
            key = drivers.pair_key(user_names[u], item_names[i], personalised=personalised,
                                   item_skills=skills)  # fmt: skip
            terms[key] += wu * wi * float(model.user_embeddings[u] @ model.item_embeddings[i])
    for i, wi in items.items():
        terms[drivers.bias_key(item_names[i])] += wi * float(model.item_biases[i])
    return dict(terms)


def role_signals_by_hand(
    org: Org, role_id: str, eligible: list[str]
) -> dict[tuple[str, str | None], dict[str, float]]:
    """Each blended role signal's part per module: weight x its standardised log value."""
    served = org.services.recommender.served()
    assert served is not None and served.model.role_signals is not None
    model, signals = served.model, served.model.role_signals
    row = signals.role_ids.index(role_id)
    found: dict[tuple[str, str | None], dict[str, float]] = defaultdict(dict)
    for name, matrix in signals.values.items():
        weight = model.blend.get(name, 0.0)
        values = np.array([matrix[row, model.item_ids.index(m)] for m in eligible], float)
        logged = np.log1p(1000.0 * values / (float(matrix.max()) or 1.0))
        if weight == 0 or logged.std() == 0:
            continue
        key = (drivers.DECLINED if name == "declined" else drivers.COHORT_RECENT, None)
        z = weight * (logged - logged.mean()) / logged.std()
        for module, value in zip(eligible, z, strict=True):
            found[key][module] = found[key].get(module, 0.0) + float(value)
    return found


def driver_named(reason: reasons.Reason, goal: str) -> tuple[str, str | None]:
    """The driver a reason speaks for, read from the reason's own fields."""
    if reason.kind == reasons.PEERS_TOOK:
        return (drivers.HISTORY, None)
    if reason.kind == reasons.GOAL:
        return (drivers.GOAL, goal)
    if reason.kind == reasons.MEDIA:
        return (drivers.MEDIA, reason.media_type)
    return (reason.kind, reason.skill)


def test_the_first_reason_is_the_contribution_whose_removal_lowers_the_score_most(
    org: Org,
) -> None:
    employee = org.hire("engineer")
    org.app.assess_skill(employee, skill="python", level=1, source="self", actor=SYSTEM)
    org.complete(employee, "testing-1")
    org.settle()
    recommender = org.services.recommender
    served = recommender.recommend(employee, first=8, goal="python", actor=SYSTEM)
    learner = recommender.learner(employee, "python")
    bag = user_features(learner.employee, learner.role, personalised=True, identity=True)
    # Everything but the completed module may be shown (no budget, one language, no
    # ceiling): the model scores are standardised over those, by hand here.
    eligible = [str(m) for n, m in org.modules.items() if n != "testing-1"]
    terms = {m: model_terms_by_hand(org, bag, m, personalised=True) for m in eligible}
    raw = np.array([sum(terms[m].values()) for m in eligible])
    mean, spread = float(raw.mean()), float(raw.std())
    gaps = {"python": 1, "testing": 0}  # current levels where the role needs more
    signal_part = role_signals_by_hand(org, learner.employee.role_id, eligible)
    for item in served.ranking.items:
        name = org.name_of(item.module_id)
        skill, level = name.split("-")[0], int(name.split("-")[1])
        # What removing each driver takes away: its model terms and its rule bonus.
        drops = {key: value / spread for key, value in terms[item.module_id].items()}
        if skill in gaps and min(5, level + 1) > gaps[skill]:
            key = (drivers.SKILL_GAP, skill)
            drops[key] = drops.get(key, 0.0) + GAP_BONUS
        if "python" in name:
            drops[(drivers.GOAL, "python")] = GOAL_BONUS
        for key, values in signal_part.items():
            drops[key] = drops.get(key, 0.0) + values[item.module_id]
        # Nothing is hidden: the contributions add up to the served score.
        assert sum(drops.values()) - mean / spread == pytest.approx(item.score, abs=1e-4)
        largest = max(drops, key=lambda k: drops[k])
        first = next(r for r in item.reasons if not r.fit)
        assert driver_named(first, goal="python") == largest, name
        assert first.share is not None and first.share > 0
    assert served.ranking.items


def test_taking_the_goal_away_lowers_the_score_by_the_goal_contribution(org: Org) -> None:
    employee = org.hire("analyst")
    org.settle()
    recommender = org.services.recommender
    with_goal = recommender.recommend(employee, first=10, goal="leadership", actor=SYSTEM)
    item = next(
        i for i in with_goal.ranking.items if any(d.kind == drivers.GOAL for d in i.drivers)
    )
    goal = next(d for d in item.drivers if d.kind == drivers.GOAL)
    learner = recommender.learner(employee, None)
    without = recommender.rank_for(learner, first=20)
    before = next(i for i in without.items if i.module_id == item.module_id)
    assert item.score - before.score == pytest.approx(goal.value, abs=1e-6)
    assert (drivers.GOAL, "leadership") not in {d.key for d in before.drivers}


def test_shares_are_of_the_whole_score_and_fits_are_not_reasons(org: Org) -> None:
    employee = org.hire("engineer")
    org.app.update_profile(employee, media_types=["video"], weekly_minutes=60, goals=[],
                           language="en", actor=SYSTEM)  # fmt: skip
    org.settle()
    served = org.services.recommender.recommend(employee, first=6, goal=None, actor=SYSTEM)
    for item in served.ranking.items:
        shown = [r for r in item.reasons if not r.fit]
        fits = [r for r in item.reasons if r.fit]
        assert 1 <= len(shown) <= drivers.MAX_REASONS
        assert all(r.kind != reasons.BUDGET for r in shown)
        assert [r.kind for r in fits] == [reasons.BUDGET]
        assert fits[0].share is None
        total = sum(abs(d.value) for d in item.drivers)
        assert sum(abs(d.share) for d in item.drivers) == pytest.approx(1.0)
        largest = item.drivers[0]
        assert shown[0].share == pytest.approx(largest.value / total, abs=1e-4)
        shares = [r.share for r in shown]
        assert shares == sorted(shares, reverse=True)


def test_the_history_reason_names_a_module_role_peers_took_with_the_item(org: Org) -> None:
    employee = org.hire("engineer")
    org.complete(employee, "python-1")
    org.train(TRAINED)
    served = org.services.recommender.served()
    assert served is not None
    explainer = served.peers.explainer(str(org.roles["engineer"]), [str(org.modules["python-1"])])
    taken_with = [n for n, m in org.modules.items() if explainer.taken_before(str(m))]
    assert taken_with, "role peers who took python-1 took other modules too"
    basis = ScoreBasis(True, served.model, {}, 1.0, {})
    reason = reason_for(Driver(drivers.HISTORY, None, 1.0, 0.4), basis,
                        ("python-1", str(org.modules["python-1"])))  # fmt: skip
    assert reason.kind == reasons.PEERS_TOOK and reason.share == 0.4
    assert reason.text == "people in your role who took python-1 often took this"
    plain = reason_for(Driver(drivers.HISTORY, None, 1.0, 0.4), basis, None)
    assert plain.kind == reasons.HISTORY
    assert np.isfinite(plain.share or 0.0)
