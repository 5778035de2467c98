"""GraphQL views of programme steering: phases, criteria, cohort picks, comparisons, status."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry

from app.aggregates.programme import Phase, Programme
from app.aggregates.programme_phases import Criterion
from app.programmes.book import Comparison, CriterionStatus, PhaseStatus
from app.programmes.cohort import Pick
from app.programmes.comparison import Estimate
from app.schema.kpi_history import KpiName
from app.schema.kpi_types import KpiWindow


@strawberry.enum(description="The phases of a programme, defined in this order.")
class ProgrammePhaseKind(Enum):
    PILOT = strawberry.enum_value("pilot", description="A bounded use case with a pilot cohort.")
    EXTENSION = strawberry.enum_value("extension", description="More users and use cases.")
    SCALE = strawberry.enum_value("scale", description="Company-wide operation.")


@strawberry.enum(description="How a success criterion's target is stated.")
class CriterionKind(Enum):
    AT_LEAST = strawberry.enum_value("at_least", description="The KPI reaches at least value.")
    AT_MOST = strawberry.enum_value("at_most", description="The KPI falls to at most value.")
    CHANGE_BY = strawberry.enum_value(
        "change_by", description="The KPI changes by value (+20 points, -21 days) from its"
        " level in the same span before the phase started.",
    )  # fmt: skip


@strawberry.enum(description="What HR decided at a phase gate.")
class PhaseGateDecision(Enum):
    ADVANCE = strawberry.enum_value("advance", description="Passed: the next phase may start.")
    EXTEND = strawberry.enum_value("extend", description="Not yet: the phase stays open.")
    STOP = strawberry.enum_value("stop", description="Exit: the programme ends here.")


@strawberry.enum(description="Where a success criterion stands.")
class CriterionState(Enum):
    MET = strawberry.enum_value("met", description="The target is reached.")
    NOT_MET = strawberry.enum_value("not_met", description="The deadline passed unreached.")
    TOO_EARLY = strawberry.enum_value(
        "too_early", description="Not reached yet, or not measurable yet, before the deadline."
    )


@strawberry.enum(description="Whom a pilot cohort is compared with.")
class ComparisonGroup(Enum):
    REST = strawberry.enum_value("rest", description="Everyone else employed in the window.")
    MATCHED = strawberry.enum_value(
        "matched", description="Up to three others per member, same role, nearest in tenure."
    )


@strawberry.type(description="A success criterion: a KPI target with a time frame.")
class KpiCriterion:
    kpi: KpiName = strawberry.field(description="The KPI judged.")
    kind: CriterionKind = strawberry.field(description="How the target is stated.")
    value: float = strawberry.field(description="The bound, or the change, to reach.")
    within_months: int = strawberry.field(description="Months from the phase start.")
    description: str = strawberry.field(description="The criterion in words.")

    @classmethod
    def of(cls, c: Criterion) -> KpiCriterion:
        return cls(
            kpi=KpiName(c.kpi), kind=CriterionKind(c.kind), value=c.value,
            within_months=c.within_months, description=c.describe(),
        )  # fmt: skip


@strawberry.type(description="A gate decision HR recorded on a phase.")
class GateDecisionView:
    decision: PhaseGateDecision = strawberry.field(description="What was decided.")
    reason: str = strawberry.field(description="Why, in HR's words.")
    decided_on: date = strawberry.field(description="The day of the decision.")


@strawberry.type(description="One phase of a programme with its criteria and decisions.")
class ProgrammePhaseView:
    kind: ProgrammePhaseKind = strawberry.field(description="Pilot, extension or scale.")
    name: str = strawberry.field(description="The phase's name.")
    starts_on: date = strawberry.field(description="First day of the phase.")
    ends_on: date = strawberry.field(description="Planned last day of the phase.")
    success_criteria: list[KpiCriterion] = strawberry.field(description="KPI targets.")
    exit_criteria: list[str] = strawberry.field(description="When to stop, in words.")
    open: bool = strawberry.field(description="No advance or stop decided yet.")
    decisions: list[GateDecisionView] = strawberry.field(description="Gate decisions, in order.")

    @classmethod
    def of(cls, p: Phase) -> ProgrammePhaseView:
        return cls(
            kind=ProgrammePhaseKind(p.kind), name=p.name, starts_on=p.starts_on,
            ends_on=p.ends_on, success_criteria=[KpiCriterion.of(c) for c in p.criteria],
            exit_criteria=list(p.exit_criteria), open=p.decision is None,
            decisions=[
                GateDecisionView(decision=PhaseGateDecision(d), reason=r, decided_on=o)
                for d, r, o in p.decisions
            ],
        )  # fmt: skip


@strawberry.type(description="A learning programme: its phases and the size of its cohort.")
class ProgrammeView:
    id: strawberry.ID = strawberry.field(description="The programme's id.")
    name: str = strawberry.field(description="The programme's name.")
    department: str | None = strawberry.field(description="Owning department; null: company.")
    phases: list[ProgrammePhaseView] = strawberry.field(description="Phases, in order.")
    current_phase: ProgrammePhaseKind | None = strawberry.field(
        description="The first phase not passed; null before any phase or when all passed."
    )
    cohort_size: int = strawberry.field(description="People in the confirmed pilot cohort.")
    stopped: bool = strawberry.field(description="Stopped at a gate.")
    total_cost: float = strawberry.field(description="All costs recorded so far.")
    total_benefit: float = strawberry.field(description="All benefits recorded so far.")

    @classmethod
    def of(cls, p: Programme) -> ProgrammeView:
        current = p.current_phase
        return cls(
            id=strawberry.ID(str(p.id)), name=p.name, department=p.department,
            phases=[ProgrammePhaseView.of(x) for x in p.phases],
            current_phase=None if current is None else ProgrammePhaseKind(current.kind),
            cohort_size=len(p.cohort), stopped=p.stopped, total_cost=round(p.total_cost, 2),
            total_benefit=round(p.total_benefit, 2),
        )  # fmt: skip


@strawberry.type(description="A suggested member of a pilot cohort, and why they were picked.")
class PilotCandidate:
    employee_id: strawberry.ID = strawberry.field(description="The employee.")
    department: str = strawberry.field(description="Their department.")
    experience_band: str = strawberry.field(description="Years of experience, banded.")
    learning_preference: str | None = strawberry.field(
        description="Preferred media type; null unless they share their profile."
    )
    reason: str = strawberry.field(description="Why they were picked, in words.")

    @property
    def subject_id(self) -> str:
        """The person the access policy screens this pick by."""
        return str(self.employee_id)

    @classmethod
    def of(cls, pick: Pick) -> PilotCandidate:
        c = pick.candidate
        return cls(
            employee_id=strawberry.ID(c.employee_id), department=c.department,
            experience_band=pick.experience_band, learning_preference=c.preference,
            reason=pick.reason,
        )  # fmt: skip


@strawberry.type(description="A KPI of a group with its 95% bootstrap interval.")
class KpiEstimate:
    value: float | None = strawberry.field(description="The KPI over the group.")
    low: float | None = strawberry.field(description="Lower end of the 95% interval.")
    high: float | None = strawberry.field(description="Upper end of the 95% interval.")
    people: int = strawberry.field(description="People the figure rests on.")

    @classmethod
    def of(cls, e: Estimate | None) -> KpiEstimate | None:
        if e is None:
            return None
        return cls(value=e.value, low=e.low, high=e.high, people=e.people)


@strawberry.type(description="One KPI: pilot cohort, comparison group and their difference.")
class KpiComparisonView:
    kpi: KpiName = strawberry.field(description="The KPI.")
    cohort: KpiEstimate | None = strawberry.field(
        description="The pilot cohort's figure; null with fewer than k people behind it."
    )
    comparison: KpiEstimate | None = strawberry.field(
        description="The comparison group's figure; null with fewer than k people."
    )
    difference: KpiEstimate | None = strawberry.field(
        description="Cohort minus comparison; an interval excluding 0 is a clear difference."
    )


@strawberry.type(description="A pilot cohort against a comparison group over one window.")
class PilotComparison:
    row: strawberry.Private[Comparison]

    @strawberry.field(description="The days compared.")
    def window(self) -> KpiWindow:
        return KpiWindow.of(self.row.window)

    @strawberry.field(description="Whom the cohort is compared with.")
    def against(self) -> ComparisonGroup:
        return ComparisonGroup(self.row.against)

    @strawberry.field(description="Cohort members employed in the window.")
    def cohort_size(self) -> int:
        return self.row.cohort_size

    @strawberry.field(description="People in the comparison group.")
    def comparison_size(self) -> int:
        return self.row.comparison_size

    @strawberry.field(description="k: figures on fewer people are null.")
    def min_group_size(self) -> int:
        return self.row.min_group_size

    @strawberry.field(description="One row per KPI.")
    def kpis(self) -> list[KpiComparisonView]:
        return [
            KpiComparisonView(
                kpi=KpiName(k.kpi),
                cohort=KpiEstimate.of(k.cohort),
                comparison=KpiEstimate.of(k.comparison),
                difference=KpiEstimate.of(k.difference),
            )
            for k in self.row.kpis
        ]


@strawberry.type(description="Where one success criterion stands, with the numbers.")
class CriterionStatusView:
    row: strawberry.Private[CriterionStatus]

    @strawberry.field(description="The criterion.")
    def criterion(self) -> KpiCriterion:
        return KpiCriterion.of(self.row.criterion)

    @strawberry.field(description="Met, not met, or too early to tell.")
    def status(self) -> CriterionState:
        return CriterionState(self.row.status)

    @strawberry.field(description="Phase start plus the criterion's months.")
    def deadline(self) -> date:
        return self.row.deadline

    @strawberry.field(description="The KPI so far in the phase; null when not shown.")
    def measured(self) -> float | None:
        return self.row.value

    @strawberry.field(description="The KPI in the same span before the phase started.")
    def baseline(self) -> float | None:
        return self.row.baseline

    @strawberry.field(description="The value to reach (baseline plus change for a change).")
    def target_value(self) -> float | None:
        return self.row.target_value

    @strawberry.field(description="The same KPI of everyone outside the cohort, for scale.")
    def comparison_value(self) -> float | None:
        return self.row.comparison_value

    @strawberry.field(description="People the measured figure rests on.")
    def people(self) -> int:
        return self.row.people

    @strawberry.field(description="The status in words.")
    def explanation(self) -> str:
        return self.row.explanation


@strawberry.type(description="A phase's success criteria judged against the KPIs so far.")
class PhaseStatusView:
    row: strawberry.Private[PhaseStatus]

    @strawberry.field(description="The programme.")
    def programme_id(self) -> strawberry.ID:
        return strawberry.ID(self.row.programme_id)

    @strawberry.field(description="The phase judged.")
    def phase(self) -> ProgrammePhaseView:
        return ProgrammePhaseView.of(self.row.phase)

    @strawberry.field(description="The days measured: phase start to today or its end.")
    def window(self) -> KpiWindow:
        return KpiWindow.of(self.row.window)

    @strawberry.field(description="Every success criterion, in the order defined.")
    def criteria(self) -> list[CriterionStatusView]:
        return [CriterionStatusView(row=c) for c in self.row.criteria]

    @strawberry.field(description="True when every criterion is met.")
    def all_met(self) -> bool:
        return bool(self.row.criteria) and all(c.status == "met" for c in self.row.criteria)
