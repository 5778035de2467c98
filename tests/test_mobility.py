"""Internal mobility: a path to a target role with the modules that close the gap,
neighbouring roles, HR's projects and gigs among the suggestions, and internal candidates
ranked by readiness among those who share their profile."""

from __future__ import annotations

import pytest

from app.aggregates import Conflict, RequiredSkill, ValidationFailed
from app.bootstrap import Services
from tests.conftest import GraphQLClient
from tests.domain_support import HR, content
from tests.people_support import Team


def caught_up(services: Services) -> None:
    assert services.read_models_reach(services.app.last_position(), timeout=20)


def test_a_career_path_lists_the_gap_the_modules_that_close_it_and_their_hours(
    services: Services,
) -> None:
    team = Team(services.app, size=1)
    ada = team.reports[0]
    team.assess(ada, "sql", 4, "quiz")
    team.assess(ada, "people leadership", 1, "manager")
    app = services.app
    step_two = app.publish_module(
        content(title="Leading people 2", skills={"people leadership": 2}, minutes=60), actor=HR
    ).id
    step_four = app.publish_module(
        content(title="Leading people 4", skills={"people leadership": 4}, minutes=90), actor=HR
    ).id
    app.publish_module(
        content(title="Leading people 1", skills={"people leadership": 1}, minutes=30), actor=HR
    )
    caught_up(services)
    plan = services.mobility.career_paths(str(ada), str(team.lead))
    assert plan is not None
    assert [(g.skill, g.current, g.required) for g in plan.target.gaps] == [
        ("people leadership", 1, 4)
    ]
    assert [s.module_id for s in plan.steps] == [str(step_two), str(step_four)]
    assert plan.estimated_hours == 2.5
    assert plan.unclosed == []
    # Her own role is not a neighbour; the target is not either.
    assert str(team.analyst) not in [n.role_id for n in plan.neighbours]


def test_neighbouring_roles_rank_by_how_close_the_person_already_is(services: Services) -> None:
    team = Team(services.app, size=1)
    ada = team.reports[0]
    team.assess(ada, "sql", 4, "quiz")
    app = services.app
    close = app.define_role(code="sql-dev", title="SQL Developer", source="",
                            skills=[RequiredSkill("sql", 4)], actor=HR).id  # fmt: skip
    far = app.define_role(code="designer", title="Designer", source="",
                          skills=[RequiredSkill("design", 4)], actor=HR).id  # fmt: skip
    target = app.define_role(code="architect", title="Architect", source="",
                             skills=[RequiredSkill("system design", 5)], actor=HR).id  # fmt: skip
    caught_up(services)
    plan = services.mobility.career_paths(str(ada), str(target))
    assert plan is not None
    order = [n.role_id for n in plan.neighbours]
    assert order.index(str(close)) < order.index(str(far))
    assert plan.neighbours[0].readiness == 1.0
    assert plan.unclosed == ["system design"]


def test_published_gigs_appear_among_career_suggestions_until_closed(services: Services) -> None:
    team = Team(services.app, size=1)
    ada = team.reports[0]
    team.assess(ada, "sql", 4, "quiz")
    app = services.app
    gig = app.publish_opportunity(
        kind="gig", title="Mentor the new team", description="", department="Data",
        skills=[RequiredSkill("people leadership", 2), RequiredSkill("sql", 3)],
        hours_per_week=4, actor=HR,
    ).id  # fmt: skip
    app.publish_opportunity(
        kind="project", title="Warehouse move", description="", department="",
        skills=[RequiredSkill("cloud infrastructure", 3)], hours_per_week=10, actor=HR,
    )  # fmt: skip
    caught_up(services)
    plan = services.mobility.career_paths(str(ada), str(team.lead))
    assert plan is not None
    assert plan.opportunities[0].opportunity_id == str(gig)
    assert plan.opportunities[0].grows == ["people leadership"]
    app.close_opportunity(gig, actor=HR)
    caught_up(services)
    again = services.mobility.career_paths(str(ada), str(team.lead))
    assert again is not None
    assert str(gig) not in [o.opportunity_id for o in again.opportunities]
    with pytest.raises(Conflict):
        app.close_opportunity(gig, actor=HR)


def test_internal_candidates_are_sharing_employees_ranked_by_readiness_with_reasons(
    services: Services,
) -> None:
    team = Team(services.app, size=4)
    a, b, c, d = team.reports
    for person in (a, b, c):
        team.share(person)
    team.assess(a, "sql", 3, "quiz")
    team.assess(a, "people leadership", 4, "manager")
    team.assess(b, "sql", 3, "quiz")
    team.assess(b, "people leadership", 2, "manager")
    team.assess(d, "people leadership", 5, "manager")  # the best, but not sharing
    caught_up(services)
    found = services.mobility.internal_candidates(str(team.lead), first=10)
    assert found is not None
    assert [x.employee_id for x in found] == [str(a), str(b), str(c)]
    assert found[0].readiness == 1.0
    assert found[1].reasons == ["meets sql at 3", "people leadership: 2 of 4"]
    # The manager holds the role already and is left out.
    assert str(team.manager) not in [x.employee_id for x in found]
    assert len(services.mobility.internal_candidates(str(team.lead), first=2) or []) == 2


def test_an_opportunity_needs_a_kind_skills_and_bounded_hours(services: Services) -> None:
    with pytest.raises(ValidationFailed) as raised:
        services.app.publish_opportunity(
            kind="gig", title="T", description="", department="", skills=[],
            hours_per_week=4, actor=HR,
        )  # fmt: skip
    assert raised.value.field == "requiredSkills"
    with pytest.raises(ValidationFailed) as raised:
        services.app.publish_opportunity(
            kind="gig", title="T", description="", department="",
            skills=[RequiredSkill("sql", 9)], hours_per_week=4, actor=HR,
        )  # fmt: skip
    assert raised.value.field == "requiredSkills.level"
    with pytest.raises(ValidationFailed) as raised:
        services.app.publish_opportunity(
            kind="gig", title="T", description="", department="",
            skills=[RequiredSkill("sql", 2)], hours_per_week=90, actor=HR,
        )  # fmt: skip
    assert raised.value.field == "hoursPerWeek"


CANDIDATES = """query($r: ID!, $n: Int!) { internalCandidates(roleId: $r, first: $n) {
  __typename ... on InternalCandidates { candidates { employeeId readiness reasons } }
  ... on UserError { field message } } }"""


async def test_the_api_ranks_candidates_for_hr_and_bounds_first(
    gql: GraphQLClient, services: Services
) -> None:
    team = Team(services.app, size=2)
    team.share(team.reports[0])
    team.assess(team.reports[0], "people leadership", 4, "manager")
    caught_up(services)
    hr = gql.acting_as("hr")
    found = await hr.data(CANDIDATES, r=str(team.lead), n=5)
    assert [c["employeeId"] for c in found["internalCandidates"]["candidates"]] == [
        str(team.reports[0])
    ]
    bad = await hr.data(CANDIDATES, r=str(team.lead), n=1000)
    assert bad["internalCandidates"]["__typename"] == "ValidationError"
    assert bad["internalCandidates"]["field"] == "first"
    unknown = await hr.data(CANDIDATES, r="00000000-0000-4000-8000-000000000009", n=5)
    assert unknown["internalCandidates"] == {
        "__typename": "NotFound", "field": "roleId",
        "message": "role '00000000-0000-4000-8000-000000000009' does not exist",
    }  # fmt: skip
