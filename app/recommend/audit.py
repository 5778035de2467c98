"""The fairness audit as the API and the command line run it over the live read models."""

from __future__ import annotations

from uuid import UUID

from app.aggregates import DomainError
from app.projections.fairness_attributes import DeclaredAttributes, FairnessAttributes
from app.recommend.fairness import FairnessReport, exposure_report
from app.recommend.ranking import Learner
from app.recommend.serving import RELEVANCE_FLOOR, RecommenderService

FAIRNESS_AUDIT = "fairness_audit"
LIST_LENGTH = 10


def fairness_report(
    service: RecommenderService,
    attributes: FairnessAttributes,
    *,
    version: str | None,
    mitigated: bool,
    min_group_size: int,
) -> FairnessReport:
    """Top-10 exposure by group for one model version (the active one by default)."""
    using = service.stored_version(version)
    allowed = service.consents.subjects_allowing(FAIRNESS_AUDIT)
    subjects: list[DeclaredAttributes] = []
    learners: dict[UUID, Learner] = {}
    for employee_id, declared in sorted(attributes.all().items()):
        if employee_id not in allowed:
            continue
        try:
            learners[UUID(employee_id)] = service.learner(UUID(employee_id))
        except DomainError:  # left the organisation, or no longer in the read models
            continue
        subjects.append(declared)
    floor = RELEVANCE_FLOOR if mitigated else 0.0
    return exposure_report(
        subjects,
        learners.__getitem__,
        lambda learner: service.rank_for(learner, LIST_LENGTH, floor, using),
        service.topics_of,
        model_version=using.metadata.version if using else None,
        mitigated=mitigated,
        min_group_size=min_group_size,
    )
