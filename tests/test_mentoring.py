"""Mentor matching and mentorships: experienced colleagues two levels higher, peers on the
same skill, reverse mentoring in AI skills, complementary strengths, language and location
preferred, limits on open mentees, never the own manager, only opted-in mentors."""

from __future__ import annotations

import pytest

from app.aggregates import Actor, Conflict, ValidationFailed
from app.bootstrap import Services
from tests.conftest import GraphQLClient
from tests.domain_support import HR
from tests.people_support import Team


def caught_up(services: Services) -> None:
    assert services.read_models_reach(services.app.last_position(), timeout=20)


def _mentor(team: Team, person: object, places: int = 2) -> None:
    team.share(person)  # type: ignore[arg-type]
    team.app.opt_in_as_mentor(person, max_mentees=places,  # type: ignore[arg-type]
                              actor=Actor(str(person), "employee"))  # fmt: skip


def test_experienced_mentors_are_two_levels_higher_and_peers_work_on_the_same_skill(
    services: Services,
) -> None:
    team = Team(services.app, size=5)
    mentee, expert, peer, close, silent = team.reports
    team.assess(mentee, "sql", 2, "quiz")
    team.assess(expert, "sql", 5, "quiz")
    team.assess(peer, "sql", 3, "quiz")  # the analyst role needs 4: still working on it
    team.assess(close, "sql", 3, "quiz")
    team.assess(silent, "sql", 5, "quiz")  # not opted in
    for person in (expert, peer):
        _mentor(team, person)
    team.assess(team.manager, "sql", 5, "quiz")
    _mentor(team, team.manager)  # the mentee's own manager: never proposed
    caught_up(services)
    found = services.mentors.suggestions(str(mentee), "sql")
    assert found is not None
    assert [(s.mentor_id, s.kind) for s in found] == [
        (str(expert), "experienced"), (str(peer), "peer")
    ]  # fmt: skip
    assert found[0].reasons[0] == "sql at 5, 3 levels above yours"
    assert "speaks en" in found[0].reasons and "same location" in found[0].reasons


def test_reverse_mentoring_lets_a_junior_teach_a_senior_an_ai_skill(services: Services) -> None:
    team = Team(services.app, size=1)
    senior = team.hire(team.analyst, team.manager, years=25)
    junior = team.reports[0]
    team.assess(junior, "advanced prompting", 4, "quiz")
    _mentor(team, junior)
    caught_up(services)
    found = services.mentors.suggestions(str(senior), "advanced prompting")
    assert found is not None and [s.kind for s in found] == ["reverse"]


def test_a_mentor_with_no_place_left_is_not_proposed_and_cannot_be_offered(
    services: Services,
) -> None:
    team = Team(services.app, size=3)
    mentor, first, second = team.reports
    team.assess(mentor, "statistics", 5, "quiz")
    _mentor(team, mentor, places=1)
    app = services.app
    taken = app.offer_mentorship(mentor_id=mentor, mentee_id=first, skill="statistics",
                                 kind="experienced", actor=HR).id  # fmt: skip
    with pytest.raises(Conflict) as raised:
        app.offer_mentorship(mentor_id=mentor, mentee_id=second, skill="statistics",
                             kind="experienced", actor=HR)  # fmt: skip
    assert raised.value.field == "mentorId"
    caught_up(services)
    assert services.mentors.suggestions(str(second), "statistics") == []
    app.decline_mentorship(taken, mentor_id=mentor, actor=HR)
    caught_up(services)
    assert [s.mentor_id for s in services.mentors.suggestions(str(second), "statistics") or []] == [
        str(mentor)
    ]


def test_mentorships_go_from_offer_to_accept_to_end_as_events(services: Services) -> None:
    team = Team(services.app, size=2)
    mentor, mentee = team.reports
    _mentor(team, mentor)
    app = services.app
    found = app.offer_mentorship(mentor_id=mentor, mentee_id=mentee, skill="sql",
                                 kind="peer", actor=HR).id  # fmt: skip
    with pytest.raises(ValidationFailed):
        app.accept_mentorship(found, mentor_id=mentee, actor=HR)  # only the mentor accepts
    app.accept_mentorship(found, mentor_id=mentor, actor=HR)
    app.end_mentorship(found, employee_id=mentee, actor=HR)
    with pytest.raises(Conflict):
        app.end_mentorship(found, employee_id=mentee, actor=HR)
    names = [type(e).__name__ for e in app.events.get(found)]
    assert names == ["MentorshipOffered", "MentorshipStarted", "MentorshipEnded"]
    assert app.employee(mentor).open_mentorships == set()


def test_bad_mentorships_are_refused_with_the_field(services: Services) -> None:
    team = Team(services.app, size=2)
    mentor, mentee = team.reports
    app = services.app
    cases = (
        (mentor, mentor, "mentorId"),  # the mentor is the mentee
        (team.manager, mentee, "mentorId"),  # the own manager
        (mentee, mentor, "mentorId"),  # not opted in
    )
    _mentor(team, team.manager)
    for who, whom, field in cases:
        with pytest.raises(ValidationFailed) as raised:
            app.offer_mentorship(mentor_id=who, mentee_id=whom, skill="sql", kind="peer",
                                 actor=HR)  # fmt: skip
        assert raised.value.field == field
    with pytest.raises(ValidationFailed) as raised:
        app.opt_in_as_mentor(mentor, max_mentees=50, actor=HR)
    assert raised.value.field == "maxMentees"


SUGGEST = """query($e: ID!, $s: String!) { mentorSuggestions(employeeId: $e, skill: $s) {
  __typename ... on MentorSuggestions { suggestions { mentorId kind reasons } }
  ... on UserError { field message } } }"""


async def test_the_api_suggests_mentors_and_refuses_unknown_skills(
    gql: GraphQLClient, services: Services
) -> None:
    team = Team(services.app, size=2)
    mentor, mentee = team.reports
    team.assess(mentor, "sql", 5, "quiz")
    _mentor(team, mentor)
    caught_up(services)
    me = gql.as_employee(mentee)
    found = await me.data(SUGGEST, e=str(mentee), s="SQL")
    assert [s["mentorId"] for s in found["mentorSuggestions"]["suggestions"]] == [str(mentor)]
    unknown = await me.data(SUGGEST, e=str(mentee), s="juggling")
    assert unknown["mentorSuggestions"]["__typename"] == "ValidationError"
    assert unknown["mentorSuggestions"]["field"] == "skill"
