"""Where the read models stand against the event log."""

from __future__ import annotations

import strawberry

from app.schema.context import SkillpathInfo


@strawberry.type(description="How far one read model has followed the event log.")
class ReadModelPosition:
    name: str
    position: int


@strawberry.type(description="The event log's head and each read model's position.")
class ReadModelStatus:
    last_event_position: int
    read_models: list[ReadModelPosition]
    up_to_date: bool


@strawberry.type
class StatusQuery:
    @strawberry.field(description="Whether the read models have caught up with the event log.")
    async def read_model_status(self, info: SkillpathInfo) -> ReadModelStatus:
        services = info.context.services
        head = await info.context.run(services.app.last_position)
        positions = await info.context.run(services.runner.positions)
        return ReadModelStatus(
            last_event_position=head,
            read_models=[ReadModelPosition(name=n, position=p) for n, p in positions.items()],
            up_to_date=all(p >= head for p in positions.values()),
        )
