"""HR-AI champions: joining the programme, input on its criteria, classification with the
reason per criterion, candidates per department, coverage against a target ratio, time
shares, and the programme's ROI on the champions article's cost and benefit lines."""

from __future__ import annotations

from datetime import date, timedelta
from enum import Enum
from typing import Annotated, Any

import strawberry

from app.aggregates import ValidationFailed
from app.aggregates.base import utc_now
from app.aggregates.champion import CRITERIA
from app.people import champions as book
from app.programmes.book import SteeringError
from app.schema.common import ConsistentWith, consistent
from app.schema.context import SkillpathInfo
from app.schema.errors import execute, parse_id
from app.schema.idempotency import IdempotentInput
from app.schema.payloads import EmployeePayload, employee_payload, result
from app.schema.people_common import query_result, typed
from app.schema.skills import EmployeeArgument


@strawberry.enum(description="A rating of the champion criteria matrix.")
class ChampionRating(Enum):
    STRONG = strawberry.enum_value("strong", description="The criterion's strong anchor.")
    MEDIUM = strawberry.enum_value("medium", description="The criterion's medium anchor.")
    WEAK = strawberry.enum_value("weak", description="The criterion's weak anchor.")


@strawberry.enum(description="Who gives input on a champion's criteria.")
class ChampionInputSource(Enum):
    SELF = strawberry.enum_value("self", description="The person's own self-assessment.")
    MANAGER = strawberry.enum_value(
        "manager", description="Their manager (or HR recording the manager's view)."
    )


@strawberry.enum(description="Where a criterion's rating came from.")
class ChampionRatingSource(Enum):
    YEARS = strawberry.enum_value("years", description="Years of experience (HR expertise).")
    MANAGER = strawberry.enum_value("manager", description="The manager's input.")
    SELF = strawberry.enum_value("self", description="The self-assessment.")
    OBSERVED = strawberry.enum_value(
        "observed", description="Observed learning activity (AI modules, levels, own starts)."
    )
    NONE = strawberry.enum_value("none", description="No evidence yet: rated weak.")


@strawberry.type(description="A criterion of the champions article with its anchors.")
class ChampionCriterion:
    key: str = strawberry.field(description="The criterion's key, e.g. hr_expertise.")
    title: str = strawberry.field(description="Its name.")
    strong: str = strawberry.field(description="What strong looks like.")
    medium: str = strawberry.field(description="What medium looks like.")
    weak: str = strawberry.field(description="What weak looks like.")


@strawberry.type(description="One criterion of a champion's classification, with its reason.")
class ChampionCriterionResult:
    criterion: str = strawberry.field(description="The criterion's key.")
    title: str = strawberry.field(description="Its name.")
    rating: ChampionRating = strawberry.field(description="Strong, medium or weak.")
    source: ChampionRatingSource = strawberry.field(description="Where the rating came from.")
    reason: str = strawberry.field(description="Why this rating, with the anchor it meets.")


@strawberry.type(description="A champion's classification (only for people who opted in).")
class ChampionClassification:
    employee_id: strawberry.ID = strawberry.field(description="The champion.")
    department: str = strawberry.field(description="Their department now.")
    rating: ChampionRating = strawberry.field(description="Strong, medium or weak overall.")
    points: int = strawberry.field(description="Strong 2, medium 1, weak 0 per criterion.")
    reason: str = strawberry.field(description="How the points give the overall rating.")
    criteria: list[ChampionCriterionResult] = strawberry.field(
        description="Every criterion with its rating and reason."
    )
    time_share_percent: int | None = strawberry.field(
        description="Share of working time on the programme in the latest recorded month."
    )
    time_share_month: str | None = strawberry.field(description="That month, e.g. 2026-03.")
    below_recommended_time: bool = strawberry.field(
        description="True when that share is under the article's 20 % minimum."
    )

    @property
    def subject_id(self) -> str:
        return str(self.employee_id)

    @classmethod
    def of(cls, c: book.Classification) -> ChampionClassification:
        return cls(
            employee_id=strawberry.ID(c.employee_id), department=c.department,
            rating=ChampionRating(c.rating), points=c.points, reason=c.reason,
            criteria=[
                ChampionCriterionResult(
                    criterion=r.criterion, title=r.title, rating=ChampionRating(r.rating),
                    source=ChampionRatingSource(r.source), reason=r.reason,
                )
                for r in c.criteria
            ],
            time_share_percent=c.time_share_percent, time_share_month=c.time_share_month,
            below_recommended_time=c.below_recommended_time,
        )  # fmt: skip


