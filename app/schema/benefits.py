"""Benefits by life phase: HR's benefits, suggestions with the benefits consent, uptake."""

from __future__ import annotations

from enum import Enum

import strawberry

from app.aggregates import Conflict as DomainConflict
from app.application import Written
from app.people.benefits import BenefitRow
from app.schema.common import ConsistentWith, consistent
from app.schema.context import SkillpathInfo
from app.schema.errors import execute, parse_id
from app.schema.idempotency import IdempotentInput
from app.schema.payloads import POSITION_HELP, EmployeePayload, employee_payload, result
from app.schema.people_common import query_result, typed
from app.schema.skills import EmployeeArgument


@strawberry.enum(description="A life phase benefits can fit (a personal field, sealed).")
class LifePhase(Enum):
    STARTING_OUT = strawberry.enum_value("starting_out", description="Early in working life.")
    YOUNG_FAMILY = strawberry.enum_value("young_family", description="With young children.")
    SINGLE_PARENT = strawberry.enum_value("single_parent", description="Raising children alone.")
    CARING_FOR_RELATIVES = strawberry.enum_value(
        "caring_for_relatives", description="Caring for a relative."
    )
    HOME_BUYING = strawberry.enum_value("home_buying", description="Buying or moving home.")
    PRE_RETIREMENT = strawberry.enum_value("pre_retirement", description="Nearing retirement.")
    UNDISCLOSED = strawberry.enum_value("undisclosed", description="Not said.")


@strawberry.enum(description="A condition of life benefits can fit (a personal field, sealed).")
class BenefitCondition(Enum):
    PARENT = strawberry.enum_value("parent", description="Has children.")
    CARER = strawberry.enum_value("carer", description="Cares for someone.")
    COMMUTER = strawberry.enum_value("commuter", description="Commutes a long way.")
    PART_TIME = strawberry.enum_value("part_time", description="Works part time.")
    RELOCATING = strawberry.enum_value("relocating", description="Moving for work.")
    STUDYING = strawberry.enum_value("studying", description="Studying alongside work.")


@strawberry.type(description="A benefit HR offers and what it fits.")
class Benefit:
    id: strawberry.ID = strawberry.field(description="The benefit.")
    name: str = strawberry.field(description="Its name.")
    description: str = strawberry.field(description="What it is.")
    phases: list[str] = strawberry.field(description="Life phases it fits.")
    conditions: list[str] = strawberry.field(description="Conditions it fits.")

    @classmethod
    def of(cls, row: BenefitRow) -> Benefit:
        return cls(id=strawberry.ID(row.id), name=row.name, description=row.description,
                   phases=row.phases, conditions=row.conditions)  # fmt: skip


@strawberry.type(description="A benefit suggested to a person, and why (life-phase facet).")
class BenefitSuggestion:
    benefit: Benefit = strawberry.field(description="The benefit.")
    reasons: list[str] = strawberry.field(description="What about the person it fits.")


@strawberry.type(description="Benefits that fit a person (only for themselves, with consent).")
class BenefitSuggestions:
    employee_id: strawberry.ID = strawberry.field(description="The person.")
    suggestions: list[BenefitSuggestion] = strawberry.field(description="Fitting benefits.")

    @property
    def subject_id(self) -> str:
        return str(self.employee_id)


@strawberry.type(description="Uptake of one benefit among those it is suggested to (k rule).")
class BenefitUptake:
    benefit_id: strawberry.ID = strawberry.field(description="The benefit.")
    name: str = strawberry.field(description="Its name.")
    suggested_to: int | None = strawberry.field(description="People it fits; null below k.")
    taken_up: int | None = strawberry.field(description="Of them, who took it up.")
    share: float | None = strawberry.field(description="Taken up / suggested to, 0-1.")
    suppressed: bool = strawberry.field(description="True when fewer than k people.")


@strawberry.type(description="Uptake of suggested benefits, a KPI.")
class BenefitUptakeReport:
    min_group_size: int = strawberry.field(description="k: smaller groups show no figures.")
    benefits: list[BenefitUptake] = strawberry.field(description="Per active benefit.")


@strawberry.type(description="The outcome of defining or retiring a benefit.")
class BenefitPayload:
    position: int = strawberry.field(description=POSITION_HELP)
    benefit_id: strawberry.ID = strawberry.field(description="The benefit.")


def _payload(written: Written) -> BenefitPayload:
    return BenefitPayload(position=written.position, benefit_id=strawberry.ID(str(written.id)))


BenefitSuggestionsResult = query_result("BenefitSuggestionsResult", BenefitSuggestions)
DefineBenefitResult = result("DefineBenefitResult", BenefitPayload)
RetireBenefitResult = result("RetireBenefitResult", BenefitPayload)
DeclareLifePhaseResult = result("DeclareLifePhaseResult", EmployeePayload)
TakeUpBenefitResult = result("TakeUpBenefitResult", EmployeePayload)


