"""The Role aggregate: an entry of the competence model."""

from __future__ import annotations

from typing import Any

import pytest

from app.aggregates import Conflict, RequiredSkill, Role, ValidationFailed
from app.application import Skillpath
from tests.domain_support import HR, define_role, from_history, new_events, only_event


def test_defining_a_role_derives_its_id_from_the_code() -> None:
    role = define_role(code=" Data-Analyst ")

    defined = only_event(role, Role.RoleDefined)
    assert defined.code == "data-analyst"
    assert defined.originator_id == Role.id_for("data-analyst")
    assert defined.required_skills == [
        {"skill": "sql", "level": 3, "importance": 5},
        {"skill": "statistics", "level": 2, "importance": 3},
    ]
    assert (defined.title, defined.source) == ("Data analyst", "O*NET 15-2051.00")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": " "}, "code"),
        ({"code": "c" * 65}, "code"),
        ({"title": ""}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"skills": []}, "requiredSkills"),
        ({"skills": [RequiredSkill("sql", 6)]}, "requiredSkills.level"),
        ({"skills": [RequiredSkill("sql", -1)]}, "requiredSkills.level"),
        ({"skills": [RequiredSkill("sql", 2, 0)]}, "requiredSkills.importance"),
        ({"skills": [RequiredSkill("sql", 2, 6)]}, "requiredSkills.importance"),
        ({"skills": [RequiredSkill("", 2)]}, "requiredSkills.skill"),
        ({"skills": [RequiredSkill("SQL", 2), RequiredSkill("sql", 3)]}, "requiredSkills.skill"),
    ],
)
def test_defining_a_role_rejects_bad_input(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        define_role(**overrides)
    assert refused.value.field == field


def test_revision_keeps_what_is_not_given() -> None:
    role = from_history(define_role())
    role.revise(title="Senior data analyst", skills=None, actor=HR)
    revised = only_event(role, Role.RoleRevised)
    assert revised.title == "Senior data analyst"
    assert [s["skill"] for s in revised.required_skills] == ["sql", "statistics"]

    role.revise(title=None, skills=[RequiredSkill("Python", 4)], actor=HR)
    revised = only_event(role, Role.RoleRevised)
    assert revised.title == "Senior data analyst"
    assert revised.required_skills == [{"skill": "python", "level": 4, "importance": 3}]


def test_a_retired_role_cannot_be_revised_or_retired_again() -> None:
    role = define_role()
    role.retire(HR)
    role = from_history(role)
    assert role.retired
    for command in (
        lambda: role.revise(title="New", skills=None, actor=HR),
        lambda: role.retire(HR),
    ):
        with pytest.raises(Conflict) as refused:
            command()
        assert refused.value.field == "roleId"
    assert new_events(role) == []


def test_a_role_code_is_unique_and_a_refused_definition_writes_nothing() -> None:
    app = Skillpath()
    first = app.define_role(
        code="dev", title="Developer", source="", skills=[RequiredSkill("sql", 2)], actor=HR
    )
    with pytest.raises(Conflict) as refused:
        app.define_role(
            code="DEV", title="Developer 2", source="", skills=[RequiredSkill("go", 2)], actor=HR
        )
    assert refused.value.field == "code"
    assert app.last_position() == first.position
