"""Fairness: exposure of topics by self-declared group, and the re-ranking mitigation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.aggregates import SYSTEM
from app.recommend.audit import fairness_report
from app.recommend.fairness import FairnessReport
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
