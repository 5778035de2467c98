"""Exposure fairness of top-10 lists by self-declared gender and age band.

For each topic group (a module topic such as ``technical``), a person's exposure is the
share of their top-10 list carrying that topic. People are compared only with people of
the same role and skill level (strata); group exposures are standardised over the strata
where every compared group is present. A ratio below 0.8 between the least and the most
exposed group is flagged. Only employees with fairness_audit consent and declared
attributes are in a report; groups smaller than ``min_group_size`` are suppressed.

The mitigation is a re-ranking that reserves a share of every list for modules teaching
skills the role requires. It never looks at the protected attributes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from uuid import UUID

from app.access import too_few_to_show
from app.projections.fairness_attributes import DeclaredAttributes
from app.recommend.ranking import Learner, Ranking

THRESHOLD = 0.8
ATTRIBUTES = ("gender", "age_band")
NOT_COMPARED = "undisclosed"


@dataclass(frozen=True)
class GroupExposure:
    group: str
    members: int
    #: None when the group is smaller than the minimum group size.
    exposure: float | None


@dataclass(frozen=True)
class TopicFairness:
    topic: str
    attribute: str
    groups: list[GroupExposure]
    ratio: float | None
    flagged: bool


@dataclass(frozen=True)
class FairnessReport:
    model_version: str | None
    mitigated: bool
    subjects: int
    strata: int
    threshold: float
    min_group_size: int
    topics: list[TopicFairness]


def skill_band(learner: Learner) -> str:
    """low / mid / high: the mean assessed level over the skills the role requires."""
    required = learner.role.levels() if learner.role else {}
    if not required:
        return "n/a"
    mean = sum(learner.employee.skills.get(s, 0) for s in required) / len(required)
    return "low" if mean < 1.5 else "mid" if mean < 3 else "high"


def exposure_report(
    subjects: Iterable[DeclaredAttributes],
    learner_of: Callable[[UUID], Learner],
    rank: Callable[[Learner], Ranking],
    topics_of: Callable[[str], list[str]],
    *,
    model_version: str | None,
    mitigated: bool,
    min_group_size: int,
) -> FairnessReport:
    """Rank every subject, then compare topic exposure between groups within strata."""
    people: list[tuple[DeclaredAttributes, tuple[str, str], dict[str, float]]] = []
    for subject in subjects:
        learner = learner_of(UUID(subject.employee_id))
        ranking = rank(learner)
        size = max(len(ranking.items), 1)
        shares: dict[str, float] = defaultdict(float)
        for item in ranking.items:
            for topic in topics_of(item.module_id):
                shares[topic] += 1 / size
        stratum = (learner.employee.role_id, skill_band(learner))
        people.append((subject, stratum, dict(shares)))
    topics = sorted({t for _, _, shares in people for t in shares})
    results = [
        _compare(people, topic, attribute, min_group_size)
        for topic in topics
        for attribute in ATTRIBUTES
    ]
    return FairnessReport(
        model_version=model_version,
        mitigated=mitigated,
        subjects=len(people),
        strata=len({stratum for _, stratum, _ in people}),
        threshold=THRESHOLD,
        min_group_size=min_group_size,
        topics=[r for r in results if r.groups],
    )


def _compare(
    people: list[tuple[DeclaredAttributes, tuple[str, str], dict[str, float]]],
    topic: str,
    attribute: str,
    min_group_size: int,
) -> TopicFairness:
    members: dict[str, int] = defaultdict(int)
    cells: dict[tuple[str, str], list[float]] = defaultdict(list)
    for subject, stratum, shares in people:
        group = getattr(subject, attribute)
        if group == NOT_COMPARED:
            continue
        members[group] += 1
        cells[(str(stratum), group)].append(shares.get(topic, 0.0))
    compared = sorted(g for g, n in members.items() if n and not too_few_to_show(n, min_group_size))
    strata = {s for s, _ in cells}
    # Direct standardisation over strata where every compared group has members.
    shared = [s for s in sorted(strata) if all((s, g) in cells for g in compared)]
    weights = {s: sum(len(cells[(s, g)]) for g in compared) for s in shared}
    exposures: dict[str, float] = {}
    if shared and len(compared) >= 2:
        total = sum(weights.values())
        for group in compared:
            exposures[group] = (
                sum(weights[s] * sum(cells[(s, group)]) / len(cells[(s, group)]) for s in shared)
                / total
            )
    groups = [
        GroupExposure(g, members[g], round(exposures[g], 4) if g in exposures else None)
        for g in sorted(members)
    ]
    ratio = None
    if len(exposures) >= 2 and max(exposures.values()) > 0:
        ratio = round(min(exposures.values()) / max(exposures.values()), 4)
    return TopicFairness(topic, attribute, groups, ratio, ratio is not None and ratio < THRESHOLD)
