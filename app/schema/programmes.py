"""Programme steering: phases with KPI targets, the pilot cohort, gates, comparisons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import strawberry

from app.aggregates.programme_phases import Criterion, criterion
from app.programmes.book import SteeringError
from app.programmes.cohort import DEFAULT_SIZE
from app.programmes.people_facts import PERSON_KPIS
from app.schema.common import ConsistentWith, consistent
from app.schema.context import SkillpathInfo
from app.schema.errors import bad_input, execute, parse_id, query_id
from app.schema.idempotency import IdempotentInput
from app.schema.kpi_history import KpiName
from app.schema.kpi_types import KpiWindowInput, to_window
from app.schema.kpis import ProgrammePayload, programme_payload
from app.schema.payloads import result
from app.schema.programme_types import (
    ComparisonGroup,
    CriterionKind,
    PhaseGateDecision,
    PhaseStatusView,
    PilotCandidate,
    PilotComparison,
    ProgrammePhaseKind,
    ProgrammeView,
)

T = TypeVar("T")

DefineProgrammePhaseResult = result("DefineProgrammePhaseResult", ProgrammePayload)
ConfirmPilotCohortResult = result("ConfirmPilotCohortResult", ProgrammePayload)
DecidePhaseGateResult = result("DecidePhaseGateResult", ProgrammePayload)


@strawberry.input(description="A success criterion: a KPI target with a time frame.")
class KpiCriterionInput:
    kpi: KpiName = strawberry.field(description="The KPI judged.")
    kind: CriterionKind = strawberry.field(description="At least, at most, or change by.")
    value: float = strawberry.field(description="The bound, or the change (+20, -21).")
    within_months: int | None = strawberry.field(
        default=None, description="Months from the phase start to reach it (required)."
    )


@strawberry.input(description="A phase of a programme; phases come pilot, extension, scale.")
class DefineProgrammePhaseInput(IdempotentInput):
    programme_id: strawberry.ID = strawberry.field(description="The programme.")
    kind: ProgrammePhaseKind = strawberry.field(description="Which phase this is.")
    name: str = strawberry.field(default="", description="A name; default the kind.")
    starts_on: date = strawberry.field(description="First day.")
    ends_on: date = strawberry.field(description="Planned last day.")
    success_criteria: list[KpiCriterionInput] = strawberry.field(
        description="KPI targets with time frames (at least one)."
    )
    exit_criteria: list[str] = strawberry.field(
        default_factory=list, description="When to stop, in words."
    )


@strawberry.input(description="The pilot cohort as HR confirmed it (suggested, then adjusted).")
class ConfirmPilotCohortInput(IdempotentInput):
    programme_id: strawberry.ID = strawberry.field(description="The programme.")
    employee_ids: list[strawberry.ID] = strawberry.field(
        description="The cohort: at least k people, each with personalisation consent."
    )
    suggested_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Who of them Skillpath suggested (for the record)."
    )


@strawberry.input(description="HR's decision at the gate of the open phase.")
class DecidePhaseGateInput(IdempotentInput):
    programme_id: strawberry.ID = strawberry.field(description="The programme.")
    phase: ProgrammePhaseKind = strawberry.field(description="The open phase.")
    decision: PhaseGateDecision = strawberry.field(description="Advance, extend or stop.")
    reason: str = strawberry.field(description="Why, in words.")
    decided_on: date = strawberry.field(description="The day of the decision.")


def _criteria(items: list[KpiCriterionInput]) -> list[Criterion]:
    return [
        criterion(
            str(c.kpi.value), str(c.kind.value), c.value, c.within_months, f"successCriteria[{i}]"
        )
        for i, c in enumerate(items)
    ]


async def _read(info: SkillpathInfo, call: Callable[[], T]) -> T:
    """A steering read; its refusals become coded errors naming the argument."""
    try:
        return await info.context.run(call)
    except SteeringError as error:
        raise bad_input(error.field, error.message) from None


@strawberry.type
class ProgrammeQuery:
    @strawberry.field(description="Every programme with its phases; HR, leadership, council.")
    async def programmes(
        self, info: SkillpathInfo, consistent_with: ConsistentWith = None
    ) -> list[ProgrammeView]:
        await consistent(info, consistent_with)
        book = info.context.services.programmes

        def every() -> list[ProgrammeView]:
            return [ProgrammeView.of(book.programme(i)) for i in book.programme_ids()]

        return await _read(info, every)

    @strawberry.field(description="A pilot cohort of the chosen size, diverse by department,"
                      " experience and learning preference, with a reason for each pick;"
                      " only active employees who granted personalisation.")  # fmt: skip
    async def suggest_pilot_cohort(
        self,
        info: SkillpathInfo,
        programme_id: strawberry.ID,
        size: int = DEFAULT_SIZE,
        department: str | None = None,
        consistent_with: ConsistentWith = None,
    ) -> list[PilotCandidate]:
        key = query_id(programme_id, "programmeId")
        await consistent(info, consistent_with)
        book = info.context.services.programmes
        picks = await _read(info, lambda: book.suggest_cohort(key, size, department))
        return [PilotCandidate.of(p) for p in picks]

    @strawberry.field(description="Every KPI of the pilot cohort against a comparison group"
                      " over the same window, with 95% bootstrap intervals; figures on fewer"
                      " than k people are null.")  # fmt: skip
    async def pilot_comparison(
        self,
        info: SkillpathInfo,
        programme_id: strawberry.ID,
        window: KpiWindowInput | None = None,
        against: ComparisonGroup = ComparisonGroup.REST,
        kpis: list[KpiName] | None = None,
        consistent_with: ConsistentWith = None,
    ) -> PilotComparison:
        key, span = query_id(programme_id, "programmeId"), to_window(window)
        names = [str(k.value) for k in kpis] if kpis else list(PERSON_KPIS)
        if "roi_percent" in names:
            raise bad_input("kpis", "roi_percent is about programmes, not people")
        await consistent(info, consistent_with)
        book = info.context.services.programmes
        found = await _read(info, lambda: book.compare(key, span, str(against.value), names))
        return PilotComparison(row=found)

    @strawberry.field(description="Per success criterion of a phase (default the open one):"
                      " met, not met or too early to tell, with the numbers.")  # fmt: skip
    async def programme_phase_status(
        self,
        info: SkillpathInfo,
        programme_id: strawberry.ID,
        phase: ProgrammePhaseKind | None = None,
        consistent_with: ConsistentWith = None,
    ) -> PhaseStatusView:
        key = query_id(programme_id, "programmeId")
        await consistent(info, consistent_with)
        book = info.context.services.programmes
        kind = None if phase is None else str(phase.value)
        return PhaseStatusView(row=await _read(info, lambda: book.phase_status(key, kind)))


def _confirm(info: SkillpathInfo, input: ConfirmPilotCohortInput) -> Any:
    ctx = info.context
    return lambda: ctx.services.app.confirm_pilot_cohort(
        parse_id(input.programme_id, "programmeId"),
        employee_ids=[str(i) for i in input.employee_ids],
        suggested_ids=[str(i) for i in input.suggested_ids],
        min_size=ctx.services.settings.min_group_size,
        actor=ctx.actor,
    )


@strawberry.type
class ProgrammeMutation:
    @strawberry.mutation(description="Define the next phase of a programme with its success"
                         " criteria (KPI targets with time frames) and exit criteria.")  # fmt: skip
    async def define_programme_phase(
        self, info: SkillpathInfo, input: DefineProgrammePhaseInput
    ) -> DefineProgrammePhaseResult:
        ctx = info.context

        def define() -> Any:
            return ctx.services.app.define_programme_phase(
                parse_id(input.programme_id, "programmeId"), kind=str(input.kind.value),
                name=input.name, starts_on=input.starts_on, ends_on=input.ends_on,
                success_criteria=_criteria(input.success_criteria),
                exit_criteria=list(input.exit_criteria), actor=ctx.actor,
            )  # fmt: skip

        return await execute(ctx.run, define, programme_payload)

    @strawberry.mutation(description="Confirm the pilot cohort (at least k people, each with"
                         " personalisation consent).")  # fmt: skip
    async def confirm_pilot_cohort(
        self, info: SkillpathInfo, input: ConfirmPilotCohortInput
    ) -> ConfirmPilotCohortResult:
        return await execute(info.context.run, _confirm(info, input), programme_payload)

    @strawberry.mutation(description="Record HR's decision at the gate of the open phase.")
    async def decide_phase_gate(
        self, info: SkillpathInfo, input: DecidePhaseGateInput
    ) -> DecidePhaseGateResult:
        ctx = info.context

        def decide() -> Any:
            return ctx.services.app.decide_phase_gate(
                parse_id(input.programme_id, "programmeId"), phase=str(input.phase.value),
                decision=str(input.decision.value), reason=input.reason,
                decided_on=input.decided_on, actor=ctx.actor,
            )  # fmt: skip

        return await execute(ctx.run, decide, programme_payload)
