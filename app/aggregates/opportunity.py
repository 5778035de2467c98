"""Internal projects and gigs HR publishes, with the skills they need."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from eventsourcing.domain import Aggregate, event

from app.aggregates import base
from app.aggregates.base import Actor
from app.aggregates.errors import Conflict
from app.aggregates.role import RequiredSkill, required_skills

OPPORTUNITY_KINDS = ("project", "gig")


class Opportunity(Aggregate):
    """An internal project or gig people can join to grow and show skills."""

    class OpportunityPublished(Aggregate.Created):
        kind: str
        title: str
        description: str
        department: str
        required_skills: list[dict[str, Any]]
        hours_per_week: int
        actor: Actor

    class OpportunityClosed(Aggregate.Event):
        actor: Actor

    @event(OpportunityPublished)
    def __init__(
        self, kind: str, title: str, description: str, department: str,
        required_skills: list[dict[str, Any]], hours_per_week: int, actor: Actor,
    ) -> None:  # fmt: skip
        self.kind = kind
        self.title = title
        self.description = description
        self.department = department
        self.required_skills = required_skills
        self.hours_per_week = hours_per_week
        self.closed = False

    @classmethod
    def publish(
        cls, *, kind: str, title: str, description: str, department: str,
        skills: list[RequiredSkill], hours_per_week: int, actor: Actor,
    ) -> Opportunity:  # fmt: skip
        base.in_range(hours_per_week, "hoursPerWeek", 1, 40)
        return cls._create(
            cls.OpportunityPublished,
            id=uuid4(),
            kind=base.one_of(kind, "kind", OPPORTUNITY_KINDS),
            title=base.text(title, "title"),
            description=base.text(description, "description", max_length=2000, required=False),
            department=base.text(department, "department", required=False),
            required_skills=required_skills(skills),
            hours_per_week=hours_per_week,
            actor=actor,
        )

    def close(self, actor: Actor) -> None:
        if self.closed:
            raise Conflict("the opportunity is already closed", field="opportunityId")
        self._closed(actor=actor)

    @event(OpportunityClosed)
    def _closed(self, actor: Actor) -> None:
        self.closed = True