@strawberry.type(description="Champions of one department who opted in, strongest first.")
class AiChampionCandidates:
    department: str = strawberry.field(description="The department.")
    candidates: list[ChampionClassification] = strawberry.field(
        description="Each with the reason per criterion."
    )


@strawberry.type(description="One department's champions against the target ratio.")
class DepartmentChampionCoverage:
    department: str = strawberry.field(description="The department.")
    employees: int | None = strawberry.field(description="Active employees; null below k.")
    opted_in: int | None = strawberry.field(description="Who opted into the programme.")
    champions: int | None = strawberry.field(description="Opted in and strong or medium.")
    target: int | None = strawberry.field(description="Champions the ratio asks for.")
    met: bool | None = strawberry.field(description="True when champions reach the target.")
    suppressed: bool = strawberry.field(description="True when fewer than k employees.")


@strawberry.type(description="Champion coverage per department.")
class ChampionCoverage:
    employees_per_champion: int = strawberry.field(
        description="The target ratio: one champion per this many employees, rounded up"
        " (SKILLPATH_CHAMPION_EMPLOYEES_PER_CHAMPION)."
    )
    departments: list[DepartmentChampionCoverage] = strawberry.field(
        description="Every department, by name."
    )


@strawberry.type(description="A cost or benefit line of the champions article's ROI table.")
class ChampionRoiLine:
    kind: str = strawberry.field(description="cost or benefit.")
    category: str = strawberry.field(description="The line: champion_time, training, ...")
    amount: float = strawberry.field(description="What was recorded on it in the range.")
    article_annual: float = strawberry.field(description="The article's annual euro figure.")
    from_time_shares: float = strawberry.field(
        description="Champion time: the part costed from recorded time shares."
    )


@strawberry.type(description="The champion programme's ROI on the article's lines.")
class ChampionProgrammeRoi:
    programme_id: strawberry.ID = strawberry.field(description="The champion programme.")
    start: date = strawberry.field(description="The first day counted.")
    end: date = strawberry.field(description="The last day counted.")
    lines: list[ChampionRoiLine] = strawberry.field(description="The six lines, costs first.")
    total_cost: float = strawberry.field(description="Champion time, training, licences.")
    total_benefit: float = strawberry.field(
        description="Shorter implementation, avoided consultants, HR process efficiency."
    )
    roi_percent: float | None = strawberry.field(
        description="(benefit - cost) / cost x 100; null without cost."
    )
    article_roi_percent: float = strawberry.field(
        description="The article's example: 130,000 against 35,000 a year."
    )
    champion_months: int = strawberry.field(description="Recorded time shares in the range.")
    annual_cost_per_champion: float = strawberry.field(
        description="The yearly cost of a full position shares are costed at"
        " (SKILLPATH_CHAMPION_ANNUAL_COST)."
    )
    not_on_these_lines: float = strawberry.field(
        description="Other costs and benefits of the programme, left out of this ROI."
    )


ChampionClassificationResult = query_result("ChampionClassificationResult", ChampionClassification)
AiChampionCandidatesResult = query_result("AiChampionCandidatesResult", AiChampionCandidates)
ChampionProgrammeRoiResult = query_result("ChampionProgrammeRoiResult", ChampionProgrammeRoi)
OptInAsChampionResult = result("OptInAsChampionResult", EmployeePayload)
OptOutAsChampionResult = result("OptOutAsChampionResult", EmployeePayload)
GiveChampionInputResult = result("GiveChampionInputResult", EmployeePayload)
RecordChampionTimeResult = result("RecordChampionTimeResult", EmployeePayload)


