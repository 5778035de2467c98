"""The demo catalogue: modules for the skills the roles need, with prerequisites as a DAG.

Modules are published easiest first, and a module only requires modules published before
it that are easier and of the same skill area, so the prerequisites can never form a cycle.
"""

from __future__ import annotations

import functools
import math
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from app.aggregates import ModuleContent
from app.seed import phrases
from app.seed.competence import ROLE_BY_CODE, SKILL_BY_NAME, SKILLS
from app.seed.organisation import new_id
from app.seed.timeline import Timeline, later

MEDIA_WEIGHTS = {
    "video": 0.25, "article": 0.2, "course": 0.2, "interactive": 0.15, "podcast": 0.1,
    "workshop": 0.1,
}  # fmt: skip
MEDIA_MINUTES = {
    "video": (8, 40), "article": (5, 25), "course": (45, 240), "interactive": (20, 90),
    "podcast": (15, 60), "workshop": (90, 300),
}  # fmt: skip
LANGUAGE_WEIGHTS = {"en": 0.86, "de": 0.08, "nb": 0.06}
DIFFICULTY_WEIGHTS = (0.25, 0.3, 0.24, 0.13, 0.08)
#: Share of modules people tend to abandon early (signal for the drop-off KPI).
DROP_PRONE_SHARE = 0.12


@dataclass(frozen=True)
class Revision:
    """What a revision changes: a reworked description, and fewer minutes if abandoned."""

    description: str
    minutes: int

    def changes(self) -> dict[str, object]:
        """The ``revise_module`` changes (ModuleContent field names)."""
        return {"description": self.description, "minutes": self.minutes}


@dataclass(frozen=True)
class PlannedModule:
    """A module to publish, and how learners will experience it."""

    id: UUID
    content: ModuleContent
    skill: str
    area: str
    subtopic: str
    #: The rating (1-5) learners tend to give it.
    quality: float
    drop_prone: bool
    retire_at: datetime | None = None
    retire_reason: str = ""
    revise_at: datetime | None = None
    revision: Revision | None = None

    @property
    def has_quiz(self) -> bool:
        return self.content.media_type in ("course", "interactive", "workshop") or (
            self.content.difficulty >= 3
        )

    @functools.cached_property
    def key(self) -> int:
        """The id as a plain int: cheaper to hash in the learners' many set lookups."""
        return self.id.int

    @functools.cached_property
    def requires(self) -> frozenset[int]:
        """The keys of the prerequisites."""
        return frozenset(p.int for p in self.content.prerequisite_ids)

    def offered_at(self, moment: datetime) -> bool:
        return self.retire_at is None or moment < self.retire_at

    def minutes_at(self, moment: datetime) -> int:
        if self.revise_at is not None and self.revision and moment >= self.revise_at:
            return self.revision.minutes
        return self.content.minutes


@dataclass(frozen=True)
class _Draft:
    skill: str
    difficulty: int
    order: int


def _drafts(rng: random.Random, count: int, demand: Mapping[str, float]) -> list[_Draft]:
    # Every needed skill gets a first, easy module before popular skills get more.
    skills = sorted(SKILL_BY_NAME, key=lambda s: (-demand.get(s, 0.0), s))
    drafts = [_Draft(skill, rng.choice((1, 1, 2)), i) for i, skill in enumerate(skills[:count])]
    weights = [demand.get(s, 0.0) + 1.0 for s in skills]
    for i in range(len(drafts), count):
        skill = rng.choices(skills, weights=weights)[0]
        drafts.append(_Draft(skill, rng.choices(range(1, 6), DIFFICULTY_WEIGHTS)[0], i))
    return sorted(drafts, key=lambda d: (d.difficulty, d.order))


def _minutes(rng: random.Random, media_type: str, difficulty: int) -> int:
    low, high = MEDIA_MINUTES[media_type]
    minutes = rng.uniform(low, high) * (0.8 + 0.1 * difficulty)
    return max(5, 5 * round(minutes / 5))


class _Titles:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def unique(self, title: str) -> str:
        candidate, part = title, 1
        while candidate in self.used:
            part += 1
            candidate = f"{title}, part {part}"
        self.used.add(candidate)
        return candidate


