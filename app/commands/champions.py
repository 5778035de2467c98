"""Commands of the AI champion programme: joining it, input on its criteria, time spent.

Joining is the person's own decision (the access policy lets nobody else call it); without
it nothing about them is assessed, recorded or classified for the programme. A
self-assessment comes only from the person; manager input only from their own manager, or
from HR recording what the manager said in a review conversation.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from app.aggregates import Actor, ValidationFailed
from app.commands.base import CommandBase, Written


class ChampionCommands(CommandBase):
    """The champion programme."""

    def opt_in_as_champion(self, employee_id: UUID, *, actor: Actor) -> Written:
        employee = self.employee(employee_id)
        self._refuse_erased(employee)
        employee.opt_in_as_champion(actor=actor)
        return Written(self._store(employee), employee.id)

    def opt_out_as_champion(self, employee_id: UUID, *, actor: Actor) -> Written:
        employee = self.employee(employee_id)
        employee.opt_out_as_champion(actor=actor)
        return Written(self._store(employee), employee.id)

    def give_champion_input(
        self, employee_id: UUID, *, source: str, ratings: dict[str, str], actor: Actor
    ) -> Written:
        employee = self.employee(employee_id)
        self._refuse_erased(employee)
        own = actor.id == str(employee.id)
        if source == "self" and not own:
            raise ValidationFailed("source", "a self-assessment comes only from the person")
        if source == "manager":
            if own:
                raise ValidationFailed("source", "a person cannot give their own manager input")
            if actor.role == "manager" and str(employee.manager_id) != actor.id:
                raise ValidationFailed("source", "only the person's own manager gives input")
        employee.give_champion_input(source=source, ratings=ratings, actor=actor)
        return Written(self._store(employee), employee.id)

    def record_champion_time(
        self, employee_id: UUID, *, month: date, share_percent: int, actor: Actor
    ) -> Written:
        employee = self.employee(employee_id)
        self._refuse_erased(employee)
        employee.record_champion_time(month=month, share_percent=share_percent, actor=actor)
        return Written(self._store(employee), employee.id)