@strawberry.input(description="A benefit and the life phases or conditions it fits.")
class DefineBenefitInput(IdempotentInput):
    name: str = strawberry.field(description="Its name.")
    phases: list[LifePhase] = strawberry.field(description="Life phases it fits.")
    conditions: list[BenefitCondition] = strawberry.field(
        default_factory=list, description="Conditions it fits."
    )
    description: str = strawberry.field(default="", description="What it is.")


@strawberry.input(description="The benefit to retire.")
class RetireBenefitInput(IdempotentInput):
    benefit_id: strawberry.ID = strawberry.field(description="The benefit.")


@strawberry.input(description="One's life phase (needs the benefits consent; sealed).")
class DeclareLifePhaseInput(IdempotentInput):
    employee_id: strawberry.ID = strawberry.field(description="The person, declaring for self.")
    life_phase: LifePhase = strawberry.field(description="The life phase.")
    conditions: list[BenefitCondition] = strawberry.field(
        default_factory=list, description="Conditions that apply."
    )


@strawberry.input(description="A benefit the person takes up.")
class TakeUpBenefitInput(IdempotentInput):
    employee_id: strawberry.ID = strawberry.field(description="The person.")
    benefit_id: strawberry.ID = strawberry.field(description="The benefit.")


@strawberry.type
class BenefitQuery:
    @strawberry.field(description="The benefits HR offers.")
    async def benefits(
        self, info: SkillpathInfo, consistent_with: ConsistentWith = None
    ) -> list[Benefit]:
        await consistent(info, consistent_with)
        rows = await info.context.run(info.context.services.benefits.benefits)
        return [Benefit.of(r) for r in rows]

    @strawberry.field(description="Benefits that fit one's life phase (benefits consent only).")
    async def benefit_suggestions(
        self, info: SkillpathInfo, employee_id: EmployeeArgument,
        consistent_with: ConsistentWith = None,
    ) -> BenefitSuggestionsResult:  # fmt: skip
        await consistent(info, consistent_with)
        services = info.context.services

        def read() -> BenefitSuggestions:
            key = parse_id(employee_id, "employeeId")
            services.app.employee(key)
            if not services.app.policy.allows(key, "benefits"):
                raise DomainConflict(
                    "the benefits consent is not granted: no benefit suggestions",
                    field="employeeId",
                )
            return BenefitSuggestions(
                employee_id=strawberry.ID(str(key)),
                suggestions=[BenefitSuggestion(benefit=Benefit.of(s.benefit), reasons=s.reasons)
                             for s in services.benefits.suggestions(str(key))],
            )  # fmt: skip

        return await typed(info, read)

    @strawberry.field(description="Uptake of suggested benefits per benefit (k rule).")
    async def benefit_uptake(
        self, info: SkillpathInfo, consistent_with: ConsistentWith = None
    ) -> BenefitUptakeReport:
        await consistent(info, consistent_with)
        services = info.context.services
        k = services.settings.min_group_size
        rows = await info.context.run(services.benefits.uptake, k)
        return BenefitUptakeReport(
            min_group_size=k,
            benefits=[BenefitUptake(benefit_id=strawberry.ID(u.benefit_id), name=u.name,
                                    suggested_to=u.suggested_to, taken_up=u.taken_up,
                                    share=u.share, suppressed=u.suppressed) for u in rows],
        )  # fmt: skip


@strawberry.type
class BenefitMutation:
    @strawberry.mutation(description="Define a benefit and the phases or conditions it fits.")
    async def define_benefit(
        self, info: SkillpathInfo, input: DefineBenefitInput
    ) -> DefineBenefitResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.define_benefit(
                name=input.name, description=input.description,
                phases=[str(p.value) for p in input.phases],
                fits=[str(c.value) for c in input.conditions], actor=ctx.actor,
            ),
            _payload,
        )  # fmt: skip

    @strawberry.mutation(description="Retire a benefit; it is suggested no more.")
    async def retire_benefit(
        self, info: SkillpathInfo, input: RetireBenefitInput
    ) -> RetireBenefitResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.retire_benefit(
                parse_id(input.benefit_id, "benefitId"), actor=ctx.actor
            ),
            _payload,
        )

    @strawberry.mutation(description="Declare one's life phase (refused without benefits consent).")
    async def declare_life_phase(
        self, info: SkillpathInfo, input: DeclareLifePhaseInput
    ) -> DeclareLifePhaseResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.declare_life_phase(
                parse_id(input.employee_id, "employeeId"), phase=str(input.life_phase.value),
                conditions=[str(c.value) for c in input.conditions], actor=ctx.actor,
            ),
            employee_payload,
        )  # fmt: skip

    @strawberry.mutation(description="Record that one took up a benefit (for the uptake KPI).")
    async def take_up_benefit(
        self, info: SkillpathInfo, input: TakeUpBenefitInput
    ) -> TakeUpBenefitResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.take_up_benefit(
                parse_id(input.employee_id, "employeeId"),
                benefit_id=parse_id(input.benefit_id, "benefitId"), actor=ctx.actor,
            ),
            employee_payload,
        )  # fmt: skip
