"""The fairness audit as the API and the command line run it over the live read models."""

from __future__ import annotations

from uuid import UUID

from app.aggregates import DomainError
from app.projections.fairness_attributes import DeclaredAttributes, FairnessAttributes
from app.recommend.fairness import FairnessReport, Plan, exposure_report
from app.recommend.ranking import Learner
from app.recommend.serving import ActiveModel, RecommenderService

FAIRNESS_AUDIT = "fairness_audit"
LIST_LENGTH = 10


def fairness_report(
    service: RecommenderService,
    attributes: FairnessAttributes,
    *,
    version: str | None,
    mitigated: bool | None,
    min_group_size: int,
) -> FairnessReport:
    """Top-10 exposure by group for one model version (the active one by default).

    ``mitigated``: with or without the mitigation; None follows the serving setting
    (``SKILLPATH_FAIRNESS_MITIGATION``). A mitigated report first ranks without it, for
    the plan the mitigation applies (app/recommend/fairness.py).
    """
    using = service.stored_version(version)
    on = service.mitigation if mitigated is None else mitigated
    subjects, learners = _subjects(service, attributes)
    plain = _report(service, using, subjects, learners, min_group_size, mitigated=False)
    if not on:
        return plain
    service.remember_plan(using, plain.plan)
    return _report(service, using, subjects, learners, min_group_size, mitigated=True)


def unmitigated_plan(
    service: RecommenderService,
    attributes: FairnessAttributes,
    min_group_size: int,
    using: ActiveModel | None,
) -> Plan:
    """What serving's mitigation applies for a version: the plan of its unmitigated report."""
    subjects, learners = _subjects(service, attributes)
    report = _report(service, using, subjects, learners, min_group_size, mitigated=False)
    return report.plan


def _subjects(
    service: RecommenderService, attributes: FairnessAttributes
) -> tuple[list[DeclaredAttributes], dict[UUID, Learner]]:
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
    return subjects, learners


def _report(
    service: RecommenderService,
    using: ActiveModel | None,
    subjects: list[DeclaredAttributes],
    learners: dict[UUID, Learner],
    min_group_size: int,
    *,
    mitigated: bool,
) -> FairnessReport:
    return exposure_report(
        subjects,
        learners.__getitem__,
        lambda learner: service.rank_for(learner, LIST_LENGTH, 0.0, using, mitigated=mitigated),
        service.topics_of,
        model_version=using.metadata.version if using else None,
        mitigated=mitigated,
        min_group_size=min_group_size,
        required_topics=service.required_topics,
    )
