"""Pulse surveys: HR defines the eNPS question plus up to five items on a cadence; answers
extend answerPulse without breaking its callers, feed eNPS, per-team results under the k
rule and sentiment from free text, which is sealed and gone on erasure."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from app.aggregates import Actor, Conflict, ValidationFailed
from app.aggregates.pulse_survey import SurveyItem, period_of
from app.bootstrap import Services
from tests.conftest import GraphQLClient
from tests.domain_support import HR
from tests.people_support import Team, ago

ITEMS = [
    SurveyItem("workload", "My workload is manageable"),
    SurveyItem("growth", "I can grow here"),
    SurveyItem("say", "Anything else?", "text"),
]


def caught_up(services: Services) -> None:
    assert services.read_models_reach(services.app.last_position(), timeout=20)


def _survey(services: Services, cadence: str = "weekly") -> str:
    return str(services.app.define_pulse_survey(
        title="Weekly pulse", items=ITEMS, cadence=cadence, actor=HR).id)  # fmt: skip


def test_a_survey_has_at_most_five_items_with_distinct_keys_and_a_known_cadence(
    services: Services,
) -> None:
    six = [SurveyItem(f"i{n}", "Q") for n in range(6)]
    for items, cadence, field in (
        (six, "weekly", "items"),
        ([SurveyItem("a", "Q"), SurveyItem("A", "Q")], "weekly", "items.key"),
        ([SurveyItem("a", "Q", "stars")], "weekly", "items.kind"),
        ([SurveyItem("a", "Q")], "hourly", "cadence"),
    ):
        with pytest.raises(ValidationFailed) as raised:
            services.app.define_pulse_survey(title="T", items=items, cadence=cadence, actor=HR)
        assert raised.value.field == field


def test_today_s_callers_still_answer_the_enps_question_alone(services: Services) -> None:
    team = Team(services.app, size=1)
    services.app.answer_pulse(team.reports[0], score=9, actor=HR)
    with pytest.raises(ValidationFailed) as raised:
        services.app.answer_pulse(team.reports[0], score=9, actor=HR, item_scores={"x": 3})
    assert raised.value.field == "surveyId"


def test_answers_are_checked_against_the_survey_and_its_cadence(services: Services) -> None:
    team = Team(services.app, size=1)
    survey = _survey(services)
    ada = team.reports[0]
    me = Actor(str(ada), "employee")
    sid = UUID(survey)
    for scores, texts, field in (
        ({"unknown": 3}, {}, "answers.itemKey"),
        ({"workload": 6}, {}, "answers.score"),
        ({"say": 3}, {}, "answers.itemKey"),
        ({}, {"say": "x" * 1001}, "answers.text"),
    ):
        with pytest.raises(ValidationFailed) as raised:
            services.app.answer_pulse(ada, score=8, actor=me, survey_id=sid,
                                      item_scores=scores, texts=texts)  # fmt: skip
        assert raised.value.field == field
    services.app.answer_pulse(ada, score=8, actor=me, survey_id=sid, item_scores={"workload": 4})
    with pytest.raises(Conflict):
        services.app.answer_pulse(ada, score=8, actor=me, survey_id=sid)
    assert period_of(ago(0), "weekly") != period_of(ago(8), "weekly")


def test_results_feed_enps_items_and_sentiment_per_team_under_the_k_rule(
    services: Services,
) -> None:
    big = Team(services.app, size=5, department="Data")
    small = Team(services.app, size=2, department="Sales")
    survey = _survey(services)
    sid = UUID(survey)
    for person, score in zip(big.reports, (10, 9, 9, 7, 3), strict=True):
        services.app.answer_pulse(
            person, score=score, actor=Actor(str(person), "employee"), survey_id=sid,
            item_scores={"workload": 4, "growth": 2},
            texts={"say": "I love this team, great support"},
        )  # fmt: skip
    for person in small.reports:
        services.app.answer_pulse(person, score=0, actor=Actor(str(person), "employee"),
                                  survey_id=sid, item_scores={"workload": 1})  # fmt: skip
    caught_up(services)
    row = services.pulse.survey(survey)
    assert row is not None
    by_team = {g.key: g for g in services.pulse.results(row, "team", date(2020, 1, 1), k=5)}
    data = by_team[str(big.manager)]
    assert (data.respondents, data.enps) == (5, 100 * (3 - 1) / 5)
    items = {i.item_key: i for i in data.items}
    assert items["workload"].mean_score == 4.0 and items["growth"].mean_score == 2.0
    assert items["say"].mean_sentiment is not None and items["say"].mean_sentiment > 0
    sales = by_team[str(small.manager)]
    assert sales.suppressed and sales.enps is None and sales.respondents is None
    # The survey's answers are eNPS answers too: the company KPI counts them.
    company = services.pulse.results(row, "company", date(2020, 1, 1), k=5)[0]
    assert company.respondents == 7


RESULTS = """query($s: ID!) { pulseResults(surveyId: $s, groupBy: DEPARTMENT) { __typename
  ... on PulseResults { groups { key respondents suppressed enps items { itemKey meanScore } } }
  ... on UserError { field } } }"""
ANSWER = """mutation($e: ID!, $s: ID, $a: [PulseItemAnswerInput!]) { answerPulse(input:
  {employeeId: $e, score: 9, surveyId: $s, answers: $a}) { __typename
  ... on UserError { field message } } }"""


async def test_the_api_defines_answers_and_reports_a_survey(
    gql: GraphQLClient, services: Services
) -> None:
    team = Team(services.app, size=5)
    defined = await gql.acting_as("hr").data(
        """mutation { definePulseSurvey(input: {title: "Pulse", cadence: MONTHLY, items: [
        {key: "workload", text: "Workload ok"}, {key: "say", text: "More?", kind: TEXT}]})
        { __typename ... on PulseSurveyPayload { surveyId } } }"""
    )
    survey = defined["definePulseSurvey"]["surveyId"]
    for person in team.reports:
        me = gql.as_employee(person)
        answered = await me.data(ANSWER, e=str(person), s=survey,
                                 a=[{"itemKey": "workload", "score": 5},
                                    {"itemKey": "say", "text": "fine"}])  # fmt: skip
        assert answered["answerPulse"]["__typename"] == "EmployeePayload"
    both = await gql.as_employee(team.manager).data(
        ANSWER, e=str(team.manager), s=survey, a=[{"itemKey": "workload", "score": 5,
                                                    "text": "x"}])  # fmt: skip
    assert both["answerPulse"]["field"] == "answers"
    caught_up(services)
    found = (await gql.acting_as("works_council").data(RESULTS, s=survey))["pulseResults"]
    assert found["groups"] == [{"key": "Data", "respondents": 5, "suppressed": False,
                                "enps": 100.0, "items": [
                                    {"itemKey": "workload", "meanScore": 5.0},
                                    {"itemKey": "say", "meanScore": None}]}]  # fmt: skip
    denied = await gql.as_employee(team.manager)(RESULTS, s=survey)
    assert denied.get("data") is None


def test_free_text_answers_are_sealed_and_their_sentiment_goes_on_erasure(
    services: Services,
) -> None:
    team = Team(services.app, size=1)
    sid = UUID(_survey(services))
    ada = team.reports[0]
    me = Actor(str(ada), "employee")
    services.app.answer_pulse(ada, score=9, actor=me, survey_id=sid,
                              texts={"say": "wonderful colleagues"})  # fmt: skip
    caught_up(services)
    with services.gateway.transaction(write=False) as tx:
        before = tx.rows("SELECT sentiment FROM {pulse_items} WHERE employee_id = %s", (str(ada),))
    assert before[0]["sentiment"] is not None
    services.app.request_erasure(ada, actor=me)
    caught_up(services)
    with services.gateway.transaction(write=False) as tx:
        after = tx.rows("SELECT sentiment FROM {pulse_items} WHERE employee_id = %s", (str(ada),))
    assert after[0]["sentiment"] is None
    stored = [e for e in services.app.events.get(ada) if type(e).__name__ == "PulseSurveyAnswered"]
    assert stored and stored[0].texts == {}


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("da", "Flere konkrete eksempler fra hverdagen ville have været godt"),
        ("nb", "Det hadde vært fint med flere praktiske eksempler"),
    ],
)
def test_pulse_comments_are_scored_in_the_writer_s_language_as_module_feedback_is(
    services: Services, language: str, text: str
) -> None:
    from app.kpis.sentiment import SentimentScorer

    team = Team(services.app, size=1)
    sid = UUID(_survey(services))
    ada = team.reports[0]
    me = Actor(str(ada), "employee")
    services.app.update_profile(ada, media_types=[], weekly_minutes=60, goals=[],
                                language=language, actor=me)  # fmt: skip
    services.app.answer_pulse(ada, score=8, actor=me, survey_id=sid, texts={"say": text})
    caught_up(services)
    with services.gateway.transaction(write=False) as tx:
        stored = tx.scalar(
            "SELECT sentiment FROM {pulse_items} WHERE employee_id = %s AND item_key = 'say'",
            (str(ada),),
        )
    # A critique phrased as a wish reads negative, with the analyser module feedback uses.
    assert stored is not None and float(stored) < 0
    assert float(stored) == SentimentScorer().score(text, language)
