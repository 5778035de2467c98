"""The rules applied after the model: what may be shown at all, and what is preferred.

Each rule is a small function so it can be specified on its own; serving combines them
over numpy arrays of the whole catalogue and then walks the ranked list once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.projections.features import ModuleFeatures

#: A quiz score below this counts as low (0-100).
LOW_QUIZ_SCORE = 60
#: A module may take at most this many weeks of the employee's weekly budget.
BUDGET_WEEKS = 4
#: At most this many items in one list may teach the same main skill.
MAX_PER_SKILL = 3
#: Dismissed or wrong items stay away this long.
DECLINED_DAYS = 30


def difficulty_ceiling(recent: Sequence[tuple[int, int]]) -> int | None:
    """The hardest difficulty to offer, from (score, difficulty) of quizzes, newest last.

    Two low scores in a row mean the next module should be easier than the easier of
    the two; otherwise there is no ceiling.
    """
    if len(recent) < 2:
        return None
    (score_a, difficulty_a), (score_b, difficulty_b) = recent[-2], recent[-1]
    if score_a < LOW_QUIZ_SCORE and score_b < LOW_QUIZ_SCORE:
        return max(1, min(difficulty_a, difficulty_b) - 1)
    return None


def longest_fitting(weekly_minutes: int) -> int | None:
    """The longest module (minutes) the weekly budget allows; None when no budget is set."""
    return weekly_minutes * BUDGET_WEEKS if weekly_minutes > 0 else None


def prerequisites_met(module: ModuleFeatures, completed: set[str]) -> bool:
    return all(p in completed for p in module.prerequisite_ids)


def main_skill(module: ModuleFeatures) -> str:
    """The skill a module is mostly about: the one it teaches to the highest level."""
    return max(sorted(module.skills), key=lambda s: module.skills[s], default="")


@dataclass
class DiversityGuard:
    """Admits items while no main skill exceeds its share of the list."""

    limit: int = MAX_PER_SKILL

    def __post_init__(self) -> None:
        self._counts: dict[str, int] = {}

    def admit(self, module: ModuleFeatures) -> bool:
        skill = main_skill(module)
        if self._counts.get(skill, 0) >= self.limit:
            return False
        self._counts[skill] = self._counts.get(skill, 0) + 1
        return True


def matches_goal(module: ModuleFeatures, terms: Iterable[str]) -> str | None:
    """The first goal term found in the module's skills, topics or title."""
    text = " ".join([module.title, *module.skills, *module.topics]).lower()
    for term in terms:
        if term and term.lower() in text:
            return term
    return None