@strawberry.input(description="Join the AI champion programme (only the person may).")
class OptInAsChampionInput(IdempotentInput):
    employee_id: strawberry.ID = strawberry.field(description="The person joining.")


@strawberry.input(description="Leave the AI champion programme; its ratings go with it.")
class OptOutAsChampionInput(IdempotentInput):
    employee_id: strawberry.ID = strawberry.field(description="The champion.")


@strawberry.input(description="Ratings of champion criteria from one source (at least one).")
class GiveChampionInputInput(IdempotentInput):
    employee_id: strawberry.ID = strawberry.field(description="The champion (opted in).")
    source: ChampionInputSource = strawberry.field(description="Self-assessment or manager.")
    hr_expertise: ChampionRating | None = strawberry.field(
        default=None, description="HR expertise; may lower what the years give, not raise it."
    )
    technology_interest: ChampionRating | None = strawberry.field(
        default=None, description="Interest in technology."
    )
    communication: ChampionRating | None = strawberry.field(
        default=None, description="Communication."
    )
    willingness_to_change: ChampionRating | None = strawberry.field(
        default=None, description="Willingness to change."
    )


@strawberry.input(description="The share of working time a champion spent on it in a month.")
class RecordChampionTimeInput(IdempotentInput):
    employee_id: strawberry.ID = strawberry.field(description="The champion (opted in).")
    month: date = strawberry.field(description="Any day of the month; not in the future.")
    share_percent: int = strawberry.field(description="0-100; the article asks for 20 or more.")


def _ratings(input: GiveChampionInputInput) -> dict[str, str]:
    given = {
        "hr_expertise": input.hr_expertise, "technology_interest": input.technology_interest,
        "communication": input.communication, "willingness_to_change": input.willingness_to_change,
    }  # fmt: skip
    return {key: str(value.value) for key, value in given.items() if value is not None}


