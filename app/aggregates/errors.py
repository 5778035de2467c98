"""Domain errors: what a command can refuse, in terms a client can act on."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the domain raises for a command."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(DomainError):
    """An input value is out of range or malformed; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class NotFound(DomainError):
    """The command names an entity that does not exist."""

    def __init__(self, entity: str, entity_id: str, field: str = "id") -> None:
        super().__init__(f"{entity} {entity_id!r} does not exist")
        self.entity = entity
        self.entity_id = entity_id
        self.field = field


class Conflict(DomainError):
    """The command clashes with the current state (already done, no longer possible)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
