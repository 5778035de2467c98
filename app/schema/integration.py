"""Integrations: the xAPI activity table HR keeps (statements themselves arrive on
``/xapi/statements``, app/integration/xapi_http.py)."""

from __future__ import annotations

import strawberry

from app.schema.context import SkillpathInfo
from app.schema.errors import execute, parse_id
from app.schema.idempotency import IdempotentInput
from app.schema.payloads import ModulePayload, module_payload, result

MapXapiActivityResult = result("MapXapiActivityResult", ModulePayload)


@strawberry.input(description="Which module an LMS activity (an xAPI activity id) stands for.")
class MapXapiActivityInput(IdempotentInput):
    activity_id: str = strawberry.field(
        description="The activity's IRI as the LMS sends it in statements' object.id."
    )
    module_id: strawberry.ID = strawberry.field(description="The module it stands for.")


@strawberry.type
class IntegrationMutation:
    @strawberry.mutation(
        description="Map an LMS activity to a module, so its xAPI statements are recorded"
        " against it (activity ids ending in /modules/<module id> need no mapping)."
    )
    async def map_xapi_activity(
        self, info: SkillpathInfo, input: MapXapiActivityInput
    ) -> MapXapiActivityResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.map_activity(
                input.activity_id, parse_id(input.module_id, "moduleId"), actor=ctx.actor
            ),
            module_payload,
        )