@strawberry.type
class ChampionQuery:
    @strawberry.field(description="The champions article's criteria with their anchors.")
    def champion_criteria(self) -> list[ChampionCriterion]:
        return [
            ChampionCriterion(
                key=c.key, title=c.title, strong=c.strong, medium=c.medium, weak=c.weak
            )
            for c in CRITERIA
        ]

    @strawberry.field(description="A champion's classification; an error unless they opted in.")
    async def champion_classification(
        self, info: SkillpathInfo, employee_id: EmployeeArgument,
        consistent_with: ConsistentWith = None,
    ) -> ChampionClassificationResult:  # fmt: skip
        await consistent(info, consistent_with)
        services = info.context.services

        def read() -> ChampionClassification:
            key = str(parse_id(employee_id, "employeeId"))
            return ChampionClassification.of(services.champions.classification(key))

        return await typed(info, read)

    @strawberry.field(description="For HR: a department's champions who opted in, with reasons.")
    async def ai_champion_candidates(
        self,
        info: SkillpathInfo,
        department: Annotated[str, strawberry.argument(description="The department's name.")],
        consistent_with: ConsistentWith = None,
    ) -> AiChampionCandidatesResult:
        await consistent(info, consistent_with)
        services = info.context.services

        def read() -> AiChampionCandidates:
            found = services.champions.candidates(department)
            return AiChampionCandidates(
                department=department.strip(),
                candidates=[ChampionClassification.of(c) for c in found],
            )

        return await typed(info, read)

    @strawberry.field(description="Champions per department against the target ratio (k rule).")
    async def champion_coverage(
        self, info: SkillpathInfo, consistent_with: ConsistentWith = None
    ) -> ChampionCoverage:
        await consistent(info, consistent_with)
        services = info.context.services

        def read() -> ChampionCoverage:
            return ChampionCoverage(
                employees_per_champion=services.champions.employees_per_champion,
                departments=[
                    DepartmentChampionCoverage(
                        department=d.department, employees=d.employees, opted_in=d.opted_in,
                        champions=d.champions, target=d.target, met=d.met,
                        suppressed=d.suppressed,
                    )
                    for d in services.champions.coverage()
                ],
            )  # fmt: skip

        return await info.context.run(read)

    @strawberry.field(
        description="The champion programme's ROI on the article's lines (default: the last"
        " 12 months)."
    )
    async def champion_programme_roi(
        self,
        info: SkillpathInfo,
        programme_id: Annotated[
            strawberry.ID, strawberry.argument(description="The champion programme.")
        ],
        from_: Annotated[
            date | None,
            strawberry.argument(name="from", description="First day; default a year back."),
        ] = None,
        to: Annotated[
            date | None, strawberry.argument(description="Last day; default today.")
        ] = None,
        consistent_with: ConsistentWith = None,
    ) -> ChampionProgrammeRoiResult:
        await consistent(info, consistent_with)
        services = info.context.services

        def read() -> Any:
            key = str(parse_id(programme_id, "programmeId"))
            end = to or utc_now().date()
            start = from_ or end - timedelta(days=365)
            try:
                services.programmes.programme(key)
            except SteeringError as error:
                raise ValidationFailed(error.field, error.message) from None
            roi = services.champions.roi(key, start, end)
            return ChampionProgrammeRoi(
                programme_id=strawberry.ID(key), start=roi.start, end=roi.end,
                lines=[
                    ChampionRoiLine(kind=x.kind, category=x.category, amount=x.amount,
                                    article_annual=x.article_annual,
                                    from_time_shares=x.from_time_shares)
                    for x in roi.lines
                ],
                total_cost=roi.total_cost, total_benefit=roi.total_benefit,
                roi_percent=roi.roi_percent, article_roi_percent=roi.article_roi_percent,
                champion_months=roi.champion_months,
                annual_cost_per_champion=roi.annual_cost_per_champion,
                not_on_these_lines=roi.not_on_these_lines,
            )  # fmt: skip

        return await typed(info, read)


@strawberry.type
class ChampionMutation:
    @strawberry.mutation(description="Join the AI champion programme; only the person may.")
    async def opt_in_as_champion(
        self, info: SkillpathInfo, input: OptInAsChampionInput
    ) -> OptInAsChampionResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.opt_in_as_champion(
                parse_id(input.employee_id, "employeeId"), actor=ctx.actor
            ),
            employee_payload,
        )

    @strawberry.mutation(description="Leave the AI champion programme; its ratings go with it.")
    async def opt_out_as_champion(
        self, info: SkillpathInfo, input: OptOutAsChampionInput
    ) -> OptOutAsChampionResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.opt_out_as_champion(
                parse_id(input.employee_id, "employeeId"), actor=ctx.actor
            ),
            employee_payload,
        )

    @strawberry.mutation(description="Rate a champion's criteria: self-assessment or manager.")
    async def give_champion_input(
        self, info: SkillpathInfo, input: GiveChampionInputInput
    ) -> GiveChampionInputResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.give_champion_input(
                parse_id(input.employee_id, "employeeId"), source=str(input.source.value),
                ratings=_ratings(input), actor=ctx.actor,
            ),
            employee_payload,
        )  # fmt: skip

    @strawberry.mutation(description="Record a champion's share of working time in a month.")
    async def record_champion_time(
        self, info: SkillpathInfo, input: RecordChampionTimeInput
    ) -> RecordChampionTimeResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.record_champion_time(
                parse_id(input.employee_id, "employeeId"), month=input.month,
                share_percent=input.share_percent, actor=ctx.actor,
            ),
            employee_payload,
        )  # fmt: skip
