"""Onboarding journeys: a template per role, adapted to the hire's experience and assessed
levels, progress from enrolments and milestones, closed by reaching productivity, and time to
productivity per role against the template's target under the k rule."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest

from app.aggregates import Actor, Conflict, NotFound, ValidationFailed
from app.aggregates.onboarding import Milestone
from app.bootstrap import Services
from tests.conftest import GraphQLClient
from tests.domain_support import HR, content
from tests.people_support import Team

HIRED = date(2024, 1, 2)


def caught_up(services: Services) -> None:
    assert services.read_models_reach(services.app.last_position(), timeout=20)


def _template(services: Services, team: Team) -> tuple[UUID, UUID, UUID]:
    app = services.app
    basics = app.publish_module(content(title="SQL basics", skills={"sql": 2}, difficulty=1),
                                actor=HR).id  # fmt: skip
    advanced = app.publish_module(content(title="SQL tuning", skills={"sql": 4}, difficulty=4),
                                  actor=HR).id  # fmt: skip
    stats = app.publish_module(content(title="Stats", skills={"statistics": 3}, difficulty=3),
                               actor=HR).id  # fmt: skip
    app.define_onboarding_template(
        role_id=team.analyst, module_ids=[basics, advanced, stats],
        milestones=[Milestone("laptop", "Laptop and accounts", 1),
                    Milestone("first-report", "First report shipped", 4)],
        check_in_weeks=[1, 2, 6], buddy=True, target_days=45, actor=HR,
    )  # fmt: skip
    return basics, advanced, stats


def test_an_experienced_hire_skips_what_years_and_assessed_levels_cover(
    services: Services,
) -> None:
    team = Team(services.app, size=0)
    basics, advanced, stats = _template(services, team)
    senior = team.hire(team.analyst, team.manager, years=12)
    graduate = team.hire(team.analyst, team.manager, years=0)
    team.assess(senior, "statistics", 4, "quiz")
    for person in (senior, graduate):
        services.app.start_onboarding(person, buddy_id=team.manager, started_on=HIRED, actor=HR)
    caught_up(services)
    senior_journey = services.onboarding.journey(str(senior))
    assert senior_journey is not None
    assert [m.module_id for m in senior_journey.modules] == [str(advanced)]
    assert {s["moduleId"]: s["reason"] for s in senior_journey.skipped} == {
        str(basics): "12 years of experience cover the basics",
        str(stats): "assessed levels already cover it",
    }
    graduate_journey = services.onboarding.journey(str(graduate))
    assert graduate_journey is not None
    assert [m.module_id for m in graduate_journey.modules] == [str(basics), str(advanced),
                                                               str(stats)]  # fmt: skip


def test_progress_counts_completed_modules_and_milestones_and_productivity_closes_it(
    services: Services,
) -> None:
    team = Team(services.app, size=0)
    basics, _, _ = _template(services, team)
    hire = team.hire(team.analyst, team.manager, years=1)
    app = services.app
    app.start_onboarding(hire, buddy_id=team.manager, started_on=HIRED, actor=HR)
    me = Actor(str(hire), "employee")
    enrollment = app.enroll(employee_id=hire, module_id=basics, source="assigned",
                            recommendation_id=None, actor=me).id  # fmt: skip
    app.complete_enrollment(enrollment, actor=me)
    app.reach_onboarding_milestone(hire, key="laptop", reached_on=HIRED, actor=me)
    caught_up(services)
    journey = services.onboarding.journey(str(hire), today=HIRED + timedelta(days=8))
    assert journey is not None
    assert journey.progress == round(2 / 5, 4)
    assert [c.due for c in journey.check_ins] == [True, True, False]
    assert journey.closed_on is None
    app.record_productivity_reached(hire, reached_on=HIRED + timedelta(days=30), actor=HR)
    caught_up(services)
    closed = services.onboarding.journey(str(hire))
    assert closed is not None and closed.closed_on == HIRED + timedelta(days=30)
    assert closed.days_so_far == 30 and not any(c.due for c in closed.check_ins)


def test_time_to_productivity_per_role_is_compared_with_the_target_under_k(
    services: Services,
) -> None:
    team = Team(services.app, size=0)
    _template(services, team)
    app = services.app
    for days in (20, 40, 50, 60, 30):
        hire = team.hire(team.analyst, team.manager)
        app.start_onboarding(hire, buddy_id=team.manager, started_on=HIRED, actor=HR)
        app.record_productivity_reached(hire, reached_on=HIRED + timedelta(days=days), actor=HR)
    caught_up(services)
    [analyst] = services.onboarding.times(k=5)
    assert (analyst.median_days, analyst.target_days, analyst.within_target_share) == (
        40.0, 45, 0.6
    )  # fmt: skip
    [hidden] = services.onboarding.times(k=6)
    assert hidden.suppressed and hidden.median_days is None and hidden.journeys is None


def test_bad_journeys_are_refused_with_the_field(services: Services) -> None:
    team = Team(services.app, size=1)
    app = services.app
    hire = team.reports[0]
    with pytest.raises(NotFound):  # no template for the role yet
        app.start_onboarding(hire, buddy_id=None, started_on=HIRED, actor=HR)
    _template(services, team)
    with pytest.raises(ValidationFailed) as raised:
        app.start_onboarding(hire, buddy_id=None, started_on=HIRED, actor=HR)
    assert raised.value.field == "buddyId"
    with pytest.raises(ValidationFailed) as raised:
        app.start_onboarding(hire, buddy_id=hire, started_on=HIRED, actor=HR)
    assert raised.value.field == "buddyId"
    app.start_onboarding(hire, buddy_id=team.manager, started_on=HIRED, actor=HR)
    with pytest.raises(Conflict):
        app.start_onboarding(hire, buddy_id=team.manager, started_on=HIRED, actor=HR)
    with pytest.raises(ValidationFailed) as raised:
        app.reach_onboarding_milestone(hire, key="nope", reached_on=HIRED, actor=HR)
    assert raised.value.field == "milestoneKey"
    with pytest.raises(ValidationFailed) as raised:
        app.define_onboarding_template(
            role_id=team.lead, module_ids=[], milestones=[Milestone("a", "A", 60)],
            check_in_weeks=[], buddy=False, target_days=30, actor=HR,
        )  # fmt: skip
    assert raised.value.field == "milestones.week"


JOURNEY = """query($e: ID!) { onboarding(employeeId: $e) { __typename ... on OnboardingJourney
  { progress modules { moduleId completed } milestones { key reachedOn } }
  ... on UserError { field } } }"""


async def test_the_api_shows_the_journey_to_the_hire(
    gql: GraphQLClient, services: Services
) -> None:
    team = Team(services.app, size=0)
    _template(services, team)
    hire = team.hire(team.analyst, team.manager, years=0)
    services.app.start_onboarding(hire, buddy_id=team.manager, started_on=HIRED, actor=HR)
    caught_up(services)
    found = (await gql.as_employee(hire).data(JOURNEY, e=str(hire)))["onboarding"]
    assert found["progress"] == 0.0 and len(found["modules"]) == 3
    none = (await gql.data(JOURNEY, e=str(team.manager)))["onboarding"]
    assert none == {"__typename": "NotFound", "field": "employeeId"}
