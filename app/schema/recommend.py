"""Recommendations: ranked items with reasons, answers to them, reviews due, model versions
and fairness reports."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

import strawberry

from app.aggregates import Conflict as DomainConflict
from app.aggregates import DomainError
from app.aggregates import NotFound as DomainNotFound
from app.aggregates.enrollment import Enrollment as EnrollmentAggregate
from app.application import Written
from app.recommend import reasons as kinds
from app.recommend.audit import fairness_report
from app.recommend.fairness import FairnessReport as Report
from app.recommend.model import ModelFileError
from app.recommend.registry import ModelMetadata
from app.recommend.serving import Recommendations
from app.recommend.spaced import reviews_due
from app.schema.common import consistent
from app.schema.context import SkillpathInfo
from app.schema.errors import Conflict, NotFound, ValidationError, as_error, execute, parse_id
from app.schema.payloads import EmployeePayload, employee_payload, result
from app.schema.types import Enrollment, LearningModule, MediaType


@strawberry.enum(description="What kind of reason an item was recommended for.")
class ReasonKind(Enum):
    SKILL_GAP = kinds.SKILL_GAP
    ROLE_NEEDS = kinds.ROLE_NEEDS
    PEERS_TOOK = kinds.PEERS_TOOK
    BUDGET = kinds.BUDGET
    MEDIA = kinds.MEDIA
    GOAL = kinds.GOAL
    EASIER_STEP = kinds.EASIER_STEP
    ROLE_POPULAR = kinds.ROLE_POPULAR
    ROLE_BASED = kinds.ROLE_BASED
    NO_MODEL = kinds.NO_MODEL
    MODEL = kinds.MODEL


@strawberry.enum(description="What a list was built from.")
class RecommendationBasis(Enum):
    PERSONALISED = "personalised"
    ROLE_BASED = "role_based"
    POPULARITY = "popularity"


@strawberry.enum(description="The employee's answer to a recommended item.")
class RecommendationAnswer(Enum):
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"
    WRONG = "wrong"


@strawberry.enum(description="Self-declared gender, used only in fairness reports.")
class Gender(Enum):
    FEMALE = "female"
    MALE = "male"
    DIVERSE = "diverse"
    UNDISCLOSED = "undisclosed"


@strawberry.enum(description="Self-declared age band, used only in fairness reports.")
class AgeBand(Enum):
    UNDER_30 = "under_30"
    FROM_30_TO_44 = "30_44"
    FROM_45_TO_59 = "45_59"
    FROM_60 = "60_plus"
    UNDISCLOSED = "undisclosed"


@strawberry.type(description="One reason: a sentence, and the facts behind it.")
class RecommendationReason:
    kind: ReasonKind
    text: str
    skill: str | None
    current_level: int | None
    required_level: int | None
    related_module_id: strawberry.ID | None
    minutes: int | None
    media_type: MediaType | None


@strawberry.type(description="A recommended module, its score and why.")
class RecommendedItem:
    rank: int
    score: float
    module_id: strawberry.ID
    reasons: list[RecommendationReason]

    @strawberry.field
    async def module(self, info: SkillpathInfo) -> LearningModule | None:
        row = await info.context.loaders.modules.load(str(self.module_id))
        return None if row is None else LearningModule(row=row)


@strawberry.type(description="A served list; answer its items with answerRecommendation.")
class RecommendationList:
    decision_id: strawberry.ID
    position: int = strawberry.field(description="Event-store position of the logged decision.")
    employee_id: strawberry.ID
    model_version: str | None = strawberry.field(
        description="null when no model is trained yet (role and popularity based)."
    )
    basis: RecommendationBasis
    items: list[RecommendedItem]


@strawberry.type(description="A completed module whose skills are due for a refresher.")
class ReviewDue:
    module_id: strawberry.ID
    title: str
    skills: list[str]
    due_at: datetime
    last_reviewed_at: datetime
    retrievability: float = strawberry.field(description="Estimated chance of recall now.")
    reviews: int


@strawberry.type(description="Spaced repetition: what to refresh now.")
class ReviewsDue:
    employee_id: strawberry.ID
    personalised: bool = strawberry.field(
        description="false without personalisation consent: no schedule is kept then."
    )
    items: list[ReviewDue]


@strawberry.type(description="A named figure of a model version.")
class ModelMetric:
    name: str
    value: float


@strawberry.type(description="A trained recommender model version.")
class ModelVersion:
    version: str
    active: bool
    trained_at: datetime
    trained_to_position: int
    data_hash: str
    parameters_hash: str
    metrics: list[ModelMetric]
    subjects_allowing: int = strawberry.field(description="Consent snapshot at training.")
    subjects_excluded: int
    users: int
    items: int
    interactions: int
    trigger: str
    erasures_since_previous: int

    @classmethod
    def of(cls, m: ModelMetadata, active: str | None) -> ModelVersion:
        return cls(
            version=m.version, active=m.version == active,
            trained_at=datetime.fromisoformat(m.trained_at),
            trained_to_position=m.trained_to_position, data_hash=m.data_hash,
            parameters_hash=m.parameters_hash,
            metrics=[ModelMetric(name=k, value=v) for k, v in sorted(m.metrics.items())],
            subjects_allowing=int(m.consent_snapshot.get("subjects_allowing", 0)),
            subjects_excluded=m.subjects_excluded, users=m.users, items=m.items,
            interactions=m.interactions, trigger=m.trigger,
            erasures_since_previous=m.erasures_since_previous,
        )  # fmt: skip


@strawberry.type(description="Exposure of one group to a topic; null exposure = suppressed.")
class GroupExposure:
    group: str
    members: int
    exposure: float | None


@strawberry.type(description="How evenly a topic is shown across the groups of an attribute.")
class TopicExposure:
    topic: str
    attribute: str
    groups: list[GroupExposure]
    ratio: float | None = strawberry.field(description="Least / most exposed group.")
    flagged: bool = strawberry.field(description="The ratio is below the threshold (0.8).")


@strawberry.type(description="Top-10 exposure by self-declared gender and age band.")
class FairnessReport:
    model_version: str | None
    mitigated: bool
    subjects: int
    strata: int
    threshold: float
    min_group_size: int
    topics: list[TopicExposure]

    @classmethod
    def of(cls, r: Report) -> FairnessReport:
        return cls(
            model_version=r.model_version, mitigated=r.mitigated, subjects=r.subjects,
            strata=r.strata, threshold=r.threshold, min_group_size=r.min_group_size,
            topics=[
                TopicExposure(
                    topic=t.topic, attribute=t.attribute, ratio=t.ratio, flagged=t.flagged,
                    groups=[GroupExposure(group=g.group, members=g.members,
                                          exposure=g.exposure) for g in t.groups],
                )
                for t in r.topics
            ],
        )  # fmt: skip


@strawberry.type(description="An answer was recorded; accepted items are enrolled.")
class RecommendationAnswerPayload:
    position: int
    decision_id: strawberry.ID
    item_id: strawberry.ID
    answer: RecommendationAnswer
    enrollment_id: strawberry.ID | None

    @strawberry.field(description="The enrolment an accepted item led to.")
    async def enrollment(self, info: SkillpathInfo) -> Enrollment | None:
        if self.enrollment_id is None:
            return None
        await consistent(info, self.position)
        services = info.context.services
        row = await info.context.run(services.enrollments.get, str(self.enrollment_id))
        return None if row is None else Enrollment(row=row)


@strawberry.type(description="The active model version changed.")
class ModelVersionPayload:
    model_version: ModelVersion


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
class AnswerRecommendationInput:
    decision_id: strawberry.ID
    item_id: strawberry.ID = strawberry.field(description="The recommended module's id.")
    answer: RecommendationAnswer
    comment: str = ""


@strawberry.input(description="Self-declared attributes, used only in fairness reports.")
class DeclareAttributesInput:
    employee_id: strawberry.ID
    gender: Gender
    age_band: AgeBand


def _list(found: Recommendations) -> RecommendationList:
    return RecommendationList(
        decision_id=strawberry.ID(str(found.decision_id)),
        position=found.position,
        employee_id=strawberry.ID(found.employee_id),
        model_version=found.model_version,
        basis=RecommendationBasis(found.ranking.basis),
        items=[
            RecommendedItem(
                rank=rank, score=round(item.score, 6), module_id=strawberry.ID(item.module_id),
                reasons=[
                    RecommendationReason(
                        kind=ReasonKind(r.kind), text=r.text, skill=r.skill,
                        current_level=r.current_level, required_level=r.required_level,
                        related_module_id=None if r.related_module_id is None
                        else strawberry.ID(r.related_module_id),
                        minutes=r.minutes,
                        media_type=None if r.media_type is None else MediaType(r.media_type),
                    )
                    for r in item.reasons
                ],
            )
            for rank, item in enumerate(found.ranking.items, start=1)
        ],
    )  # fmt: skip


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
            return _list(found)

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

        def answer_it() -> Written:
            return ctx.services.app.answer_recommendation(
                parse_id(decision_id, "decisionId"),
                module_id=parse_id(item_id, "itemId"),
                answer=answer.value,
                comment=input.comment,
                actor=ctx.actor,
            )

        def payload(written: Written) -> RecommendationAnswerPayload:
            enrollment = None
            if answer is RecommendationAnswer.ACCEPTED:
                employee: UUID = ctx.services.app.repository.get(written.id).employee_id
                enrollment = strawberry.ID(
                    str(EnrollmentAggregate.id_for(employee, parse_id(item_id, "itemId")))
                )
            return RecommendationAnswerPayload(
                position=written.position, decision_id=strawberry.ID(str(written.id)),
                item_id=item_id, answer=answer, enrollment_id=enrollment,
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
        self, info: SkillpathInfo, version: str
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
