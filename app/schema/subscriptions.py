"""Subscriptions over graphql-transport-ws: live KPIs, live module insights, the live log.

Every push carries the event-store position it reflects. KPI and module subscriptions send
the current figures first, then new figures whenever an event changed them, coalesced to at
most one push per SKILLPATH_PUSH_INTERVAL_SECONDS. ``events`` replays the log from
``fromPosition`` and then follows it, so a client that reconnects with the last position it
saw misses nothing. Arguments are checked before the first push: a bad one ends the
subscription with a GraphQL error frame, the connection stays open.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from starlette.websockets import WebSocket

from app.broadcast.tail import LogEntry
from app.schema.context import SkillpathInfo
from app.schema.errors import bad_input, query_id
from app.schema.kpi_types import (
    KpiFilterInput,
    KpiGrouping,
    KpiReport,
    KpiWindowInput,
    ModuleInsights,
    bucket_minutes,
    to_filter,
    to_window,
)

#: Close code for a client that stopped reading ("try again later", RFC 6455).
SLOW_CONSUMER_CLOSE = 1013
_TYPE_NAME = re.compile(r"^[A-Z]\w*\.[A-Z]\w*$")


@strawberry.type(
    description="One stored event of the log: its place, type and aggregate. The "
    "content is not included; read it through the audit views."
)
class LogEvent:
    position: int = strawberry.field(description="Event-store position; resume after it.")
    type: str = strawberry.field(description="Aggregate and event, e.g. Enrollment.Completed.")
    aggregate_id: strawberry.ID
    version: int
    recorded_at: datetime | None

    @classmethod
    def of(cls, entry: LogEntry) -> LogEvent:
        return cls(
            position=entry.position,
            type=entry.type,
            aggregate_id=strawberry.ID(entry.aggregate_id),
            version=entry.version,
            recorded_at=entry.recorded_at,
        )


def _event_types(types: list[str] | None, known: frozenset[str]) -> frozenset[str] | None:
    if types is None:
        return None
    for name in types:
        if not _TYPE_NAME.match(name) or name not in known:
            raise bad_input("types", f"{name!r} is not an event type (e.g. Enrollment.Completed)")
    return frozenset(types)


def _without_position(value: object) -> object:
    return dataclasses.replace(value, position=0)  # type: ignore[type-var]


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="KPIs for a window and grouping: now, then after every "
        "event that changes them (coalesced)."
    )
    async def kpi_updated(
        self,
        info: SkillpathInfo,
        window: KpiWindowInput | None = None,
        group_by: KpiGrouping = KpiGrouping.COMPANY,
        filter: KpiFilterInput | None = None,
    ) -> AsyncGenerator[KpiReport, None]:
        to_window(window)
        where = to_filter(filter)
        services = info.context.services
        await services.live.ensure_started()
        spec = window or KpiWindowInput()
        key = ("kpis", spec.kind, spec.quarter, spec.from_, spec.to, group_by, where)

        def compute() -> object:
            return services.kpis.report(to_window(spec), group_by.value, where)

        async with services.live.feeds.subscribe(key, compute, _without_position) as feed:
            async for report in feed.values():
                yield KpiReport(row=report)  # type: ignore[arg-type]

    @strawberry.subscription(
        description="A module's insights: now, then after every event that "
        "changes them (coalesced)."
    )
    async def module_insights_updated(
        self,
        info: SkillpathInfo,
        module_id: strawberry.ID,
        window: KpiWindowInput | None = None,
        bucket_minutes: float = 5.0,
    ) -> AsyncGenerator[ModuleInsights, None]:
        key_id, width = query_id(module_id, "moduleId"), _bucket(bucket_minutes)
        to_window(window)
        services = info.context.services
        spec = window or KpiWindowInput()
        if (
            await info.context.run(
                services.module_insights.insights, key_id, to_window(spec), width
            )
            is None
        ):
            raise bad_input("moduleId", f"no module {key_id}")
        await services.live.ensure_started()
        key = ("module", key_id, spec.kind, spec.quarter, spec.from_, spec.to, width)

        def compute() -> object:
            return services.module_insights.insights(key_id, to_window(spec), width)

        async with services.live.feeds.subscribe(key, compute, _without_position) as feed:
            async for insights in feed.values():
                yield ModuleInsights(row=insights, bucket=width)  # type: ignore[arg-type]

    @strawberry.subscription(
        description="The event log from fromPosition on (default: from now), "
        "then live; optionally only some event types."
    )
    async def events(
        self,
        info: SkillpathInfo,
        from_position: int | None = None,
        types: list[str] | None = None,
    ) -> AsyncGenerator[LogEvent, None]:
        if from_position is not None and from_position < 0:
            raise bad_input("fromPosition", "must not be negative")
        wanted = _event_types(types, frozenset(info.context.services.audit.history.type_names))
        services = info.context.services
        await services.live.ensure_started()
        start = from_position
        if start is None:
            start = await info.context.run(services.app.last_position)
        socket = info.context.request

        closing: set[asyncio.Task[None]] = set()

        def cut_off(reason: str) -> None:
            if isinstance(socket, WebSocket):
                task = asyncio.create_task(socket.close(SLOW_CONSUMER_CLOSE, reason[:120]))
                closing.add(task)

        async for entry in services.live.tail.entries(start, cut_off):
            if wanted is None or entry.type in wanted:
                yield LogEvent.of(entry)


def _bucket(value: float) -> float:
    return bucket_minutes(value)
