"""The Enrollment aggregate, and the application commands that guard it (in memory)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import AggregateNotFoundError

from app.aggregates import (
    Conflict,
    DomainError,
    Employee,
    Enrollment,
    LearningModule,
    ValidationFailed,
)
from app.application import Skillpath
from tests.domain_support import (
    HR,
    LEARNER,
    NEXT_WEEK,
    Organisation,
    content,
    from_history,
    hire,
    new_events,
    only_event,
    publish,
)


def enrol(employee: Employee, module: LearningModule, **overrides: Any) -> Enrollment:
    command: dict[str, Any] = {
        "employee": employee,
        "module": module,
        "source": "self",
        "recommendation_id": None,
        "actor": LEARNER,
        "occurred_at": None,
    }
    return Enrollment.open(**{**command, **overrides})


def enrolled() -> Enrollment:
    """A first enrolment with its Enrolled event still pending (to add more history)."""
    return enrol(from_history(hire()), from_history(publish()))


def active() -> Enrollment:
    return from_history(enrolled())


def progress(enrollment: Enrollment, **overrides: Any) -> None:
    command: dict[str, Any] = {
        "percent": 50,
        "minutes": 20,
        "position_minutes": 31.5,
        "actor": LEARNER,
        "occurred_at": None,
    }
    enrollment.record_progress(**{**command, **overrides})


def test_enrolment_id_is_derived_from_employee_and_module() -> None:
    employee, module = from_history(hire()), from_history(publish())
    recommendation = uuid4()
    when = datetime(2024, 4, 2, 8, 0, tzinfo=UTC)

    enrollment = enrol(
        employee,
        module,
        source="recommendation",
        recommendation_id=recommendation,
        occurred_at=when,
    )

    enrolled = only_event(enrollment, Enrollment.Enrolled)
    assert enrolled.originator_id == Enrollment.id_for(employee.id, module.id)
    assert (enrolled.employee_id, enrolled.module_id) == (employee.id, module.id)
    assert (enrolled.source, enrolled.recommendation_id, enrolled.occurred_at) == (
        "recommendation",
        recommendation,
        when,
    )
    assert enrollment.attempt == 1


def test_no_enrolment_in_a_retired_module() -> None:
    module = publish()
    module.retire("replaced", HR)
    with pytest.raises(Conflict) as refused:
        enrol(from_history(hire()), from_history(module))
    assert refused.value.field == "moduleId"


def test_a_left_employee_cannot_enrol() -> None:
    employee = hire()
    employee.offboard(left_on=date(2024, 6, 30), actor=HR)
    with pytest.raises(Conflict) as refused:
        enrol(from_history(employee), from_history(publish()))
    assert refused.value.field == "employeeId"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"source": "friend"}, "source"),
        ({"source": "recommendation"}, "recommendationId"),
        ({"occurred_at": NEXT_WEEK}, "occurredAt"),
    ],
)
def test_enrolment_rejects_bad_input(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        enrol(from_history(hire()), from_history(publish()), **overrides)
    assert refused.value.field == field


def test_progress_records_percent_minutes_and_position() -> None:
    enrollment = active()
    progress(enrollment, percent=40, minutes=25, position_minutes=30.5)

    progressed = only_event(enrollment, Enrollment.Progressed)
    assert (progressed.percent, progressed.minutes, progressed.position_minutes) == (40, 25, 30.5)
    progress(enrollment, percent=30, minutes=5)
    assert (enrollment.percent, enrollment.minutes) == (40, 30)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"percent": -1}, "percent"),
        ({"percent": 101}, "percent"),
        ({"minutes": -5}, "minutes"),
        ({"minutes": 24 * 60 + 1}, "minutes"),
        ({"position_minutes": -0.5}, "positionMinutes"),
        ({"occurred_at": NEXT_WEEK}, "occurredAt"),
    ],
)
def test_progress_rejects_bad_input(overrides: dict[str, Any], field: str) -> None:
    enrollment = active()
    with pytest.raises(ValidationFailed) as refused:
        progress(enrollment, **overrides)
    assert refused.value.field == field
    assert new_events(enrollment) == []


def test_percent_bounds_0_and_100_are_accepted() -> None:
    enrollment = active()
    progress(enrollment, percent=0)
    progress(enrollment, percent=100)
    assert [e.percent for e in new_events(enrollment)] == [0, 100]


def test_no_progress_completion_or_drop_after_completion() -> None:
    enrollment = enrolled()
    enrollment.complete(actor=LEARNER, occurred_at=None)
    enrollment = from_history(enrollment)
    assert (enrollment.status, enrollment.percent) == ("completed", 100)

    for command in (
        lambda: progress(enrollment),
        lambda: enrollment.complete(actor=LEARNER, occurred_at=None),
        lambda: enrollment.drop(position_minutes=None, actor=LEARNER, occurred_at=None),
    ):
        with pytest.raises(Conflict):
            command()
    assert new_events(enrollment) == []


def test_a_quiz_may_follow_completion_but_not_a_drop() -> None:
    completed = active()
    completed.complete(actor=LEARNER, occurred_at=None)
    completed.record_quiz_attempt(score=80, actor=LEARNER, occurred_at=None)
    assert [type(e) for e in completed.collect_events()][-1] is Enrollment.QuizAttempted

    dropped = enrolled()
    dropped.drop(position_minutes=12.0, actor=LEARNER, occurred_at=None)
    dropped = from_history(dropped)
    with pytest.raises(Conflict):
        dropped.record_quiz_attempt(score=80, actor=LEARNER, occurred_at=None)


@pytest.mark.parametrize("score", [-1, 101])
def test_quiz_score_is_between_0_and_100(score: int) -> None:
    enrollment = active()
    with pytest.raises(ValidationFailed) as refused:
        enrollment.record_quiz_attempt(score=score, actor=LEARNER, occurred_at=None)
    assert refused.value.field == "score"


def test_drop_records_the_position() -> None:
    enrollment = active()
    enrollment.drop(position_minutes=42.0, actor=LEARNER, occurred_at=None)
    assert only_event(enrollment, Enrollment.Dropped).position_minutes == 42.0
    assert enrollment.status == "dropped"


def test_feedback_is_rated_1_to_5_with_a_personal_comment() -> None:
    enrollment = active()
    enrollment.give_feedback(rating=5, comment=" Great ", actor=LEARNER, occurred_at=None)

    given = only_event(enrollment, Enrollment.FeedbackGiven)
    assert (given.rating, given.comment, given.employee_id) == (5, "Great", enrollment.employee_id)
    assert Enrollment.FeedbackGiven.personal_fields == {"comment"}
    assert Enrollment.FeedbackGiven.subject_field == "employee_id"


@pytest.mark.parametrize(
    ("rating", "comment", "field"),
    [(0, "", "rating"), (6, "", "rating"), (3, "c" * 5001, "comment")],
)
def test_feedback_rejects_bad_input(rating: int, comment: str, field: str) -> None:
    enrollment = active()
    with pytest.raises(ValidationFailed) as refused:
        enrollment.give_feedback(rating=rating, comment=comment, actor=LEARNER, occurred_at=None)
    assert refused.value.field == field


def test_re_enrolment_after_completion_starts_attempt_2_from_zero() -> None:
    employee, module = from_history(hire()), from_history(publish())
    enrollment = enrol(employee, module)
    progress(enrollment, percent=70, minutes=40)
    enrollment.complete(actor=LEARNER, occurred_at=None)
    enrollment = from_history(enrollment)

    enrollment.reenrol(
        employee=employee,
        module=module,
        source="assigned",
        recommendation_id=None,
        actor=HR,
        occurred_at=None,
    )

    again = only_event(enrollment, Enrollment.Reenrolled)
    assert (again.attempt, again.source) == (2, "assigned")
    assert (enrollment.status, enrollment.percent, enrollment.minutes) == ("active", 0, 0)


def test_re_enrolment_while_active_is_a_conflict() -> None:
    employee, module = from_history(hire()), from_history(publish())
    enrollment = from_history(enrol(employee, module))
    with pytest.raises(Conflict) as refused:
        enrollment.reenrol(
            employee=employee,
            module=module,
            source="self",
            recommendation_id=None,
            actor=LEARNER,
            occurred_at=None,
        )
    assert refused.value.field == "moduleId"


# -- through the application (in memory): atomic saves, nothing written when refused ------


def test_re_enrolment_through_the_application_continues_the_same_enrolment() -> None:
    org = Organisation(Skillpath())
    first = org.enrollment_id
    org.app.complete_enrollment(first, actor=LEARNER)

    second = org.enroll()

    assert second == first
    assert org.app.enrollment(second).attempt == 2


def test_a_concurrent_duplicate_enrolment_is_a_conflict_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    org = Organisation(Skillpath())
    head = org.app.last_position()
    # A second request that read the store before the first one saved sees no enrolment.
    stale_read = org.app.repository.get

    def get(aggregate_id: UUID, **kwargs: Any) -> Any:
        if aggregate_id == Enrollment.id_for(org.employee_id, org.module_id):
            raise AggregateNotFoundError(aggregate_id)
        return stale_read(aggregate_id, **kwargs)

    monkeypatch.setattr(org.app.repository, "get", get)

    with pytest.raises(Conflict) as refused:
        org.enroll()

    assert refused.value.field == "moduleId"
    assert org.app.last_position() == head


@pytest.mark.parametrize(
    "refused_command",
    [
        lambda org, e: org.app.record_progress(
            e, percent=101, minutes=None, position_minutes=None, actor=LEARNER
        ),
        lambda org, e: org.app.give_feedback(e, rating=9, comment="", actor=LEARNER),
        lambda org, e: org.app.enroll(
            employee_id=org.employee_id,
            module_id=uuid4(),
            source="self",
            recommendation_id=None,
            actor=LEARNER,
        ),
        lambda org, e: org.app.retire_module(uuid4(), reason="", actor=HR),
        lambda org, e: org.app.grant_consent(
            org.employee_id, purpose="ads", policy_version="v1", actor=LEARNER
        ),
        lambda org, e: org.app.withdraw_consent(org.employee_id, purpose="benefits", actor=LEARNER),
        lambda org, e: org.app.change_role(
            org.employee_id,
            role_id=org.role_id,
            department=None,
            manager_id=org.manager_id,
            actor=HR,
        ),
        lambda org, e: org.app.publish_module(content(prerequisite_ids=[uuid4()]), actor=HR),
    ],
    ids=[
        "progress-out-of-range",
        "rating-out-of-range",
        "unknown-module",
        "retire-unknown-module",
        "unknown-purpose",
        "withdraw-not-granted",
        "same-role",
        "unknown-prerequisite",
    ],
)
def test_a_refused_command_leaves_the_event_store_unchanged(refused_command: Any) -> None:
    org = Organisation(Skillpath())
    enrollment_id = org.enrollment_id
    head = org.app.last_position()

    with pytest.raises(DomainError):
        refused_command(org, enrollment_id)

    assert org.app.last_position() == head


def test_activity_details_are_dropped_without_tracking_consent() -> None:
    org = Organisation(Skillpath())
    enrollment_id = org.enrollment_id

    org.app.record_progress(
        enrollment_id, percent=10, minutes=12, position_minutes=8.0, actor=LEARNER
    )
    org.app.grant_consent(
        org.employee_id, purpose="activity_tracking", policy_version="v1", actor=LEARNER
    )
    org.app.record_progress(
        enrollment_id, percent=20, minutes=9, position_minutes=17.0, actor=LEARNER
    )

    stored = [
        (e.minutes, e.position_minutes)
        for e in org.app.repository.event_store.get(enrollment_id)
        if isinstance(e, Enrollment.Progressed)
    ]
    assert stored == [(None, None), (9, 17.0)]


def test_a_module_revision_through_the_application_keeps_unchanged_content() -> None:
    org = Organisation(Skillpath())
    org.app.revise_module(org.module_id, changes={"minutes": 45}, actor=HR)
    module = org.app.module(org.module_id)
    assert (module.content.minutes, module.content.title) == (45, content().title)
    assert module.content == content(minutes=45, topics=["data"], skills={"sql": 3})
