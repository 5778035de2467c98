"""Programme ROI: cost and benefit lines as the steering model names them, ROI over time."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

import strawberry

from app.programmes.book import SteeringError
from app.programmes.roi import ProgrammeRoi, RoiPoint, programme_roi
from app.schema.common import ConsistentWith, consistent
from app.schema.context import SkillpathInfo
from app.schema.errors import bad_input, execute, parse_id, query_id
from app.schema.idempotency import IdempotentInput
from app.schema.kpi_history import From, KpiHistoryGrouping, KpiInterval, To, history_spec
from app.schema.kpis import ProgrammePayload, programme_payload
from app.schema.payloads import result

RecordProgrammeCostLineResult = result("RecordProgrammeCostLineResult", ProgrammePayload)
RecordProgrammeBenefitResult = result("RecordProgrammeBenefitResult", ProgrammePayload)


@strawberry.enum(description="What a programme cost went on.")
class CostCategory(Enum):
    LICENCES = strawberry.enum_value("licences", description="Software licences, per user.")
    IMPLEMENTATION = strawberry.enum_value(
        "implementation", description="Set-up, integration, first training."
    )
    TRAINING = strawberry.enum_value("training", description="Training the users.")
    CHAMPION_TIME = strawberry.enum_value(
        "champion_time", description="Time of the change champions in the departments."
    )
    CONTENT = strawberry.enum_value("content", description="Company-specific content.")
    OTHER = strawberry.enum_value("other", description="Anything else.")


@strawberry.enum(description="Where a programme benefit came from.")
class BenefitCategory(Enum):
    TIME_SAVED = strawberry.enum_value(
        "time_saved", description="Time saved per employee per day, valued by the hour."
    )
    AVOIDED_CONSULTANTS = strawberry.enum_value(
        "avoided_consultants", description="External consultants not needed."
    )
    SHORTER_IMPLEMENTATION = strawberry.enum_value(
        "shorter_implementation", description="Projects or onboarding finished sooner."
    )
    REDUCED_TURNOVER = strawberry.enum_value(
        "reduced_turnover", description="Hiring costs avoided by people staying."
    )
    HR_PROCESS_EFFICIENCY = strawberry.enum_value(
        "hr_process_efficiency",
        description="Efficiency gained in HR processes (a line of the champion programme).",
    )
    OTHER = strawberry.enum_value("other", description="Anything else.")


@strawberry.input(description="One cost of a programme, on a named line.")
class RecordProgrammeCostLineInput(IdempotentInput):
    programme_id: strawberry.ID = strawberry.field(description="The programme.")
    category: CostCategory = strawberry.field(description="The cost line.")
    amount: float = strawberry.field(description="In the organisation's currency.")
    incurred_on: date = strawberry.field(description="The day it was incurred.")
    description: str = strawberry.field(default="", description="What it was.")


@strawberry.input(
    description="One benefit of a programme: an amount, or for time saved the minutes per"
    " employee per day, the employees, the working days and the value of an hour."
)
class RecordProgrammeBenefitInput(IdempotentInput):
    programme_id: strawberry.ID = strawberry.field(description="The programme.")
    category: BenefitCategory = strawberry.field(description="The benefit line.")
    realised_on: date = strawberry.field(description="The last day of the period it covers.")
    amount: float | None = strawberry.field(default=None, description="The amount, if known.")
    minutes_per_employee_per_day: float | None = strawberry.field(
        default=None, description="Time saved: minutes per employee per working day."
    )
    employees: int | None = strawberry.field(default=None, description="Time saved: people.")
    working_days: int | None = strawberry.field(
        default=None, description="Time saved: working days in the period."
    )
    hourly_value: float | None = strawberry.field(
        default=None, description="Time saved: what an hour of work is worth."
    )
    description: str = strawberry.field(default="", description="How it was estimated.")


@strawberry.type(description="A cost or benefit line, summed.")
class RoiLineView:
    kind: str = strawberry.field(description="cost or benefit.")
    category: str = strawberry.field(description="The line (licences, time_saved, ...).")
    amount: float = strawberry.field(description="Everything recorded on it.")


@strawberry.type(description="One month of a programme's ROI.")
class RoiPointView:
    period: str = strawberry.field(description="The month, e.g. 2026-03.")
    cost: float = strawberry.field(description="Costs incurred in the month.")
    benefit: float = strawberry.field(description="Benefits realised in the month.")
    cumulative_cost: float = strawberry.field(description="All costs up to the month's end.")
    cumulative_benefit: float = strawberry.field(description="All benefits up to then.")
    roi_percent: float | None = strawberry.field(
        description="Cumulative (benefit - cost) / cost x 100; null before any cost."
    )

    @classmethod
    def of(cls, p: RoiPoint) -> RoiPointView:
        return cls(
            period=p.period.label, cost=p.cost, benefit=p.benefit,
            cumulative_cost=p.cumulative_cost, cumulative_benefit=p.cumulative_benefit,
            roi_percent=p.roi_percent,
        )  # fmt: skip


@strawberry.type(description="A programme's costs, benefits and ROI over time.")
class ProgrammeRoiView:
    row: strawberry.Private[ProgrammeRoi]

    @strawberry.field(description="The programme.")
    def programme_id(self) -> strawberry.ID:
        return strawberry.ID(self.row.programme_id)

    @strawberry.field(description="Every cost and benefit line, summed.")
    def lines(self) -> list[RoiLineView]:
        return [RoiLineView(kind=x.kind, category=x.category, amount=x.amount)
                for x in self.row.lines]  # fmt: skip

    @strawberry.field(description="All costs recorded up to the end of the range.")
    def total_cost(self) -> float:
        return self.row.total_cost

    @strawberry.field(description="All benefits recorded up to the end of the range.")
    def total_benefit(self) -> float:
        return self.row.total_benefit

    @strawberry.field(description="(benefit - cost) / cost x 100 of all of it.")
    def roi_percent(self) -> float | None:
        return self.row.roi_percent

    @strawberry.field(description="Month by month, cumulative ROI.")
    def points(self) -> list[RoiPointView]:
        return [RoiPointView.of(p) for p in self.row.points]

    @strawberry.field(description="The first month cumulative benefit reached cost; or null.")
    def break_even(self) -> str | None:
        return None if self.row.break_even is None else self.row.break_even.label


@strawberry.type
class ProgrammeRoiQuery:
    @strawberry.field(description="A programme's ROI month by month (default: 12 months).")
    async def programme_roi(
        self,
        info: SkillpathInfo,
        programme_id: strawberry.ID,
        from_: From = None,
        to: To = None,
        consistent_with: ConsistentWith = None,
    ) -> ProgrammeRoiView:
        key = query_id(programme_id, "programmeId")
        spec = history_spec(None, KpiHistoryGrouping.COMPANY, KpiInterval.MONTH, from_, to)
        await consistent(info, consistent_with)
        services = info.context.services

        def read() -> ProgrammeRoi:
            services.programmes.programme(key)
            return programme_roi(services.gateway, key, spec.start, spec.end)

        try:
            return ProgrammeRoiView(row=await info.context.run(read))
        except SteeringError as error:
            raise bad_input(error.field, error.message) from None


@strawberry.type
class ProgrammeRoiMutation:
    @strawberry.mutation(description="Record a programme cost on a named line.")
    async def record_programme_cost_line(
        self, info: SkillpathInfo, input: RecordProgrammeCostLineInput
    ) -> RecordProgrammeCostLineResult:
        ctx = info.context

        def record() -> Any:
            return ctx.services.app.record_programme_cost_line(
                parse_id(input.programme_id, "programmeId"), category=str(input.category.value),
                amount=input.amount, incurred_on=input.incurred_on,
                description=input.description, actor=ctx.actor,
            )  # fmt: skip

        return await execute(ctx.run, record, programme_payload)

    @strawberry.mutation(description="Record a programme benefit on a named line.")
    async def record_programme_benefit(
        self, info: SkillpathInfo, input: RecordProgrammeBenefitInput
    ) -> RecordProgrammeBenefitResult:
        ctx = info.context

        def record() -> Any:
            return ctx.services.app.record_programme_benefit(
                parse_id(input.programme_id, "programmeId"), category=str(input.category.value),
                amount=input.amount, realised_on=input.realised_on,
                description=input.description, actor=ctx.actor,
                minutes_per_day=input.minutes_per_employee_per_day, employees=input.employees,
                working_days=input.working_days, hourly_value=input.hourly_value,
            )  # fmt: skip

        return await execute(ctx.run, record, programme_payload)
