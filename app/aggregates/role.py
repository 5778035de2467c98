"""The Role aggregate: one entry of the competence model (required skills and levels)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from app.aggregates import base
from app.aggregates.base import Actor
from app.aggregates.errors import Conflict, ValidationFailed

ROLE_NAMESPACE = UUID("3c1d9e8a-74b2-4a0f-8e65-51d2b7f0a9c4")


@dataclass(frozen=True)
class RequiredSkill:
    """A skill a role needs, at a level 0-5, with an importance 1-5."""

    skill: str
    level: int
    importance: int = 3


def required_skills(skills: list[RequiredSkill], *, unrated: bool = False) -> list[dict[str, Any]]:
    """Checked required skills; ``unrated`` lets an imported role have none yet (O*NET
    lists occupations whose skills it has not rated)."""
    if not skills and not unrated:
        raise ValidationFailed("requiredSkills", "a role must require at least one skill")
    seen: dict[str, dict[str, Any]] = {}
    for item in skills:
        name = base.skill_name(item.skill, "requiredSkills.skill")
        base.in_range(item.level, "requiredSkills.level", 0, 5)
        base.in_range(item.importance, "requiredSkills.importance", 1, 5)
        if name in seen:
            raise ValidationFailed("requiredSkills.skill", f"{name!r} is listed twice")
        seen[name] = {"skill": name, "level": item.level, "importance": item.importance}
    return list(seen.values())


class Role(Aggregate):
    """A job role with the skills it requires, from the organisation or a source like O*NET."""

    class RoleDefined(Aggregate.Created):
        code: str
        title: str
        source: str
        required_skills: list[dict[str, Any]]
        actor: Actor

    class RoleRevised(Aggregate.Event):
        title: str
        required_skills: list[dict[str, Any]]
        actor: Actor

    class RoleRetired(Aggregate.Event):
        actor: Actor

    @event(RoleDefined)
    def __init__(
        self, code: str, title: str, source: str, required_skills: list[dict[str, Any]],
        actor: Actor,
    ) -> None:  # fmt: skip
        self.code = code
        self.title = title
        self.source = source
        self.required_skills = required_skills
        self.retired = False

    @staticmethod
    def id_for(code: str) -> UUID:
        return uuid5(ROLE_NAMESPACE, code.strip().lower())

    @classmethod
    def define(
        cls,
        *,
        code: str,
        title: str,
        source: str,
        skills: list[RequiredSkill],
        actor: Actor,
        unrated: bool = False,
    ) -> Role:
        code = base.text(code, "code", max_length=64).lower()
        return cls._create(
            cls.RoleDefined,
            id=cls.id_for(code),
            code=code,
            title=base.text(title, "title"),
            source=base.text(source, "source", required=False),
            required_skills=required_skills(skills, unrated=unrated),
            actor=actor,
        )

    def revise(self, *, title: str | None, skills: list[RequiredSkill] | None,
               actor: Actor, unrated: bool = False) -> None:  # fmt: skip
        if self.retired:
            raise Conflict(f"role {self.code} is retired", field="roleId")
        self._revised(
            title=self.title if title is None else base.text(title, "title"),
            required_skills=(
                self.required_skills if skills is None else required_skills(skills, unrated=unrated)
            ),
            actor=actor,
        )

    @event(RoleRevised)
    def _revised(self, title: str, required_skills: list[dict[str, Any]], actor: Actor) -> None:
        self.title = title
        self.required_skills = required_skills

    def retire(self, actor: Actor) -> None:
        if self.retired:
            raise Conflict(f"role {self.code} is already retired", field="roleId")
        self._retired(actor=actor)

    @event(RoleRetired)
    def _retired(self, actor: Actor) -> None:
        self.retired = True
