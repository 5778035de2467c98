"""Fairness: exposure of topics by self-declared group, and the re-ranking mitigation."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest

from app.aggregates import SYSTEM
from app.recommend.audit import fairness_report
from app.recommend.fairness import (
    TARGET_RATIO,
    THRESHOLD,
    FairnessReport,
    _floors,
    whole_modules,
)
from app.recommend.model import FitParameters
from tests.recommend_org import Org, memory_services

PEOPLE_PER_GROUP = 8


@pytest.fixture
def biased_org(tmp_path: Path) -> Iterator[Org]:
    """Engineers of one skill level whose history splits by gender: a planted bias.

    The women started (and left half-way) communication modules, the men technical ones.
    Nothing was completed, so everyone can be shown every module; a model trained on this
    history shows women fewer technical modules.
    """
    services = memory_services(tmp_path)
    try:
        org = Org(services)
        org.role("engineer", {"python": 4, "testing": 3})
        org.catalogue(levels=6)
        # Departments differ too: a proxy the model can pick the bias up from.
        women = [org.hire("engineer", fairness=("female", "30_44"), department="Enablement")
                 for _ in range(PEOPLE_PER_GROUP)]  # fmt: skip
        men = [org.hire("engineer", fairness=("male", "30_44"), department="Platform")
               for _ in range(PEOPLE_PER_GROUP)]  # fmt: skip
        for person in women + men:  # at the role's levels: no gap pulls the ranking
            for skill, level in (("python", 4), ("testing", 3)):
                org.app.assess_skill(person, skill=skill, level=level, source="self", actor=SYSTEM)
        for group, skills in ((women, ("communication", "leadership")),
                              (men, ("python", "testing", "sql"))):  # fmt: skip
            for person in group:
                for name in [n for n in org.modules if n.split("-")[0] in skills]:
                    enrollment = org.enrol(person, name)
                    org.app.record_progress(
                        enrollment, percent=50, minutes=None, position_minutes=None, actor=SYSTEM
                    )
                    org.app.drop_enrollment(enrollment, position_minutes=None, actor=SYSTEM)
        org.train(FitParameters(components=16, epochs=30, threads=1))
        yield org
    finally:
        services.close()


def technical(report: FairnessReport) -> float:
    [row] = [t for t in report.topics if t.topic == "technical" and t.attribute == "gender"]
    assert row.ratio is not None
    return row.ratio


def report(org: Org, *, mitigated: bool) -> FairnessReport:
    services = org.services
    return fairness_report(
        services.recommender, services.fairness_attributes, version=None,
        mitigated=mitigated, min_group_size=5,
    )  # fmt: skip


def test_a_planted_bias_is_flagged_and_the_re_ranking_lifts_the_ratio(biased_org: Org) -> None:
    plain = report(biased_org, mitigated=False)
    mitigated = report(biased_org, mitigated=True)
    assert plain.subjects == 2 * PEOPLE_PER_GROUP and plain.strata == 1
    [row] = [t for t in plain.topics if t.topic == "technical" and t.attribute == "gender"]
    exposure = {g.group: g.exposure for g in row.groups}
    assert exposure["female"] < exposure["male"]
    assert row.flagged and technical(plain) < 0.8
    assert technical(mitigated) > technical(plain)


def test_only_people_with_fairness_audit_consent_are_in_the_report(biased_org: Org) -> None:
    someone = biased_org.hire("engineer", fairness=("female", "30_44"))
    biased_org.app.withdraw_consent(someone, purpose="fairness_audit", actor=SYSTEM)
    biased_org.settle()
    assert report(biased_org, mitigated=False).subjects == 2 * PEOPLE_PER_GROUP


def test_groups_smaller_than_the_minimum_are_suppressed(biased_org: Org) -> None:
    services = biased_org.services
    small = fairness_report(
        services.recommender, services.fairness_attributes, version=None, mitigated=False,
        min_group_size=PEOPLE_PER_GROUP + 1,
    )  # fmt: skip
    rows = [t for t in small.topics if t.attribute == "gender"]
    assert rows and all(t.ratio is None and not t.flagged for t in rows)
    assert all(g.exposure is None for t in rows for g in t.groups)


#: Skills of the planted-bias organisation by topic: as many technical as communication.
TOPICS = {"python": "technical", "testing": "technical", "sql": "technical",
          "data": "technical", "communication": "communication", "leadership": "communication",
          "writing": "communication", "presenting": "communication"}  # fmt: skip
PER_GROUP = 25


#: What each person takes up next: this many modules of each topic, drawn at random from
#: those they have not taken (the same mix for both groups: equal roles and skills, the bias
#: is only in the history).
NEXT_PER_TOPIC = 3


@dataclass
class PlantedBias:
    org: Org
    #: Per person: the chance that each module not yet taken is among what they take up
    #: next (NEXT_PER_TOPIC over the modules of its topic left to them), against which
    #: precision@10 is measured as an expectation over that draw, not one sample of it.
    next_taken: dict[UUID, dict[str, float]]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlantedBias]:
    """One role, equal skills; historically the women completed communication modules and
    the men technical ones (one of the other topic each), in rounds, and the model is
    trained with the default settings (components and epochs chosen on validation)."""
    services = memory_services(tmp_path_factory.mktemp("planted"))
    try:
        org = Org(services)
        org.role("engineer", {"python": 4, "testing": 3})
        for skill, topic in TOPICS.items():
            for d in range(1, 6):
                org.module(f"{skill}-{d}", {skill: min(5, d + 1)}, difficulty=min(5, d),
                           topics=(topic,))  # fmt: skip
        rng = random.Random(3)
        by_topic = {t: [n for n in org.modules if TOPICS[n.split("-")[0]] == t]
                    for t in ("technical", "communication")}  # fmt: skip
        plans: dict[UUID, list[str]] = {}
        next_taken: dict[UUID, dict[str, float]] = {}
        for gender, department, main, other in (
            ("female", "Enablement", "communication", "technical"),
            ("male", "Platform", "technical", "communication"),
        ):
            for _ in range(PER_GROUP):
                person = org.hire("engineer", fairness=(gender, "30_44"), department=department)
                for skill, level in (("python", 4), ("testing", 3)):
                    org.app.assess_skill(person, skill=skill, level=level, source="self",
                                         actor=SYSTEM)  # fmt: skip
                taken = rng.sample(by_topic[main], 8) + rng.sample(by_topic[other], 1)
                rng.shuffle(taken)
                plans[person] = taken
                next_taken[person] = {}
                for modules in by_topic.values():
                    left = [m for m in modules if m not in taken]
                    next_taken[person].update({m: NEXT_PER_TOPIC / len(left) for m in left})
        for turn in range(9):
            for person, taken in plans.items():
                org.complete(person, taken[turn])
        org.train(FitParameters())
        yield PlantedBias(org, next_taken)
    finally:
        services.close()


def precision_at_10(planted: PlantedBias, *, mitigated: bool) -> float:
    recommender = planted.org.services.recommender
    hits = []
    for person, wanted in planted.next_taken.items():
        ranking = recommender.rank_for(recommender.learner(person), 10, mitigated=mitigated)
        names = [planted.org.name_of(i.module_id) for i in ranking.items]
        hits.append(sum(wanted.get(n, 0.0) for n in names) / 10)
    return sum(hits) / len(hits)


def test_default_training_flags_the_planted_bias_and_the_mitigation_lifts_it_to_the_threshold(
    planted: PlantedBias,
) -> None:
    plain = report(planted.org, mitigated=False)
    assert plain.mitigation == "none"
    assert technical(plain) < 0.8
    [row] = [t for t in plain.topics if t.topic == "technical" and t.attribute == "gender"]
    exposure = {g.group: g.exposure or 0.0 for g in row.groups}
    assert row.flagged and exposure["female"] < exposure["male"]
    assert plain.plan, "the report says what the mitigation must do"
    mitigated = report(planted.org, mitigated=True)
    assert mitigated.mitigation == "topic_exposure" and mitigated.mitigated
    assert technical(mitigated) >= 0.8
    gender_rows = [t for t in mitigated.topics if t.attribute == "gender"]
    assert not [t.topic for t in gender_rows if t.flagged]
    # The mitigation swaps only what the ratio needs; precision@10 on what everyone takes
    # up next is measured (docs/recommender.md gives the figure against the 0.9x target).
    assert precision_at_10(planted, mitigated=True) >= 0.8 * precision_at_10(
        planted, mitigated=False
    )


def test_the_required_topics_of_a_role_are_checked_in_absolute_terms(
    planted: PlantedBias,
) -> None:
    plain = report(planted.org, mitigated=False)
    [required] = plain.required_topics
    assert required.topic == "technical" and required.members == 2 * PER_GROUP
    assert required.exposure is not None and 0 < required.exposure < 1
    assert required.flagged == (required.exposure < 0.2)


def test_the_report_and_serving_follow_the_mitigation_setting(planted: PlantedBias) -> None:
    recommender = planted.org.services.recommender
    woman = next(p for p in planted.next_taken if planted.org.services.fairness_attributes
                 .all()[str(p)].gender == "female")  # fmt: skip
    learner = recommender.learner(woman)
    before = recommender.rank_for(learner, 10)
    recommender.mitigation = True
    try:
        following = report_following_setting(planted.org)
        assert following.mitigated and following.mitigation == "topic_exposure"
        served = recommender.rank_for(learner, 10)
        topics = [recommender.topics_of(i.module_id) for i in served.items]
        plain_topics = [recommender.topics_of(i.module_id) for i in before.items]
        assert sum("technical" in t for t in topics) > sum("technical" in t for t in plain_topics)
        decision = recommender.recommend(woman, first=10, goal=None, actor=SYSTEM)
        logged = planted.org.app.repository.get(decision.decision_id)
        assert logged.inputs_hash  # the floors are among the recorded inputs
    finally:
        recommender.mitigation = False
    assert not report_following_setting(planted.org).mitigated


def report_following_setting(org: Org) -> FairnessReport:
    services = org.services
    return fairness_report(services.recommender, services.fairness_attributes, version=None,
                           mitigated=None, min_group_size=5)  # fmt: skip


def test_floors_of_segregated_lists_count_the_swaps_the_other_floors_make() -> None:
    # Women's lists all communication, men's all technical: each topic is flagged with a
    # best-served share of 1. Floors of 0.8 each cannot both hold; with each group's lists
    # carrying f of the other topic, the ratio is f / (1 - f), so f = r / (1 + r).
    floors = _floors({"technical": 1.0, "communication": 1.0})
    expected = TARGET_RATIO / (1 + TARGET_RATIO)
    assert floors == pytest.approx({"technical": expected, "communication": expected}, abs=1e-6)
    assert floors["technical"] / (1 - floors["communication"]) >= THRESHOLD


def test_a_single_flagged_topic_gets_the_target_share_of_the_best_served_group() -> None:
    assert _floors({"technical": 0.5}) == pytest.approx({"technical": TARGET_RATIO * 0.5})


def test_fractional_floors_are_rounded_per_person_to_their_mean() -> None:
    people = [str(UUID(int=n)) for n in range(2000)]
    counts = [whole_modules(4.3, person, "technical") for person in people]
    assert set(counts) == {4, 5}
    assert sum(counts) / len(counts) == pytest.approx(4.3, abs=0.05)
    assert whole_modules(4.3, people[0], "technical") == counts[0]
    assert whole_modules(3.0, people[0], "technical") == 3
