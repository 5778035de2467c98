"""Onboarding templates per role, and how a journey is adapted to the person hired.

A template lists modules, milestones by week, check-ins by week, whether a buddy is needed,
and the target days to productivity. When a journey starts, modules the hire's assessed
levels already cover are skipped, and so are the basics (difficulty 1-2) for hires with
five years of experience or more; a graduate (under a year) keeps every module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from app.aggregates import base
from app.aggregates.base import Actor
from app.aggregates.errors import ValidationFailed

TEMPLATE_NAMESPACE = UUID("8f1f3c52-5d1e-4b53-9e0a-2b9f8f0d6a11")
EXPERIENCED_YEARS = 5
BASIC_DIFFICULTY = 2
MAX_WEEKS = 52
MAX_ENTRIES = 30


@dataclass(frozen=True)
class Milestone:
    """A milestone of a journey, due in a week (1 = the first week)."""

    key: str
    title: str
    week: int


@dataclass(frozen=True)
class ModuleFacts:
    """What adapting a journey needs to know of a template's module."""

    module_id: UUID
    skills: dict[str, int]
    difficulty: int


def adapt(
    modules: list[ModuleFacts], years_experience: int, levels: dict[str, int]
) -> tuple[list[str], list[dict[str, str]]]:
    """The modules a hire takes, and those skipped with the reason."""
    kept: list[str] = []
    skipped: list[dict[str, str]] = []
    for module in modules:
        if all(levels.get(skill, 0) >= level for skill, level in module.skills.items()):
            skipped.append({"moduleId": str(module.module_id),
                            "reason": "assessed levels already cover it"})  # fmt: skip
        elif years_experience >= EXPERIENCED_YEARS and module.difficulty <= BASIC_DIFFICULTY:
            skipped.append(
                {
                    "moduleId": str(module.module_id),
                    "reason": f"{years_experience} years of experience cover the basics",
                }
            )
        else:
            kept.append(str(module.module_id))
    return kept, skipped


class OnboardingTemplate(Aggregate):
    """The onboarding of one role (one template per role, revised in place)."""

    class OnboardingTemplateDefined(Aggregate.Created):
        role_id: UUID
        module_ids: list[str]
        milestones: list[dict[str, Any]]
        check_in_weeks: list[int]
        buddy: bool
        target_days: int
        actor: Actor

    @event(OnboardingTemplateDefined)
    def __init__(
        self, role_id: UUID, module_ids: list[str], milestones: list[dict[str, Any]],
        check_in_weeks: list[int], buddy: bool, target_days: int, actor: Actor,
    ) -> None:  # fmt: skip
        self.role_id = role_id
        self.module_ids = module_ids
        self.milestones = milestones
        self.check_in_weeks = check_in_weeks
        self.buddy = buddy
        self.target_days = target_days

    @staticmethod
    def id_for(role_id: UUID) -> UUID:
        return uuid5(TEMPLATE_NAMESPACE, str(role_id))

    @classmethod
    def define(
        cls, *, role_id: UUID, module_ids: list[UUID], milestones: list[Milestone],
        check_in_weeks: list[int], buddy: bool, target_days: int, actor: Actor,
    ) -> OnboardingTemplate:  # fmt: skip
        base.in_range(target_days, "targetDays", 1, 730)
        for name, values in (("moduleIds", module_ids), ("milestones", milestones),
                             ("checkInWeeks", check_in_weeks)):  # fmt: skip
            if len(values) > MAX_ENTRIES:
                raise ValidationFailed(name, f"at most {MAX_ENTRIES} entries")
        if len(set(module_ids)) != len(module_ids):
            raise ValidationFailed("moduleIds", "a module is listed twice")
        checked: list[dict[str, Any]] = []
        for item in milestones:
            key = base.text(item.key, "milestones.key", max_length=40).lower()
            if any(m["key"] == key for m in checked):
                raise ValidationFailed("milestones.key", f"{key!r} is listed twice")
            base.in_range(item.week, "milestones.week", 1, MAX_WEEKS)
            checked.append({"key": key, "title": base.text(item.title, "milestones.title"),
                            "week": item.week})  # fmt: skip
        for week in check_in_weeks:
            base.in_range(week, "checkInWeeks", 1, MAX_WEEKS)
        return cls._create(
            cls.OnboardingTemplateDefined, id=cls.id_for(role_id), role_id=role_id,
            module_ids=[str(m) for m in module_ids], milestones=checked,
            check_in_weeks=sorted(set(check_in_weeks)), buddy=buddy, target_days=target_days,
            actor=actor,
        )  # fmt: skip
