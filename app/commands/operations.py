"""Commands of the operator: decisions about the read models, recorded as events."""

from __future__ import annotations

from app.aggregates import Actor, NotFound, ValidationFailed
from app.aggregates.quarantine import ProjectionQuarantine, quarantine_id
from app.commands.base import CommandBase, Written


class OperationsCommands(CommandBase):
    """Quarantining an event for one projection."""

    def quarantine_event(
        self, *, projection: str, position: int, reason: str, actor: Actor
    ) -> Written:
        """Record that ``projection`` skips the event at ``position`` (idempotent)."""
        if not 1 <= position <= self.last_position():
            raise ValidationFailed("position", f"no event is stored at position {position}")
        try:
            record: ProjectionQuarantine = self._load(
                ProjectionQuarantine, quarantine_id(projection), "quarantine", "projection"
            )
        except NotFound:  # the projection's first quarantine
            record = ProjectionQuarantine.open(projection)
        if position in record.positions:
            return Written(0, record.id)
        record.quarantine(position, reason.strip() or "no reason given", actor)
        return Written(self._store(record), record.id)
