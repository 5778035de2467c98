"""The module quality loop: modules losing learners early or getting bad feedback are flagged
for revision once, and show in modulesNeedingRevision until revised."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.aggregates import LearningModule
from app.bootstrap import Services, build_services
from app.projections.kpi_revision import RevisionPolicy
from app.projections.replay import replay
from app.settings import Settings
from tests.domain_support import HR
from tests.kpi_support import LEARNER, Company, days_ago, today


def flags_of(services: Services, module_id: object) -> list[LearningModule.FlaggedForRevision]:
    return [
        e
        for e in services.app.repository.event_store.get(module_id)
        if isinstance(e, LearningModule.FlaggedForRevision)
    ]


@pytest.fixture
def services(any_settings: Settings) -> Iterator[Services]:
    """Services whose projections (and the policy after them) run when a test says so."""
    built = build_services(any_settings, start_projections=False)
    try:
        yield built
    finally:
        built.close()


def settle(services: Services) -> None:
    """Project everything; the policy runs after each batch, and its flags get projected."""
    while services.runner.catch_up():
        pass


def test_early_drop_off_flags_the_module_once_with_its_figures(services: Services) -> None:
    company = Company(services.app)
    for person, minute in zip(company.people["Engineering"], (2, 3, 5, 6, 9), strict=False):
        company.grant_tracking(person)
        company.drop(company.enroll(person, 6), 5, minute)
    settle(services)
    # Running the policy again over the same history changes nothing.
    RevisionPolicy(services.app, services.gateway).check(today())
    settle(services)
    flags = flags_of(services, company.module_id)
    assert [f.reason.split(":")[0] for f in flags] == ["early_drop_off"]
    assert flags[0].figures["medianDropMinutes"] == 5
    listed = services.module_insights.needing_revision()
    assert [(f.module_id, f.rule) for f in listed] == [(str(company.module_id), "early_drop_off")]


def test_negative_feedback_flags_sentiment_and_revising_clears_the_list(services: Services) -> None:
    company = Company(services.app)
    for person in company.people["Sales"][:5]:
        enrollment = company.enroll(person, 3)
        services.app.give_feedback(
            enrollment,
            rating=4,
            comment="Boring, confusing and far too long",
            actor=LEARNER,
            occurred_at=days_ago(2),
        )
    settle(services)
    assert [f.rule for f in services.module_insights.needing_revision()] == ["sentiment_fell"]
    services.app.revise_module(company.module_id, changes={"minutes": 45}, actor=HR)
    settle(services)
    assert services.module_insights.needing_revision() == []


def test_kind_feedback_and_late_drops_flag_nothing(services: Services) -> None:
    company = Company(services.app)
    for person, minute in zip(company.people["Engineering"], (40, 45, 50, 55, 58), strict=False):
        company.grant_tracking(person)
        enrollment = company.enroll(person, 6)
        services.app.give_feedback(
            enrollment,
            rating=5,
            comment="Clear and useful, thank you",
            actor=LEARNER,
            occurred_at=days_ago(5),
        )
        company.drop(enrollment, 5, minute)
    settle(services)
    assert flags_of(services, company.module_id) == []
    assert services.module_insights.needing_revision() == []


def test_a_replay_does_not_flag_modules_again(services: Services) -> None:
    company = Company(services.app)
    for person, minute in zip(company.people["Engineering"], (2, 3, 5, 6, 9), strict=False):
        company.grant_tracking(person)
        company.drop(company.enroll(person, 6), 5, minute)
    settle(services)
    head = services.app.last_position()

    report = replay(services.runner)
    settle(services)

    assert report.identical
    assert services.app.last_position() == head
    assert len(flags_of(services, company.module_id)) == 1
