"""Recommendations: ranked items with reasons, answers to them, reviews due, model versions
and fairness reports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import strawberry

from app.aggregates import Conflict as DomainConflict
from app.aggregates import DomainError
from app.aggregates import NotFound as DomainNotFound
from app.aggregates.enrollment import Enrollment as EnrollmentAggregate
from app.application import Written
from app.recommend.audit import fairness_report
from app.recommend.model import ModelFileError
from app.recommend.spaced import reviews_due
from app.schema.context import SkillpathInfo
from app.schema.errors import Conflict, NotFound, ValidationError, as_error, execute, parse_id
from app.schema.idempotency import KEY_HELP, IdempotentInput
from app.schema.payloads import EmployeePayload, employee_payload, result
from app.schema.recommend_types import (
    AgeBand,
    FairnessReport,
    Gender,
    ModelVersion,
    ModelVersionPayload,
    RecommendationAnswer,
    RecommendationAnswerPayload,
    RecommendationList,
    ReviewDue,
    ReviewsDue,
    recommendation_list,
)


def _union(name: str, *members: type[Any]) -> Any:
    return Annotated[
        members[0] | ValidationError | NotFound | Conflict,
        strawberry.union(name),
    ]


RecommendationsResult = _union("RecommendationsResult", RecommendationList)
ReviewsDueResult = _union("ReviewsDueResult", ReviewsDue)
FairnessReportResult = _union("FairnessReportResult", FairnessReport)
AnswerRecommendationResult = result("AnswerRecommendationResult", RecommendationAnswerPayload)
DeclareAttributesResult = result("DeclareAttributesResult", EmployeePayload)
ActivateModelVersionResult = result("ActivateModelVersionResult", ModelVersionPayload)


@strawberry.input
class AnswerRecommendationInput(IdempotentInput):
    decision_id: strawberry.ID
    item_id: strawberry.ID = strawberry.field(description="The recommended module's id.")
    answer: RecommendationAnswer
    comment: str = ""


@strawberry.input(description="Self-declared attributes, used only in fairness reports.")
class DeclareAttributesInput(IdempotentInput):
    employee_id: strawberry.ID
    gender: Gender
    age_band: AgeBand


async def _typed(info: SkillpathInfo, call: Any) -> Any:
    """Run service code off the loop; domain refusals become typed results."""
    try:
        return await info.context.run(call)
    except DomainError as error:
        return as_error(error)


@strawberry.type
class RecommendQuery:
    @strawberry.field(description="What to learn next, and why. Every list served is logged.")
    async def recommendations(
        self,
        info: SkillpathInfo,
        employee_id: strawberry.ID,
        first: int = 10,
        goal: str | None = None,
    ) -> RecommendationsResult:
        ctx = info.context

        def serve() -> RecommendationList:
            found = ctx.services.recommender.recommend(
                parse_id(employee_id, "employeeId"), first=first, goal=goal, actor=ctx.actor
            )
            return recommendation_list(found)

        return await _typed(info, serve)

    @strawberry.field(description="Completed modules whose skills are due for a refresher.")
    async def reviews_due(
        self, info: SkillpathInfo, employee_id: strawberry.ID
    ) -> ReviewsDueResult:
        ctx = info.context

        def due() -> ReviewsDue:
            key = parse_id(employee_id, "employeeId")
            recommender = ctx.services.recommender
            employee = recommender.features.employee(str(key))
            if employee is None:
                raise DomainNotFound("employee", str(key), "employeeId")
            personalised = ctx.services.app.policy.may_personalise(key)
            items = []
            if personalised:
                modules = {m.module_id: m for m in recommender.features.modules()}
                items = reviews_due(
                    recommender.interactions.of_employee(str(key)),
                    recommender.interactions.quiz_results(str(key)),
                    modules,
                    datetime.now(UTC),
                )
            return ReviewsDue(
                employee_id=strawberry.ID(str(key)),
                personalised=personalised,
                items=[ReviewDue(**{**r.__dict__, "module_id": strawberry.ID(r.module_id)})
                       for r in items],
            )  # fmt: skip

        return await _typed(info, due)

    @strawberry.field(description="Exposure of topics in top-10 lists by group, for one version.")
    async def fairness_report(
        self, info: SkillpathInfo, model_version: str | None = None, mitigated: bool = False
    ) -> FairnessReportResult:
        services = info.context.services

        def report() -> FairnessReport:
            return FairnessReport.of(
                fairness_report(
                    services.recommender,
                    services.fairness_attributes,
                    version=model_version,
                    mitigated=mitigated,
                    min_group_size=services.settings.min_group_size,
                )
            )

        return await _typed(info, report)

    @strawberry.field(description="Trained model versions, oldest first.")
    async def model_versions(self, info: SkillpathInfo) -> list[ModelVersion]:
        recommender = info.context.services.recommender
        versions = await info.context.run(recommender.registry.versions)
        active = recommender.active
        current = active.metadata.version if active else None
        return [ModelVersion.of(m, current) for m in versions]


@strawberry.type
class RecommendMutation:
    @strawberry.mutation(description="Accept, dismiss or report a recommended item as wrong.")
    async def answer_recommendation(
        self, info: SkillpathInfo, input: AnswerRecommendationInput
    ) -> AnswerRecommendationResult:
        ctx = info.context
        decision_id = input.decision_id
        item_id = input.item_id
        answer = input.answer

        owner: list[str] = []

        def answer_it() -> Written:
            written = ctx.services.app.answer_recommendation(
                parse_id(decision_id, "decisionId"),
                module_id=parse_id(item_id, "itemId"),
                answer=answer.value,
                comment=input.comment,
                actor=ctx.actor,
            )
            found = ctx.services.subjects.owner_of_decision(written.id)
            assert found is not None  # the answer was just recorded on this decision
            owner.append(found)
            return written

        def payload(written: Written) -> RecommendationAnswerPayload:
            employee = owner[0]
            enrollment = None
            if answer is RecommendationAnswer.ACCEPTED:
                enrollment = strawberry.ID(
                    str(EnrollmentAggregate.id_for(UUID(employee), parse_id(item_id, "itemId")))
                )
            return RecommendationAnswerPayload(
                position=written.position, employee_id=strawberry.ID(employee),
                decision_id=strawberry.ID(str(written.id)), item_id=item_id, answer=answer,
                enrollment_id=enrollment,
            )  # fmt: skip

        return await execute(ctx.run, answer_it, payload)

    @strawberry.mutation(description="Self-declare gender and age band (needs fairness_audit).")
    async def declare_attributes(
        self, info: SkillpathInfo, input: DeclareAttributesInput
    ) -> DeclareAttributesResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.declare_attributes(
                parse_id(input.employee_id, "employeeId"),
                gender=input.gender.value,
                age_band=input.age_band.value,
                actor=ctx.actor,
            ),
            employee_payload,
        )

    @strawberry.mutation(description="Make a stored model version current (roll back/forward).")
    async def activate_model_version(
        self,
        info: SkillpathInfo,
        version: str,
        idempotency_key: Annotated[str | None, strawberry.argument(description=KEY_HELP)] = None,
    ) -> ActivateModelVersionResult:
        recommender = info.context.services.recommender

        def activate() -> ModelVersionPayload:
            try:
                metadata = recommender.activate(version)
            except LookupError:
                raise DomainNotFound("model version", version, "version") from None
            except ModelFileError as error:
                raise DomainConflict(str(error), field="version") from None
            return ModelVersionPayload(model_version=ModelVersion.of(metadata, version))

        return await _typed(info, activate)
