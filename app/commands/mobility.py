"""Commands about internal mobility: the projects and gigs HR publishes."""

from __future__ import annotations

from uuid import UUID

from app.aggregates import Actor, RequiredSkill
from app.aggregates.opportunity import Opportunity
from app.commands.base import CommandBase, Written


class MobilityCommands(CommandBase):
    """Internal projects and gigs."""

    def opportunity(self, opportunity_id: UUID, field: str = "opportunityId") -> Opportunity:
        return self._load(Opportunity, opportunity_id, "opportunity", field)

    def publish_opportunity(
        self, *, kind: str, title: str, description: str, department: str,
        skills: list[RequiredSkill], hours_per_week: int, actor: Actor,
    ) -> Written:  # fmt: skip
        found = Opportunity.publish(
            kind=kind, title=title, description=description, department=department,
            skills=skills, hours_per_week=hours_per_week, actor=actor,
        )  # fmt: skip
        return Written(self._store(found), found.id)

    def close_opportunity(self, opportunity_id: UUID, *, actor: Actor) -> Written:
        found = self.opportunity(opportunity_id)
        found.close(actor)
        return Written(self._store(found), found.id)
