"""KPIs: reports per window and grouping, module insights, the revision list, ROI inputs."""

from __future__ import annotations

from datetime import date

import strawberry

from app.application import Written
from app.schema.common import ConsistentWith, consistent
from app.schema.context import SkillpathInfo
from app.schema.errors import execute, parse_id, query_id
from app.schema.idempotency import IdempotentInput
from app.schema.kpi_types import (
    KpiFilterInput,
    KpiGrouping,
    KpiReport,
    KpiWindowInput,
    ModuleInsights,
    RevisionFlag,
    bucket_minutes,
    to_filter,
    to_window,
)
from app.schema.payloads import result


@strawberry.type(description="A programme's ROI inputs were changed.")
class ProgrammePayload:
    position: int = strawberry.field(description="Event-store position of the change.")
    programme_id: strawberry.ID


def programme_payload(written: Written) -> ProgrammePayload:
    return ProgrammePayload(position=written.position, programme_id=strawberry.ID(str(written.id)))


DefineProgrammeResult = result("DefineProgrammeResult", ProgrammePayload)
RecordProgrammeCostResult = result("RecordProgrammeCostResult", ProgrammePayload)
EstimateTimeSavedResult = result("EstimateTimeSavedResult", ProgrammePayload)


@strawberry.input(description="A learning programme HR accounts for (ROI).")
class DefineProgrammeInput(IdempotentInput):
    name: str
    department: str | None = strawberry.field(
        default=None, description="The department it belongs to; null for company-wide."
    )


@strawberry.input
class RecordProgrammeCostInput(IdempotentInput):
    programme_id: strawberry.ID
    amount: float = strawberry.field(description="In the organisation's currency.")
    incurred_on: date
    description: str = ""


@strawberry.input(description="Hours the programme saved in a period, and what an hour is worth.")
class EstimateTimeSavedInput(IdempotentInput):
    programme_id: strawberry.ID
    hours: float
    hourly_value: float
    estimated_for: date = strawberry.field(description="The last day of the estimated period.")
    description: str = ""


KPIS_HELP = (
    "KPIs for a window, split by a grouping, optionally filtered. Groups and figures resting"
    " on fewer than k people (SKILLPATH_MIN_GROUP_SIZE) are suppressed."
)


@strawberry.type
class KpiQuery:
    @strawberry.field(description=KPIS_HELP)
    async def kpis(
        self,
        info: SkillpathInfo,
        window: KpiWindowInput | None = None,
        group_by: KpiGrouping = KpiGrouping.COMPANY,
        filter: KpiFilterInput | None = None,
        consistent_with: ConsistentWith = None,
    ) -> KpiReport:
        span, where = to_window(window), to_filter(filter)
        await consistent(info, consistent_with)
        book = info.context.services.kpis
        return KpiReport(row=await info.context.run(book.report, span, group_by.value, where))

    @strawberry.field(
        description="One module's completion, drop-off curve, ratings, sentiment "
        "and open revision flags; null for an unknown module."
    )
    async def module_insights(
        self,
        info: SkillpathInfo,
        module_id: strawberry.ID,
        window: KpiWindowInput | None = None,
        bucket_minutes: float = 5.0,
        consistent_with: ConsistentWith = None,
    ) -> ModuleInsights | None:
        return await module_insights(info, module_id, window, bucket_minutes, consistent_with)

    @strawberry.field(
        description="Modules flagged for revision and not revised since, oldest first."
    )
    async def modules_needing_revision(
        self, info: SkillpathInfo, consistent_with: ConsistentWith = None
    ) -> list[RevisionFlag]:
        await consistent(info, consistent_with)
        book = info.context.services.module_insights
        return [RevisionFlag.of(row) for row in await info.context.run(book.needing_revision)]


async def module_insights(
    info: SkillpathInfo,
    module_id: strawberry.ID,
    window: KpiWindowInput | None,
    bucket: float,
    consistent_with: int | None = None,
) -> ModuleInsights | None:
    key, span, width = query_id(module_id, "moduleId"), to_window(window), bucket_minutes(bucket)
    await consistent(info, consistent_with)
    book = info.context.services.module_insights
    row = await info.context.run(book.insights, key, span, width)
    return None if row is None else ModuleInsights(row=row, bucket=width)


@strawberry.type
class KpiMutation:
    @strawberry.mutation(description="Start accounting for a learning programme (ROI).")
    async def define_programme(
        self, info: SkillpathInfo, input: DefineProgrammeInput
    ) -> DefineProgrammeResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.define_programme(
                name=input.name, department=input.department, actor=ctx.actor
            ),
            programme_payload,
        )

    @strawberry.mutation(description="Record a cost of a programme.")
    async def record_programme_cost(
        self, info: SkillpathInfo, input: RecordProgrammeCostInput
    ) -> RecordProgrammeCostResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.record_programme_cost(
                parse_id(input.programme_id, "programmeId"),
                amount=input.amount,
                incurred_on=input.incurred_on,
                description=input.description,
                actor=ctx.actor,
            ),
            programme_payload,
        )

    @strawberry.mutation(description="Record an estimate of the time a programme saved.")
    async def estimate_time_saved(
        self, info: SkillpathInfo, input: EstimateTimeSavedInput
    ) -> EstimateTimeSavedResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.estimate_time_saved(
                parse_id(input.programme_id, "programmeId"),
                hours=input.hours,
                hourly_value=input.hourly_value,
                estimated_for=input.estimated_for,
                description=input.description,
                actor=ctx.actor,
            ),
            programme_payload,
        )