def _prerequisites(
    rng: random.Random, draft: _Draft, area_modules: Sequence[PlannedModule]
) -> list[UUID]:
    easier = [m for m in area_modules if m.content.difficulty < draft.difficulty]
    if not easier:
        return []
    wanted = rng.choices((0, 1, 2), weights=(0.3, 0.5, 0.2))[0]
    same_skill = [m for m in easier if m.skill == draft.skill]
    pool = same_skill if same_skill and rng.random() < 0.8 else easier
    return [m.id for m in rng.sample(pool, min(wanted, len(pool)))]


def plan_catalogue(
    rng: random.Random, timeline: Timeline, count: int, demand: Mapping[str, float]
) -> list[PlannedModule]:
    """``count`` modules in publishing order; ``demand`` weights skills by how many need them."""
    titles = _Titles()
    by_area: dict[str, list[PlannedModule]] = defaultdict(list)
    modules: list[PlannedModule] = []
    for draft in _drafts(rng, count, demand):
        skill = SKILL_BY_NAME[draft.skill]
        subtopic = rng.choice(skill.subtopics)
        media_type = rng.choices(list(MEDIA_WEIGHTS), weights=list(MEDIA_WEIGHTS.values()))[0]
        minutes = _minutes(rng, media_type, draft.difficulty)
        language = rng.choices(list(LANGUAGE_WEIGHTS), weights=list(LANGUAGE_WEIGHTS.values()))[0]
        taught = {skill.name: draft.difficulty}
        if rng.random() < 0.3:
            neighbours = [s.name for s in SKILLS if s.area == skill.area and s is not skill]
            if neighbours:
                taught[rng.choice(neighbours)] = max(1, draft.difficulty - 1)
        title = phrases.module_title(rng, skill.name, subtopic, draft.difficulty)
        content = ModuleContent(
            title=titles.unique(title + phrases.LANGUAGE_SUFFIX[language]),
            description=phrases.module_description(
                rng, subtopic, draft.difficulty, media_type, minutes
            ),
            topics=[skill.area, skill.name, subtopic],
            skills=taught,
            difficulty=draft.difficulty,
            media_type=media_type,
            minutes=minutes,
            language=language,
            prerequisite_ids=_prerequisites(rng, draft, by_area[skill.area]),
        )
        drop_prone = rng.random() < DROP_PRONE_SHARE
        quality = rng.uniform(1.8, 3.2) if drop_prone else min(4.9, max(2.2, rng.gauss(3.9, 0.5)))
        module = PlannedModule(
            id=new_id(rng), content=content, skill=skill.name, area=skill.area,
            subtopic=subtopic, quality=quality, drop_prone=drop_prone,
        )  # fmt: skip
        by_area[skill.area].append(module)
        modules.append(module)
    return _with_changes(rng, timeline, modules)


def _with_changes(
    rng: random.Random, timeline: Timeline, modules: list[PlannedModule]
) -> list[PlannedModule]:
    """A couple of modules retire during the window and a few are revised."""
    if len(modules) < 10:
        return modules
    required = {p for m in modules for p in m.content.prerequisite_ids}
    # Retiring a prerequisite would block revising the modules that need it.
    retirable = [m for m in modules if m.id not in required]
    retire_count = min(len(retirable), max(1, len(modules) // 75))
    retiring = {m.id for m in rng.sample(retirable, retire_count)}
    revisable = [m for m in modules if m.id not in retiring]
    revising = {m.id for m in rng.sample(revisable, max(1, math.ceil(len(modules) / 40)))}
    window = timeline.until - timeline.window_start
    result = []
    for module in modules:
        if module.id in retiring:
            module = replace(
                module,
                retire_at=later(rng, timeline.window_start, window * 0.3, window * 0.8),
                retire_reason=rng.choice(phrases.RETIRE_REASONS),
            )
        elif module.id in revising:
            module = replace(
                module,
                revise_at=later(rng, timeline.window_start, window * 0.1, window * 0.9),
                revision=_revision(rng, module),
            )
        result.append(module)
    return result


def _revision(rng: random.Random, module: PlannedModule) -> Revision:
    minutes = module.content.minutes
    if module.drop_prone:
        minutes = max(5, 5 * round(minutes * 0.7 / 5))
    note = rng.choice(phrases.REVISION_NOTES)
    return Revision(f"{module.content.description} {note}", minutes)


def skill_demand(role_counts: Mapping[str, int]) -> dict[str, float]:
    """How much the company needs each skill: people in a role times its importance."""
    demand: dict[str, float] = defaultdict(float)
    for code, people in role_counts.items():
        for skill, _level, importance in ROLE_BY_CODE[code].skills:
            demand[skill] += people * importance
    return dict(demand)
