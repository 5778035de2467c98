"""Exposure fairness of top-10 lists by self-declared gender and age band.

For each topic group (a module topic such as ``technical``), a person's exposure is the
share of their top-10 list carrying that topic. People are compared only with people of
the same role and skill level (strata); group exposures are standardised over the strata
where every compared group is present. A ratio below 0.8 between the least and the most
exposed group is flagged. Only employees with fairness_audit consent and declared
attributes are in a report; groups smaller than ``min_group_size`` are suppressed.

Beside the comparison between groups, the report checks the absolute exposure of the topics
each role requires (the topics of the modules teaching its required skills): a bias spread
over everyone in a role, which no comparison between groups sees, shows as a required topic
shown to nobody.

The mitigation (``SKILLPATH_FAIRNESS_MITIGATION``) re-ranks for the flagged topics only:
for each role and skill band where a topic's exposure differs between groups (ratio below
0.8), every list in that stratum carries at least a floor of the topic: 0.86 times the
share the best-served group keeps of it once every flagged topic's floor is in force (the
least that lifts the ratio over 0.8 with a margin for rounding to whole modules; when the
floors cannot all fit in a list, each gets its proportional
part). The plan is computed from the unmitigated
report (aggregates over people with fairness_audit consent); serving applies it by role
and band alone, never looking at anyone's protected attributes.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from uuid import UUID

from app.access import too_few_to_show
from app.projections.fairness_attributes import DeclaredAttributes
from app.recommend.ranking import Learner, Ranking

THRESHOLD = 0.8
#: The ratio the mitigation aims at: a little above the threshold, so that rounding floors
#: to whole modules per list does not leave a stratum just under it.
TARGET_RATIO = 0.86
ATTRIBUTES = ("gender", "age_band")
NOT_COMPARED = "undisclosed"
#: A role's required topics should fill at least this share of its lists, on average.
REQUIRED_SHARE = 0.2
#: Names of the mitigation, as reports and lists say which one is on.
NO_MITIGATION, TOPIC_EXPOSURE = "none", "topic_exposure"
#: People compared within a stratum for the plan (fewer say nothing about a group).
PLAN_MIN_GROUP = 2

Stratum = tuple[str, str]
#: Stratum -> topic -> the share of a list the topic should fill at least.
Plan = dict[Stratum, dict[str, float]]


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
class RequiredTopicExposure:
    """How much of a role's lists teach the topics the role requires, whoever is shown."""

    role_id: str
    topic: str
    members: int
    #: Mean share of the role's lists carrying the topic (None: too few people).
    exposure: float | None
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
    #: Which mitigation the lists were ranked with (``none`` or ``topic_exposure``).
    mitigation: str = NO_MITIGATION
    required_topics: list[RequiredTopicExposure] = field(default_factory=list)
    #: The mitigation plan this report's lists call for (from their exposures).
    plan: Plan = field(default_factory=dict)


def whole_modules(modules: float, employee_id: str, topic: str) -> int:
    """A floor of ``modules`` (a share times the list length) as whole modules for one list.

    Rounded down or up so that lists of a stratum carry the fractional floor on average:
    each list rounds up with a probability equal to the fraction, drawn from a hash of the
    employee and topic, so the same person always gets the same floor and nothing but the
    role and band decides it. Rounding every list up would swap in more modules of the
    topic than the ratio needs.
    """
    whole = math.floor(modules + 1e-9)
    fraction = modules - whole
    if fraction <= 1e-9:
        return whole
    digest = hashlib.sha256(f"{employee_id}:{topic}".encode()).digest()
    return whole + (int.from_bytes(digest[:8], "big") / 2**64 < fraction)


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
    required_topics: Callable[[Learner], set[str]] | None = None,
    mitigation: str | None = None,
) -> FairnessReport:
    """Rank every subject, then compare topic exposure between groups within strata, and
    check the absolute exposure of each role's required topics."""
    people: list[Person] = []
    required: dict[str, set[str]] = {}
    for subject in subjects:
        learner = learner_of(UUID(subject.employee_id))
        ranking = rank(learner)
        size = max(len(ranking.items), 1)
        shares: dict[str, float] = defaultdict(float)
        for item in ranking.items:
            for topic in set(topics_of(item.module_id)):
                shares[topic] += 1 / size
        stratum = (learner.employee.role_id, skill_band(learner))
        people.append((subject, stratum, dict(shares)))
        if required_topics is not None and learner.employee.role_id not in required:
            required[learner.employee.role_id] = required_topics(learner)
    topics = sorted({t for _, _, shares in people for t in shares} | {
        t for needed in required.values() for t in needed})  # fmt: skip
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
        mitigation=mitigation or (TOPIC_EXPOSURE if mitigated else NO_MITIGATION),
        required_topics=_required(people, required, min_group_size),
        plan=mitigation_plan(people),
    )


