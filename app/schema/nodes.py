"""Relay object identification: ``node(id:)`` and ``nodes(ids:)`` over every ``Node`` type.

Ids are already global: every aggregate id is a UUID (random, or derived in a namespace of
its own), so ``Employee.id`` and the other ids clients hold are the node ids, unchanged.
Strawberry's ``relay.Node`` would re-encode them as ``Type:id`` and break every client that
passes an id it read to ``employee(id:)``; the Relay contract needs only ``id: ID!``.

A lookup decides access exactly as the root field for the type does (``Query.employee``,
``Query.enrollments`` for the enrolment's employee, ``Query.module``, ``Query.role``, in
app/access/operations.py), then screens the object as that field's guard does
(app/schema/guard.py). A caller who may not see everything of a type by role alone gets the
same refusal for an id that names nothing as for one they may not see, so a lookup never
tells them whether an id they guessed (an enrolment id is derived from the employee and
module ids) exists.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError

from app import access
from app.access import Viewer
from app.schema.authorization import decide, viewer_of
from app.schema.common import MAX_PAGE
from app.schema.context import SkillpathInfo
from app.schema.errors import bad_input, query_id
from app.schema.guard import FORBIDDEN, screened
from app.schema.types import Employee, Enrollment, LearningModule, Node, Role

log = logging.getLogger("skillpath.authorization")

#: The root field whose access policy a node of each type follows, and the argument (Python
#: name) naming the subject of the call.
ROOT_FIELDS: dict[type, str] = {
    Employee: "Query.employee",
    Enrollment: "Query.enrollments",
    LearningModule: "Query.module",
    Role: "Query.role",
}


def _sees_every_type(viewer: Viewer) -> bool:
    """Whether the role alone lets the viewer look up every node type."""
    for operation in ROOT_FIELDS.values():
        decision = access.may_call_by_role(operation, viewer)
        if decision is None or not decision.allowed:
            return False
    return True


def _refused(viewer: Viewer) -> GraphQLError:
    return GraphQLError(
        f"not allowed: the id names nothing the {viewer.role} role may look up",
        extensions={"code": FORBIDDEN, "type": "NotAllowed", "operation": "Query.node"},
    )


async def _find(info: SkillpathInfo, key: str) -> Any:
    """The object the id names, of whichever node type, or None."""
    loaders = info.context.loaders
    employee, module, role = await asyncio.gather(
        loaders.employees.load(key), loaders.modules.load(key), loaders.roles.load(key)
    )
    if employee is not None:
        return Employee(row=employee)
    if module is not None:
        return LearningModule(row=module)
    if role is not None:
        return Role(row=role)
    enrollment = await info.context.read(info.context.services.enrollments.get, key)
    return None if enrollment is None else Enrollment(row=enrollment)


def _arguments(found: Any) -> dict[str, Any]:
    if isinstance(found, Enrollment):
        return {"employee_id": found.row.employee_id}
    return {"id": str(found.id)}


async def lookup(info: SkillpathInfo, key: str) -> Any:
    """One node, as its type's root field would answer it to this caller."""
    context = info.context
    viewer = viewer_of(context.actor)
    found = await _find(info, key)
    if found is None:
        if _sees_every_type(viewer):
            return None
        raise _refused(viewer)
    operation = ROOT_FIELDS[type(found)]
    decision = access.may_call_by_role(operation, viewer)
    if decision is None:
        decision = await context.run(
            decide, operation, context.actor, _arguments(found), context.services
        )
    if not decision.allowed:
        log.warning("refused node %s (%s) to %s (%s): %s", key, operation, viewer.id,
                    viewer.role, decision.reason)  # fmt: skip
        raise _refused(viewer)
    return await screened(found, info)


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="The object with this id, whatever its type (Relay object identification),"
        " as the root field for its type would show it to the caller; null when nothing has"
        " the id."
    )
    async def node(
        self,
        info: SkillpathInfo,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="An id read from any Node's id.")
        ],
    ) -> Node | None:
        return await lookup(info, query_id(id, "id"))

    @strawberry.field(
        description="The objects with these ids, in the order asked (at most 100): each as"
        " node(id:) answers it, null (with an error at its index when refused) where it"
        " cannot be shown."
    )
    async def nodes(
        self,
        info: SkillpathInfo,
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(description="Ids read from any Node's id, at most 100."),
        ],
    ) -> list[Node | None]:
        if len(ids) > MAX_PAGE:
            raise bad_input("ids", f"must hold at most {MAX_PAGE} ids")
        keys = [query_id(value, f"ids.{index}") for index, value in enumerate(ids)]
        # Each item completes on its own: a refused one is null with its error, the others
        # are answered; the lookups' reads are batched by the request's loaders.
        return [lookup(info, key) for key in keys]  # type: ignore[misc]
