"""Output types and enums of the recommender's part of the schema."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from app.recommend import reasons as kinds
from app.recommend.fairness import FairnessReport as Report
from app.recommend.reasons import Reason
from app.recommend.registry import ModelMetadata
from app.recommend.serving import Recommendations
from app.schema.common import consistent
from app.schema.context import SkillpathInfo
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
    ROLE_TOPIC = strawberry.enum_value(
        kinds.ROLE_TOPIC,
        description="What people in the role learn about this skill or topic (`skill`).",
    )
    HISTORY = strawberry.enum_value(
        kinds.HISTORY, description="What the employee learned so far, as the model read it."
    )
    PROFILE = strawberry.enum_value(
        kinds.PROFILE,
        description="Skills, department and experience like the employee's (the model).",
    )
    POPULAR = strawberry.enum_value(
        kinds.POPULAR, description="How popular the module is across the organisation."
    )
    COHORT_RECENT = strawberry.enum_value(
        kinds.COHORT_RECENT, description="How fast colleagues have been starting it lately."
    )
    NEXT_STEP = strawberry.enum_value(
        kinds.NEXT_STEP,
        description="Where people who started what the employee started lately went on to.",
    )
    PREREQUISITES = strawberry.enum_value(
        kinds.PREREQUISITES,
        description="A fit: the employee completed the modules it builds on.",
    )


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
    share: float | None = strawberry.field(
        description="This reason's share of the item's score: its contribution over the sum"
        " of the absolute contributions (model feature pairs, cohort trends, rule bonuses)."
        " null for fits and for lists served before shares were recorded."
    )


@strawberry.type(description="A recommended module, its score and why.")
class RecommendedItem:
    rank: int
    score: float
    module_id: strawberry.ID
    reasons: list[RecommendationReason] = strawberry.field(
        description="The largest contributions to the score, largest first, with shares."
    )
    fits: list[RecommendationReason] = strawberry.field(
        description="Constraints the module passed (weekly budget, prerequisites, an easier"
        " step after low quiz scores): they let it into the list, they are not reasons."
    )

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
    items: list[RecommendedItem] | None

    @property
    def subject_id(self) -> str:
        return str(self.employee_id)


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

    @property
    def subject_id(self) -> str:
        return str(self.employee_id)


@strawberry.type(description="A named figure of a model version.")
class ModelMetric:
    name: str
    value: float


@strawberry.type(description="Subjects a model version left out, for one reason.")
class ModelExclusion:
    reason: str = strawberry.field(description="no_consent, withdrawn or erased.")
    subjects: int


@strawberry.type(
    description="A trained recommender model version, current, kept, or refused by the"
    " quality gate."
)
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
    exclusions: list[ModelExclusion] = strawberry.field(
        description="How many subjects the version left out, by reason."
    )
    users: int
    items: int
    interactions: int
    trigger: str
    erasures_since_previous: int
    refused: bool = strawberry.field(
        description="The quality gate refused the version at training: it is kept for"
        " inspection and can never be made current."
    )
    refused_reason: str | None = strawberry.field(
        description="Why it was refused (its validation NDCG@10 against the current"
        " version's minus the tolerance); null when it passed."
    )
    validation_ndcg: float | None = strawberry.field(
        description="NDCG@10 on the validation split chosen at training time (the newest"
        " first touches held out); null when there was too little data to split."
    )
    chosen_epochs: int | None = strawberry.field(
        description="Epochs chosen on the validation split (null: fixed by the caller)."
    )
    chosen_components: int | None = strawberry.field(
        description="Latent components chosen on the validation split (null: fixed)."
    )

    @classmethod
    def of(cls, m: ModelMetadata, active: str | None) -> ModelVersion:
        choices = m.extra.get("choices") or {}
        return cls(
            version=m.version, active=m.version == active,
            trained_at=datetime.fromisoformat(m.trained_at),
            trained_to_position=m.trained_to_position, data_hash=m.data_hash,
            parameters_hash=m.parameters_hash,
            metrics=[ModelMetric(name=k, value=v) for k, v in sorted(m.metrics.items())],
            subjects_allowing=int(m.consent_snapshot.get("subjects_allowing", 0)),
            subjects_excluded=m.subjects_excluded,
            exclusions=[ModelExclusion(reason=k, subjects=v)
                        for k, v in sorted(m.exclusions.items())],
            users=m.users, items=m.items,
            interactions=m.interactions, trigger=m.trigger,
            erasures_since_previous=m.erasures_since_previous,
            refused=bool(m.refused_reason), refused_reason=m.refused_reason or None,
            validation_ndcg=m.validation_ndcg,
            chosen_epochs=choices.get("epochs") if choices.get("tuned") else None,
            chosen_components=choices.get("components") if choices.get("tuned") else None,
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


@strawberry.type(
    description="How much of a role's lists teach a topic the role requires, whoever is shown."
)
class RequiredTopicExposure:
    role_id: strawberry.ID = strawberry.field(description="The role.")
    topic: str = strawberry.field(
        description="A topic of the modules teaching a skill the role requires."
    )
    members: int = strawberry.field(description="People of the role in the report.")
    exposure: float | None = strawberry.field(
        description="Mean share of their top-10 lists carrying the topic (null: too few"
        " people to show)."
    )
    flagged: bool = strawberry.field(
        description="The exposure is below 0.2: a bias spread over the whole role."
    )


@strawberry.type(description="Top-10 exposure by self-declared gender and age band.")
class FairnessReport:
    model_version: str | None
    mitigated: bool
    subjects: int
    strata: int
    threshold: float
    min_group_size: int
    topics: list[TopicExposure]
    mitigation: str = strawberry.field(
        description="Which mitigation the lists were ranked with: none, or topic_exposure"
        " (each role and skill band's lists carry a flagged topic at least as often as the"
        " best-served group's did)."
    )
    required_topics: list[RequiredTopicExposure] = strawberry.field(
        description="Absolute exposure of the topics each role requires."
    )

    @classmethod
    def of(cls, r: Report) -> FairnessReport:
        return cls(
            model_version=r.model_version, mitigated=r.mitigated, subjects=r.subjects,
            strata=r.strata, threshold=r.threshold, min_group_size=r.min_group_size,
            mitigation=r.mitigation,
            required_topics=[
                RequiredTopicExposure(role_id=strawberry.ID(t.role_id), topic=t.topic,
                                      members=t.members, exposure=t.exposure,
                                      flagged=t.flagged)
                for t in r.required_topics
            ],
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
    employee_id: strawberry.ID = strawberry.field(description="Whose list it was.")
    decision_id: strawberry.ID
    item_id: strawberry.ID
    answer: RecommendationAnswer
    enrollment_id: strawberry.ID | None

    @property
    def subject_id(self) -> str:
        return str(self.employee_id)

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


def recommendation_list(found: Recommendations) -> RecommendationList:
    return RecommendationList(
        decision_id=strawberry.ID(str(found.decision_id)),
        position=found.position,
        employee_id=strawberry.ID(found.employee_id),
        model_version=found.model_version,
        basis=RecommendationBasis(found.ranking.basis),
        items=[
            RecommendedItem(
                rank=rank, score=round(item.score, 6), module_id=strawberry.ID(item.module_id),
                reasons=[_reason(r) for r in item.reasons if not r.fit],
                fits=[_reason(r) for r in item.reasons if r.fit],
            )
            for rank, item in enumerate(found.ranking.items, start=1)
        ],
    )  # fmt: skip


def _reason(r: Reason) -> RecommendationReason:
    return RecommendationReason(
        kind=ReasonKind(r.kind), text=r.text, skill=r.skill,
        current_level=r.current_level, required_level=r.required_level,
        related_module_id=None if r.related_module_id is None
        else strawberry.ID(r.related_module_id),
        minutes=r.minutes,
        media_type=None if r.media_type is None else MediaType(r.media_type),
        share=r.share,
    )  # fmt: skip
