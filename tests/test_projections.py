"""Read models built from the event log on SQLite and PostgreSQL: rows, and the consent gate.

The runner is driven by hand (``catch_up``) so each test decides exactly when events reach
the read models.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from app.aggregates import Enrollment
from app.bootstrap import Services, build_services
from app.settings import Settings
from tests.domain_support import HR, LEARNER, Organisation


@pytest.fixture(params=["sqlite", "postgres"])
def engine_settings(request: pytest.FixtureRequest) -> Settings:
    settings: Settings = request.getfixturevalue(f"{request.param}_settings")
    return settings


@pytest.fixture
def manual(engine_settings: Settings) -> Iterator[Services]:
    """Services whose projections run only when a test calls ``catch_up``."""
    built = build_services(engine_settings, start_projections=False)
    try:
        yield built
    finally:
        built.close()


def stored(services: Services, enrollment_id: Any, event_class: type) -> list[Any]:
    return [
        e
        for e in services.app.repository.event_store.get(enrollment_id)
        if isinstance(e, event_class)
    ]


def test_events_build_the_employee_directory(manual: Services) -> None:
    org = Organisation(manual.app)
    app = manual.app
    app.update_profile(
        org.employee_id,
        media_types=["video"],
        weekly_minutes=90,
        goals=["Lead a team"],
        language="nb",
        actor=LEARNER,
    )
    app.assess_skill(org.employee_id, skill="SQL", level=2, source="self", actor=LEARNER)
    app.assess_skill(org.employee_id, skill="sql", level=4, source="manager", actor=HR)
    app.change_role(
        org.employee_id,
        role_id=org.lead_role_id,
        department="Data",
        manager_id=org.manager_id,
        actor=HR,
    )
    app.record_productivity_reached(org.employee_id, reached_on=date(2024, 3, 1), actor=HR)
    app.answer_pulse(org.employee_id, score=9, actor=LEARNER)
    app.offboard_employee(org.manager_id, left_on=date(2024, 8, 31), actor=HR)

    manual.runner.catch_up()

    ada = manual.directory.get(str(org.employee_id))
    assert ada is not None
    assert (ada.name, ada.email, ada.department, ada.role_id, ada.manager_id) == (
        "Ada Lovelace",
        "ada@example.com",
        "Data",
        str(org.lead_role_id),
        str(org.manager_id),
    )
    assert (ada.media_types, ada.weekly_minutes, ada.goals, ada.language) == (
        ["video"],
        90,
        ["Lead a team"],
        "nb",
    )
    assert (ada.productive_since, ada.last_pulse_score, ada.role_changes, ada.status) == (
        "2024-03-01",
        9,
        1,
        "active",
    )
    skills = manual.directory.skills_of([str(org.employee_id)])[str(org.employee_id)]
    assert [(s.skill, s.level, s.source) for s in skills] == [("sql", 4, "manager")]
    grace = manual.directory.get(str(org.manager_id))
    assert grace is not None
    assert (grace.status, grace.left_on) == ("left", "2024-08-31")
    page = manual.directory.page(first=10, after=None, department="Data")
    assert [row.id for row in page.items] == [str(org.employee_id)]


def test_events_build_the_module_catalogue_and_role_catalogue(manual: Services) -> None:
    org = Organisation(manual.app)
    app = manual.app
    app.revise_module(org.module_id, changes={"skills": {"SQL": 4, "Excel": 2}}, actor=HR)
    app.flag_module_for_revision(org.other_module_id, reason="outdated", figures={}, actor=HR)
    app.retire_role(org.lead_role_id, actor=HR)

    manual.runner.catch_up()

    module = manual.catalogue.get(str(org.module_id))
    assert module is not None
    assert (module.skills, module.revision, module.status) == (
        {"sql": 4, "excel": 2},
        1,
        "published",
    )
    flagged = manual.catalogue.get(str(org.other_module_id))
    assert flagged is not None
    assert (flagged.status, flagged.flag_reason) == ("flagged", "outdated")
    by_skill = manual.catalogue.page(first=10, after=None, skill="Excel")
    assert [m.id for m in by_skill.items] == [str(org.module_id)]
    assert [r.code for r in manual.roles.all()] == ["dev"]
    assert [r.code for r in manual.roles.all(include_retired=True)] == ["dev", "lead"]


def test_events_build_enrollments_per_employee_and_per_module(manual: Services) -> None:
    org = Organisation(manual.app)
    app = manual.app
    app.record_quiz_attempt(org.enrollment_id, score=60, actor=LEARNER)
    app.record_quiz_attempt(org.enrollment_id, score=90, actor=LEARNER)
    app.record_quiz_attempt(org.enrollment_id, score=70, actor=LEARNER)
    app.complete_enrollment(org.enrollment_id, actor=LEARNER)
    app.give_feedback(org.enrollment_id, rating=4, comment="Useful", actor=LEARNER)
    grace = app.enroll(
        employee_id=org.manager_id,
        module_id=org.module_id,
        source="assigned",
        recommendation_id=None,
        actor=HR,
    ).id
    app.drop_enrollment(grace, position_minutes=None, actor=HR)

    manual.runner.catch_up()

    ada = manual.enrollments.get(str(org.enrollment_id))
    assert ada is not None
    assert (ada.status, ada.percent, ada.quiz_attempts, ada.last_quiz_score) == (
        "completed",
        100,
        3,
        70,
    )
    assert (ada.best_quiz_score, ada.rating, ada.comment) == (90, 4, "Useful")
    per_module = manual.enrollments.of_modules([str(org.module_id)])[str(org.module_id)]
    assert sorted(r.status for r in per_module) == ["completed", "dropped"]
    counts = manual.enrollments.counts_for_modules([str(org.module_id)])[str(org.module_id)]
    assert (counts.total, counts.completed, counts.dropped, counts.average_rating) == (2, 1, 1, 4.0)


def test_re_enrolment_shows_the_latest_attempt(manual: Services) -> None:
    org = Organisation(manual.app)
    manual.app.grant_consent(
        org.employee_id, purpose="activity_tracking", policy_version="1", actor=LEARNER
    )
    manual.app.record_progress(
        org.enrollment_id, percent=60, minutes=20, position_minutes=18.0, actor=LEARNER
    )
    manual.app.record_quiz_attempt(org.enrollment_id, score=40, actor=LEARNER)
    manual.app.complete_enrollment(org.enrollment_id, actor=LEARNER)
    manual.app.give_feedback(org.enrollment_id, rating=2, comment="too fast", actor=LEARNER)
    manual.runner.catch_up()
    org.enroll()

    manual.runner.catch_up()

    row = manual.enrollments.get(str(org.enrollment_id))
    assert row is not None
    assert (row.attempt, row.status, row.percent, row.completed_at) == (2, "active", 0, None)
    # Progress of the first attempt is not shown as if it belonged to the second;
    # feedback is about the module and stays the learner's latest word on it.
    assert (row.minutes_spent, row.last_position_minutes, row.quiz_attempts) == (0, None, 0)
    assert row.best_quiz_score is None
    assert (row.rating, row.comment) == (2, "too fast")


def test_activity_details_reach_the_read_model_only_while_tracking_is_granted(
    manual: Services,
) -> None:
    org = Organisation(manual.app)
    app, enrollment = manual.app, org.enrollment_id

    app.record_progress(enrollment, percent=10, minutes=12, position_minutes=6.0, actor=LEARNER)
    manual.runner.catch_up()
    row = manual.enrollments.get(str(enrollment))
    assert row is not None
    assert (row.percent, row.minutes_spent, row.last_position_minutes) == (10, 0, None)

    app.grant_consent(
        org.employee_id, purpose="activity_tracking", policy_version="v1", actor=LEARNER
    )
    app.record_progress(enrollment, percent=30, minutes=15, position_minutes=20.5, actor=LEARNER)
    manual.runner.catch_up()
    row = manual.enrollments.get(str(enrollment))
    assert row is not None
    assert (row.percent, row.minutes_spent, row.last_position_minutes) == (30, 15, 20.5)

    app.withdraw_consent(org.employee_id, purpose="activity_tracking", actor=LEARNER)
    app.record_progress(enrollment, percent=40, minutes=30, position_minutes=33.0, actor=LEARNER)
    app.drop_enrollment(enrollment, position_minutes=35.0, actor=LEARNER)
    manual.runner.catch_up()

    progressed = stored(manual, enrollment, Enrollment.Progressed)
    assert [(e.minutes, e.position_minutes) for e in progressed] == [
        (None, None),
        (15, 20.5),
        (None, None),
    ]
    assert [e.position_minutes for e in stored(manual, enrollment, Enrollment.Dropped)] == [None]
    row = manual.enrollments.get(str(enrollment))
    assert row is not None
    assert (row.percent, row.minutes_spent, row.dropped_position_minutes) == (40, 15, None)


def test_consent_read_model_keeps_current_grants_and_full_history(manual: Services) -> None:
    org = Organisation(manual.app)
    app = manual.app
    app.grant_consent(
        org.employee_id, purpose="personalisation", policy_version="v1", actor=LEARNER
    )
    app.grant_consent(org.employee_id, purpose="benefits", policy_version="v1", actor=LEARNER)
    app.withdraw_consent(org.employee_id, purpose="benefits", actor=HR)

    manual.runner.catch_up()

    granted = manual.consents.granted(str(org.employee_id))
    assert [(g.purpose, g.policy_version) for g in granted] == [("personalisation", "v1")]
    history = manual.consents.history(str(org.employee_id))
    assert [(h.purpose, h.action, h.actor_role) for h in history] == [
        ("personalisation", "granted", "employee"),
        ("benefits", "granted", "employee"),
        ("benefits", "withdrawn", "hr"),
    ]
    assert manual.consents.subjects_allowing("personalisation") == {str(org.employee_id)}


def test_two_in_memory_instances_keep_separate_read_models(memory_settings: Settings) -> None:
    first = build_services(memory_settings, start_projections=False)
    second = None
    try:
        Organisation(first.app)
        first.runner.catch_up()
        second = build_services(memory_settings, start_projections=False)

        assert set(second.runner.positions().values()) == {0}
        assert second.directory.page(first=10, after=None).total == 0
    finally:
        first.close()
        if second is not None:
            second.close()
