"""What the people-development modules of the schema share."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from app.aggregates import DomainError
from app.schema.context import SkillpathInfo
from app.schema.errors import Conflict, NotFound, ValidationError, as_error


def query_result(name: str, member: type[Any]) -> Any:
    """A query's result union: its answer, or an error the client can act on."""
    return Annotated[
        member | ValidationError | NotFound | Conflict,
        strawberry.union(name, description=f"The outcome of {name[0].lower()}{name[1:-6]}."),
    ]


async def typed(info: SkillpathInfo, call: Any, *, short_read: bool = False) -> Any:
    """Run service code off the loop (or, for a ``short_read`` of the read models and the
    in-memory indexes, where ``Context.read`` runs such reads); domain refusals become
    typed results."""
    try:
        if short_read:
            return await info.context.read(call)
        return await info.context.run(call)
    except DomainError as error:
        return as_error(error)
