"""Errors a client can act on: typed results for mutations, coded errors for queries."""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum
from typing import Any
from uuid import UUID

import strawberry
from graphql import GraphQLError

from app.aggregates import Conflict as DomainConflict
from app.aggregates import DomainError, ValidationFailed
from app.aggregates import NotFound as DomainNotFound
from app.application import Written

log = logging.getLogger(__name__)


@strawberry.enum(description="What kind of error a client can act on.")
class ErrorCode(Enum):
    VALIDATION_FAILED = "validation_failed"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    NOT_ALLOWED = "not_allowed"


@strawberry.interface(
    description="An error a client can act on. Every mutation result union's error types"
    " implement it, so `... on UserError { field message code }` selects them all."
)
class UserError:
    field: str | None = strawberry.field(
        description="The input field at fault, as named in the schema (e.g. employeeId,"
        " skills.skill); null when the error is about the operation as a whole."
    )
    message: str = strawberry.field(description="What is wrong, in a sentence.")
    code: ErrorCode


@strawberry.type(description="An input value is missing, malformed or out of range.")
class ValidationError(UserError):
    code: ErrorCode = ErrorCode.VALIDATION_FAILED


@strawberry.type(description="The operation names something that does not exist.")
class NotFound(UserError):
    id: str = strawberry.field(description="The id that names nothing.")
    code: ErrorCode = ErrorCode.NOT_FOUND


@strawberry.type(description="The operation clashes with the current state.")
class Conflict(UserError):
    code: ErrorCode = ErrorCode.CONFLICT


@strawberry.type(description="The caller's role may not do this; the attempt is logged.")
class NotAllowed(UserError):
    operation: str = strawberry.field(description="The refused field, e.g. Mutation.hireEmployee.")
    role: str = strawberry.field(description="The caller's role.")
    field: str | None = None
    code: ErrorCode = ErrorCode.NOT_ALLOWED


MutationError = ValidationError | NotFound | Conflict


def as_error(error: DomainError) -> MutationError:
    if isinstance(error, ValidationFailed):
        return ValidationError(field=error.field, message=error.reason)
    if isinstance(error, DomainNotFound):
        return NotFound(field=error.field, id=error.entity_id, message=error.message)
    if isinstance(error, DomainConflict):
        return Conflict(field=error.field, message=error.message)
    log.error("unmapped domain error %r", error)
    return Conflict(field=None, message=error.message)


def parse_id(value: str | strawberry.ID | None, field: str) -> UUID:
    """An id argument as a UUID, or a ValidationFailed naming the field."""
    try:
        return UUID(str(value))
    except (TypeError, ValueError):
        raise ValidationFailed(field, "is not a valid id") from None


def optional_id(value: str | strawberry.ID | None, field: str) -> UUID | None:
    return None if value is None else parse_id(value, field)


def bad_input(field: str, message: str) -> GraphQLError:
    """A query argument error, coded so clients can tell it from a server fault."""
    return GraphQLError(
        f"{field}: {message}", extensions={"code": "BAD_USER_INPUT", "field": field}
    )


async def execute(
    run: Callable[..., Any], command: Callable[[], Written], payload: Callable[[Written], Any]
) -> Any:
    """Run a command off the loop; domain refusals become typed results, nothing is written."""
    try:
        written = await run(command)
    except DomainError as error:
        return as_error(error)
    return payload(written)


def query_id(value: str | strawberry.ID, field: str) -> str:
    """An id argument of a query, normalised; malformed ids are a coded GraphQL error."""
    try:
        return str(UUID(str(value)))
    except (TypeError, ValueError):
        raise bad_input(field, "is not a valid id") from None
