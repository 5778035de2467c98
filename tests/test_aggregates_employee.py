"""The Employee aggregate and its email claim: given events, when a command, then events."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest

from app.aggregates import Conflict, EmailClaim, Employee, RequiredSkill, ValidationFailed
from app.application import Skillpath
from tests.domain_support import (
    HR,
    NEXT_WEEK,
    TOMORROW,
    from_history,
    hire,
    new_events,
    only_event,
)


def test_hire_records_hired_with_trimmed_text_and_lower_case_email() -> None:
    role_id, manager_id = uuid4(), uuid4()
    employee = hire(
        name="  Ada Lovelace ",
        email=" Ada@Example.COM ",
        role_id=role_id,
        manager_id=manager_id,
        department=" Engineering",
    )

    hired = only_event(employee, Employee.Hired)

    assert (hired.name, hired.email, hired.department) == (
        "Ada Lovelace",
        "ada@example.com",
        "Engineering",
    )
    assert (hired.role_id, hired.manager_id, hired.hire_date) == (
        role_id,
        manager_id,
        date(2024, 3, 1),
    )
    assert hired.actor == HR
    assert Employee.Hired.personal_fields == {"name", "email"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"email": "ada.example.com"}, "email"),
        ({"email": "ada@localhost"}, "email"),
        ({"email": "a b@example.com"}, "email"),
        ({"email": ""}, "email"),
        ({"department": ""}, "department"),
        ({"location": "y" * 201}, "location"),
        ({"years_experience": -1}, "yearsExperience"),
        ({"years_experience": 71}, "yearsExperience"),
        ({"hire_date": TOMORROW}, "hireDate"),
    ],
)
def test_hire_rejects_bad_input_naming_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        hire(**overrides)
    assert refused.value.field == field


def test_profile_update_records_distinct_media_types_and_goals() -> None:
    employee = from_history(hire())

    employee.update_profile(
        media_types=["video", "article", "video"],
        weekly_minutes=120,
        goals=["Learn SQL", " Learn SQL "],
        language="NB",
        actor=HR,
    )

    updated = only_event(employee, Employee.ProfileUpdated)
    assert (updated.media_types, updated.weekly_minutes, updated.goals, updated.language) == (
        ["video", "article"],
        120,
        ["Learn SQL"],
        "nb",
    )
    assert "goals" in Employee.ProfileUpdated.personal_fields


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"media_types": ["radio"]}, "mediaTypes"),
        ({"weekly_minutes": -1}, "weeklyMinutes"),
        ({"weekly_minutes": 40 * 60 + 1}, "weeklyMinutes"),
        ({"goals": ["g" * 101]}, "goals"),
        ({"goals": [""]}, "goals"),
        ({"language": "english!"}, "language"),
        ({"language": ""}, "language"),
    ],
)
def test_profile_update_rejects_bad_input(overrides: dict[str, Any], field: str) -> None:
    employee = from_history(hire())
    command: dict[str, Any] = {
        "media_types": ["video"],
        "weekly_minutes": 60,
        "goals": [],
        "language": "en",
        "actor": HR,
    }
    with pytest.raises(ValidationFailed) as refused:
        employee.update_profile(**{**command, **overrides})
    assert refused.value.field == field
    assert new_events(employee) == []


def test_skill_assessment_stores_the_skill_in_lower_case_at_the_given_time() -> None:
    employee = from_history(hire())
    when = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)

    employee.assess_skill(skill=" SQL ", level=4, source="manager", actor=HR, occurred_at=when)

    assessed = only_event(employee, Employee.SkillAssessed)
    assert (assessed.skill, assessed.level, assessed.source, assessed.occurred_at) == (
        "sql",
        4,
        "manager",
        when,
    )
    assert employee.skills == {"sql": 4}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"level": -1}, "level"),
        ({"level": 6}, "level"),
        ({"skill": " "}, "skill"),
        ({"source": "boss"}, "source"),
        ({"occurred_at": NEXT_WEEK}, "occurredAt"),
    ],
)
def test_skill_assessment_rejects_bad_input(overrides: dict[str, Any], field: str) -> None:
    employee = from_history(hire())
    command: dict[str, Any] = {
        "skill": "sql",
        "level": 3,
        "source": "self",
        "actor": HR,
        "occurred_at": None,
    }
    with pytest.raises(ValidationFailed) as refused:
        employee.assess_skill(**{**command, **overrides})
    assert refused.value.field == field
    assert new_events(employee) == []


def test_role_change_keeps_the_department_when_none_is_given() -> None:
    employee = from_history(hire())
    new_role, new_manager = uuid4(), uuid4()

    employee.change_role(
        role_id=new_role, department=None, manager_id=new_manager, actor=HR, occurred_at=None
    )

    changed = only_event(employee, Employee.RoleChanged)
    assert (changed.role_id, changed.department, changed.manager_id) == (
        new_role,
        "Engineering",
        new_manager,
    )


def test_role_change_to_the_same_role_team_and_manager_is_a_conflict() -> None:
    employee = from_history(hire())
    with pytest.raises(Conflict):
        employee.change_role(
            role_id=employee.role_id,
            department="Engineering",
            manager_id=None,
            actor=HR,
            occurred_at=None,
        )
    assert new_events(employee) == []


def test_an_employee_cannot_become_their_own_manager() -> None:
    employee = from_history(hire())
    with pytest.raises(ValidationFailed) as refused:
        employee.change_role(
            role_id=uuid4(), department=None, manager_id=employee.id, actor=HR, occurred_at=None
        )
    assert refused.value.field == "managerId"


def test_productivity_is_reached_once_and_not_before_the_hire_date() -> None:
    employee = from_history(hire(hire_date=date(2024, 3, 1)))

    with pytest.raises(ValidationFailed) as too_early:
        employee.record_productivity_reached(reached_on=date(2024, 2, 28), actor=HR)
    assert too_early.value.field == "reachedOn"
    with pytest.raises(ValidationFailed) as in_future:
        employee.record_productivity_reached(reached_on=TOMORROW, actor=HR)
    assert in_future.value.field == "reachedOn"

    employee.record_productivity_reached(reached_on=date(2024, 6, 1), actor=HR)
    assert only_event(employee, Employee.ProductivityReached).reached_on == date(2024, 6, 1)
    with pytest.raises(Conflict):
        employee.record_productivity_reached(reached_on=date(2024, 6, 2), actor=HR)


@pytest.mark.parametrize("score", [-1, 11])
def test_pulse_score_is_between_0_and_10(score: int) -> None:
    employee = from_history(hire())
    with pytest.raises(ValidationFailed) as refused:
        employee.answer_pulse(score=score, actor=HR, occurred_at=None)
    assert refused.value.field == "score"


def test_pulse_answer_records_the_score() -> None:
    employee = from_history(hire())
    employee.answer_pulse(score=9, actor=HR, occurred_at=None)
    assert only_event(employee, Employee.PulseAnswered).score == 9


def test_offboarding_not_before_the_hire_date_or_in_the_future() -> None:
    employee = from_history(hire(hire_date=date(2024, 3, 1)))
    for left_on in (date(2024, 1, 1), TOMORROW):
        with pytest.raises(ValidationFailed) as refused:
            employee.offboard(left_on=left_on, actor=HR)
        assert refused.value.field == "leftOn"
    assert new_events(employee) == []


def test_a_left_employee_takes_no_further_commands() -> None:
    employee = hire()
    employee.offboard(left_on=date(2024, 9, 30), actor=HR)
    employee = from_history(employee)
    assert employee.has_left

    refusals = [
        lambda: employee.assess_skill(
            skill="sql", level=2, source="self", actor=HR, occurred_at=None
        ),
        lambda: employee.answer_pulse(score=5, actor=HR, occurred_at=None),
        lambda: employee.offboard(left_on=date(2024, 10, 1), actor=HR),
        lambda: employee.update_profile(
            media_types=[], weekly_minutes=0, goals=[], language="en", actor=HR
        ),
    ]
    for command in refusals:
        with pytest.raises(Conflict) as refused:
            command()
        assert refused.value.field == "employeeId"
    assert new_events(employee) == []


def test_email_claim_id_is_the_same_for_any_spelling_of_the_address() -> None:
    employee_id, secret = uuid4(), b"server secret"
    claim = EmailClaim.claim(" Ada@Example.com", employee_id, secret)

    claimed = only_event(claim, EmailClaim.Claimed)
    assert claimed.originator_id == EmailClaim.id_for("ada@example.com", secret)
    assert claimed.employee_id == employee_id
    assert EmailClaim.id_for("ada@example.com", secret) != EmailClaim.id_for(
        "ada2@example.com", secret
    )


def test_email_claim_id_depends_on_the_server_secret_so_it_reveals_nothing_without_it() -> None:
    assert EmailClaim.id_for("ada@example.com", b"one secret") != EmailClaim.id_for(
        "ada@example.com", b"another secret"
    )


def test_an_email_is_unique_across_hires_and_a_refused_hire_writes_nothing() -> None:
    app = Skillpath()
    role_id = app.define_role(
        code="dev", title="Developer", source="", skills=[RequiredSkill("sql", 2)], actor=HR
    ).id
    first = app.hire_employee(
        name="Ada",
        email="ada@example.com",
        role_id=role_id,
        department="IT",
        manager_id=None,
        location="Oslo",
        years_experience=1,
        hire_date=date(2024, 1, 2),
        actor=HR,
    )

    with pytest.raises(Conflict) as refused:
        app.hire_employee(
            name="Another Ada",
            email="ADA@example.com ",
            role_id=role_id,
            department="IT",
            manager_id=None,
            location="Oslo",
            years_experience=1,
            hire_date=date(2024, 1, 2),
            actor=HR,
        )

    assert refused.value.field == "email"
    assert app.last_position() == first.position