Person = tuple[DeclaredAttributes, Stratum, dict[str, float]]


def mitigation_plan(people: list[Person]) -> Plan:
    """Per stratum, each topic whose exposure differs between groups (ratio below the
    threshold) and the best-served group's mean share of it: what every list there should
    carry at least."""
    plan: Plan = {}
    best_served: dict[Stratum, dict[str, float]] = defaultdict(dict)
    for stratum in sorted({s for _, s, _ in people}):
        members = [(subject, shares) for subject, s, shares in people if s == stratum]
        topics = {t for _, shares in members for t in shares}
        for attribute in ATTRIBUTES:
            groups: dict[str, list[dict[str, float]]] = defaultdict(list)
            for subject, shares in members:
                group = getattr(subject, attribute)
                if group != NOT_COMPARED:
                    groups[group].append(shares)
            compared = {g: lists for g, lists in groups.items() if len(lists) >= PLAN_MIN_GROUP}
            if len(compared) < 2:
                continue
            for topic in topics:
                means = [sum(s.get(topic, 0.0) for s in lists) / len(lists)
                         for lists in compared.values()]  # fmt: skip
                best = max(means)
                if best > 0 and min(means) / best < THRESHOLD:
                    best_served[stratum][topic] = max(best_served[stratum].get(topic, 0.0), best)
    for stratum, shares in best_served.items():
        plan[stratum] = _floors(shares)
    return dict(plan)


def _floors(best: dict[str, float]) -> dict[str, float]:
    """The least share of a list each flagged topic needs for its ratio to reach the target.

    A topic's floor is TARGET_RATIO times the share the best-served group keeps of it once
    the other topics' floors are in force too: when the women's lists must carry technical
    modules and the men's communication ones, the men keep fewer technical modules, so the
    women need fewer of them. Solved by iterating ``f_t = r * min(best_t, 1 - sum(f_u))``
    (u the other flagged topics) from ``f_t = r * best_t``, each step half-way (undamped,
    two floors would swing to and fro around their fixed point).
    Every module swapped in costs one the ranking preferred, so no floor is higher than the
    ratio needs.
    """
    floors = {t: TARGET_RATIO * share for t, share in best.items()}
    for _ in range(200):
        total = sum(floors.values())
        step = {
            t: TARGET_RATIO * min(share, max(0.0, 1.0 - (total - floors[t])))
            for t, share in best.items()
        }
        done = max(abs(step[t] - floors[t]) for t in floors) < 1e-9
        floors = {t: (floors[t] + step[t]) / 2 for t in floors}  # damped: no oscillation
        if done:
            break
    total = sum(floors.values())
    if total > 1.0:  # cannot all fit: every flagged topic gets its part of the list
        floors = {t: share / total for t, share in floors.items()}
    return floors


def _required(
    people: list[Person], required: dict[str, set[str]], min_group_size: int
) -> list[RequiredTopicExposure]:
    found = []
    for role_id in sorted(required):
        members = [shares for _, (role, _), shares in people if role == role_id]
        for topic in sorted(required[role_id]):
            hidden = too_few_to_show(len(members), min_group_size) or not members
            exposure = None if hidden else sum(s.get(topic, 0.0) for s in members) / len(members)
            rounded = None if exposure is None else round(exposure, 4)
            flagged = exposure is not None and exposure < REQUIRED_SHARE
            found.append(RequiredTopicExposure(role_id, topic, len(members), rounded, flagged))
    return found


def _compare(
    people: list[Person],
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
