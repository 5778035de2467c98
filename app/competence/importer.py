"""``skillpath import-onet``: O*NET occupations as role events, revised only when changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.aggregates import Actor, NotFound, RequiredSkill, Role
from app.application import Skillpath
from app.competence.onet import OnetReading, OnetRole, read_onet


@dataclass(frozen=True)
class OnetImport:
    """What one import did: roles defined, revised and left as they were, and the ratings
    it did not use (not relevant, suppressed, or rounding to level 0)."""

    defined: int
    revised: int
    unchanged: int
    unrated: int
    not_relevant: int
    suppressed: int
    below_scale: int
    position: int

    def describe(self) -> str:
        return (
            f"{self.defined:,} roles defined, {self.revised:,} revised, {self.unchanged:,}"
            f" unchanged ({self.unrated:,} without skill ratings in this release); ratings left"
            f" out: {self.not_relevant:,} not relevant, {self.suppressed:,} suppressed,"
            f" {self.below_scale:,} below level 1"
        )


def _skills(role: OnetRole) -> list[RequiredSkill]:
    return [RequiredSkill(s.skill, s.level, s.importance) for s in role.skills]


def _as_stored(role: OnetRole) -> list[dict[str, Any]]:
    return [{"skill": s.skill, "level": s.level, "importance": s.importance} for s in role.skills]


def import_onet(
    app: Skillpath,
    source: Path | str | OnetReading,
    *,
    actor: Actor,
    progress: Callable[[int], object] | None = None,
) -> OnetImport:
    """Read and check every file first, then save every new or changed role in one atomic
    save: a bad file imports nothing, and a re-run over the same files writes nothing."""
    reading = source if isinstance(source, OnetReading) else read_onet(source)
    changed: list[Role] = []
    defined = revised = 0
    for item in reading.roles:
        if progress is not None:
            progress(1)
        unrated = not item.skills
        try:
            role = app.role(Role.id_for(item.code))
        except NotFound:
            changed.append(
                Role.define(
                    code=item.code, title=item.title, source=item.source, skills=_skills(item),
                    actor=actor, unrated=unrated,
                )
            )  # fmt: skip
            defined += 1
        else:
            if role.retired:  # HR withdrew it; an import does not bring it back
                continue
            stored = sorted(role.required_skills, key=lambda s: s["skill"])
            wanted = sorted(_as_stored(item), key=lambda s: s["skill"])
            if role.title != item.title or stored != wanted:
                role.revise(title=item.title, skills=_skills(item), actor=actor, unrated=unrated)
                changed.append(role)
                revised += 1
    position = app.store_roles(changed) if changed else 0
    return OnetImport(
        defined=defined,
        revised=revised,
        unchanged=len(reading.roles) - defined - revised,
        unrated=sum(1 for r in reading.roles if not r.skills),
        not_relevant=reading.not_relevant,
        suppressed=reading.suppressed,
        below_scale=reading.below_scale,
        position=position,
    )
