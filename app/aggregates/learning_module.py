"""The LearningModule aggregate: a unit of learning in the catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from app.aggregates import base
from app.aggregates.base import Actor
from app.aggregates.employee import MEDIA_TYPES
from app.aggregates.errors import Conflict, ValidationFailed

MAX_MINUTES = 100 * 60


@dataclass(frozen=True)
class ModuleContent:
    """Everything that describes a module; publishing and revising both carry all of it."""

    title: str
    description: str
    topics: list[str]
    skills: dict[str, int]
    difficulty: int
    media_type: str
    minutes: int
    language: str
    prerequisite_ids: list[UUID]

    def validated(self, module_id: UUID | None = None) -> ModuleContent:
        """Check every field, naming the first bad one (GraphQL field names)."""
        base.in_range(self.difficulty, "difficulty", 1, 5)
        base.in_range(self.minutes, "minutes", 1, MAX_MINUTES)
        if not self.skills:
            raise ValidationFailed("skills", "a module must teach at least one skill")
        skills: dict[str, int] = {}
        for name, level in self.skills.items():
            base.in_range(level, "skills.level", 0, 5)
            skill = base.skill_name(name, "skills.skill")
            if skill in skills:
                raise ValidationFailed("skills.skill", f"{skill!r} is listed twice")
            skills[skill] = level
        prerequisites = list(dict.fromkeys(self.prerequisite_ids))
        if module_id is not None and module_id in prerequisites:
            raise ValidationFailed("prerequisiteIds", "a module cannot be its own prerequisite")
        return ModuleContent(
            title=base.text(self.title, "title"),
            description=base.text(self.description, "description", base.MAX_LONG_TEXT, False),
            topics=base.labels([t.lower() for t in self.topics], "topics", max_items=20),
            skills=skills,
            difficulty=self.difficulty,
            media_type=base.one_of(self.media_type, "mediaType", MEDIA_TYPES),
            minutes=self.minutes,
            language=base.text(self.language, "language", max_length=8).lower(),
            prerequisite_ids=prerequisites,
        )

    def as_event_fields(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "topics": self.topics,
            "skills": self.skills,
            "difficulty": self.difficulty,
            "media_type": self.media_type,
            "minutes": self.minutes,
            "language": self.language,
            "prerequisite_ids": self.prerequisite_ids,
        }


class LearningModule(Aggregate):
    """A module employees can enrol in; retired modules take no new enrolments."""

    class Published(Aggregate.Created):
        title: str
        description: str
        topics: list[str]
        skills: dict[str, int]
        difficulty: int
        media_type: str
        minutes: int
        language: str
        prerequisite_ids: list[UUID]
        actor: Actor

    class Revised(Aggregate.Event):
        title: str
        description: str
        topics: list[str]
        skills: dict[str, int]
        difficulty: int
        media_type: str
        minutes: int
        language: str
        prerequisite_ids: list[UUID]
        actor: Actor

    class FlaggedForRevision(Aggregate.Event):
        reason: str
        figures: dict[str, float]
        actor: Actor

    class Retired(Aggregate.Event):
        reason: str
        actor: Actor

    class TagsReviewed(Aggregate.Event):
        """HR's answer to the suggested topics and skills: each tag as ``kind:label``."""

        suggested: list[dict[str, Any]]
        accepted: list[str]
        rejected: list[str]
        added: list[str]
        actor: Actor

    @event(Published)
    def __init__(
        self,
        title: str,
        description: str,
        topics: list[str],
        skills: dict[str, int],
        difficulty: int,
        media_type: str,
        minutes: int,
        language: str,
        prerequisite_ids: list[UUID],
        actor: Actor,
    ) -> None:
        self._set_content(
            title, description, topics, skills, difficulty, media_type, minutes, language,
            prerequisite_ids,
        )  # fmt: skip
        self.flag_reason: str | None = None
        self.retired = False
        #: The last review of suggested tags (accepted, rejected, added as ``kind:label``).
        self.tag_review: dict[str, list[str]] | None = None

    def _set_content(
        self,
        title: str,
        description: str,
        topics: list[str],
        skills: dict[str, int],
        difficulty: int,
        media_type: str,
        minutes: int,
        language: str,
        prerequisite_ids: list[UUID],
    ) -> None:
        self.content = ModuleContent(
            title, description, topics, skills, difficulty, media_type, minutes, language,
            prerequisite_ids,
        )  # fmt: skip

    @classmethod
    def publish(
        cls, content: ModuleContent, actor: Actor, module_id: UUID | None = None
    ) -> LearningModule:
        """Validate and publish; the caller has checked that prerequisites exist."""
        module_id = module_id or uuid4()
        checked = content.validated(module_id)
        return cls._create(cls.Published, id=module_id, actor=actor, **checked.as_event_fields())

    def revise(self, content: ModuleContent, actor: Actor) -> None:
        self._require_not_retired()
        checked = content.validated(self.id)
        if checked == self.content:
            raise Conflict("the revision changes nothing")
        self._revised(actor=actor, **checked.as_event_fields())

    @event(Revised)
    def _revised(
        self,
        title: str,
        description: str,
        topics: list[str],
        skills: dict[str, int],
        difficulty: int,
        media_type: str,
        minutes: int,
        language: str,
        prerequisite_ids: list[UUID],
        actor: Actor,
    ) -> None:
        self._set_content(
            title, description, topics, skills, difficulty, media_type, minutes, language,
            prerequisite_ids,
        )  # fmt: skip
        self.flag_reason = None

    def flag_for_revision(self, reason: str, figures: dict[str, float], actor: Actor) -> None:
        self._require_not_retired()
        self._flagged(
            reason=base.text(reason, "reason", max_length=1000), figures=figures, actor=actor
        )

    @event(FlaggedForRevision)
    def _flagged(self, reason: str, figures: dict[str, float], actor: Actor) -> None:
        self.flag_reason = reason

    def retire(self, reason: str, actor: Actor) -> None:
        self._require_not_retired()
        self._retired(reason=base.text(reason, "reason", max_length=1000, required=False),
                      actor=actor)  # fmt: skip

    @event(Retired)
    def _retired(self, reason: str, actor: Actor) -> None:
        self.retired = True

    def review_tags(
        self, suggested: list[dict[str, Any]], topics: list[str], skills: list[str], actor: Actor
    ) -> None:
        """Record which suggested tags HR kept, which it turned down and which it added;
        ``topics`` and ``skills`` are the module's tags as HR settled them."""
        self._require_not_retired()
        final = [f"topic:{t}" for t in topics] + [f"skill:{s}" for s in skills]
        offered = list(dict.fromkeys(f"{s['kind']}:{s['label']}" for s in suggested))
        self._tags_reviewed(
            suggested=suggested,
            accepted=[t for t in offered if t in final],
            rejected=[t for t in offered if t not in final],
            added=[t for t in final if t not in offered],
            actor=actor,
        )

    @event(TagsReviewed)
    def _tags_reviewed(
        self,
        suggested: list[dict[str, Any]],
        accepted: list[str],
        rejected: list[str],
        added: list[str],
        actor: Actor,
    ) -> None:
        self.tag_review = {"accepted": accepted, "rejected": rejected, "added": added}

    def _require_not_retired(self) -> None:
        if self.retired:
            raise Conflict(f"module {self.id} is retired", field="moduleId")
