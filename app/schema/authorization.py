"""Who may call what: the access policy's operation table, enforced on every root field.

Default deny: a Query, Mutation or Subscription field that is not in
``access.OPERATIONS`` is refused to everyone (and a test lists it). Refused mutations
answer a typed ``NotAllowed``; refused queries and subscriptions an error coded
``FORBIDDEN``. Every refusal is logged. What a permitted call may then *see* of each person
is decided field by field (app/schema/guard.py).
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable
from typing import Any
from uuid import UUID

from graphql import GraphQLError
from strawberry.extensions import FieldExtension
from strawberry.types import Info
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField

from app import access
from app.access import Decision, Viewer
from app.aggregates import Actor
from app.bootstrap import Services
from app.schema.errors import NotAllowed

log = logging.getLogger("skillpath.authorization")

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def viewer_of(actor: Actor) -> Viewer:
    return Viewer(actor.id, actor.role)


def _argument(kwargs: dict[str, Any], path: str) -> Any:
    """The value at ``employeeId`` or ``input.employeeId`` (schema names) in resolver
    arguments (Python names)."""
    value: Any = kwargs
    for part in path.split("."):
        name = _CAMEL.sub("_", part).lower()
        value = value.get(name) if isinstance(value, dict) else getattr(value, name, None)
        if value is None:
            return None
    return value


def decided_at_once(operation: str, actor: Actor, kwargs: dict[str, Any]) -> Decision | None:
    """The decision when no lookup is needed: the role settles it, or a person asks about
    themselves where the operation lets them (they exist and are active: the door checked
    their standing, ``PERSONAL_ROLES``); None when the subject must be looked up."""
    viewer = viewer_of(actor)
    by_role = access.may_call_by_role(operation, viewer)
    if by_role is not None:
        return by_role
    rule = access.OPERATIONS[operation]
    target = rule.target
    if (
        target is not None
        and target.kind is access.TargetKind.EMPLOYEE
        and viewer.role in access.PERSONAL_ROLES
        and viewer.role in rule.own
        and str(_argument(kwargs, target.path)) == actor.id
    ):
        return Decision(True)
    return None


def decide(operation: str, actor: Actor, kwargs: dict[str, Any], services: Services) -> Decision:
    """Whether ``actor`` may call ``operation`` (``Type.field``) with these arguments."""
    at_once = decided_at_once(operation, actor, kwargs)
    if at_once is not None:
        return at_once
    viewer = viewer_of(actor)
    target = access.OPERATIONS[operation].target
    assert target is not None  # may_call_by_role answers for operations without one
    raw = _argument(kwargs, target.path)
    subject = None
    if raw is not None:
        try:
            aggregate_id = UUID(str(raw))
        except ValueError:
            return Decision(True)  # the resolver refuses the malformed id, naming the field
        subject = services.subjects.target(target.kind, aggregate_id)
    decided = access.may_call_for(operation, viewer, subject)
    if decided.allowed:
        return decided
    return Decision(False, decided.reason, target.path.removeprefix("input."))


class Authorized(FieldExtension):
    """Checks the operation table before a root field resolves; refusals never reach it."""

    def __init__(self, operation: str) -> None:
        self.operation = operation
        self.typed_refusal = False

    def apply(self, field: StrawberryField) -> None:
        # Mutations whose result union has NotAllowed answer with it; others raise.
        types = getattr(field.type, "types", ())
        self.typed_refusal = any(getattr(t, "__name__", "") == "NotAllowed" for t in types)

    def _refusal(self, info: Info, decision: Decision) -> Any:
        actor: Actor = info.context.actor
        log.warning(
            "refused %s to %s (%s): %s", self.operation, actor.id, actor.role, decision.reason
        )
        if self.typed_refusal:
            return NotAllowed(
                operation=self.operation,
                role=actor.role,
                message=decision.reason,
                field=decision.field,
            )
        raise GraphQLError(
            f"not allowed: {decision.reason}",
            extensions={"code": "FORBIDDEN", "type": "NotAllowed", "operation": self.operation},
        )

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        decision = decide(self.operation, info.context.actor, kwargs, info.context.services)
        if not decision.allowed:
            return self._refusal(info, decision)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        # Most calls are settled by the role or are about the caller; only a lookup (whose
        # enrolment? whose manager?) is worth a trip to the thread pool.
        decision = decided_at_once(self.operation, info.context.actor, kwargs)
        if decision is None:
            decision = await info.context.run(
                decide, self.operation, info.context.actor, kwargs, info.context.services
            )
        if not decision.allowed:
            return self._refusal(info, decision)
        result = next_(source, info, **kwargs)
        return await result if inspect.isawaitable(result) else result


def enforce(*root_types: type) -> None:
    """Put the check on every field of the root types (once; schemas may be built often)."""
    for root in root_types:
        definition: StrawberryObjectDefinition = root.__strawberry_definition__  # type: ignore[attr-defined]
        for field in definition.fields:
            if any(isinstance(e, Authorized) for e in field.extensions):
                continue
            operation = f"{definition.name}.{graphql_name(field)}"
            field.extensions.append(Authorized(operation))


def graphql_name(field: StrawberryField) -> str:
    if field.graphql_name:
        return field.graphql_name
    head, *rest = field.python_name.split("_")
    return head + "".join(part.title() for part in rest)
