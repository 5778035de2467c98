"""HR-AI champions: opt-in as an event, the article's criteria matrix fed by self-assessment,
manager input and observed learning activity, classification with the reason per criterion,
candidates per department, coverage against the target ratio, time shares and the
programme's ROI on the article's lines."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from app.aggregates import Actor, Conflict, ValidationFailed
from app.aggregates.champion import years_rating
from app.bootstrap import Services
from app.people.champions import Observed, classify
from tests.conftest import GraphQLClient
from tests.domain_support import HR, content
from tests.people_support import Team


def caught_up(services: Services) -> None:
    assert services.read_models_reach(services.app.last_position(), timeout=20)


def me(person: UUID) -> Actor:
    return Actor(str(person), "employee")


def _join(services: Services, person: UUID) -> None:
    services.app.opt_in_as_champion(person, actor=me(person))


def test_hr_expertise_follows_the_article_years_five_or_more_strong_three_to_five_medium() -> None:
    assert [years_rating(y) for y in (0, 2, 3, 4, 5, 12)] == [
        "weak", "weak", "medium", "medium", "strong", "strong"
    ]  # fmt: skip


def test_manager_input_comes_before_the_self_assessment_and_every_criterion_has_a_reason() -> None:
    found = classify(
        "e1", "HR", 6,
        {"technology_interest": "strong", "communication": "strong",
         "willingness_to_change": "weak"},
        {"communication": "medium"}, Observed(), None,
    )  # fmt: skip
    by = {c.criterion: c for c in found.criteria}
    assert (by["hr_expertise"].rating, by["hr_expertise"].source) == ("strong", "years")
    assert "6 years of experience" in by["hr_expertise"].reason
    assert (by["communication"].rating, by["communication"].source) == ("medium", "manager")
    assert "explains concepts understandably" in by["communication"].reason
    assert (by["technology_interest"].rating, by["technology_interest"].source) == (
        "strong", "self"
    )  # fmt: skip
    assert by["willingness_to_change"].rating == "weak"
    assert (found.rating, found.points) == ("medium", 5)
    assert all(c.reason for c in found.criteria)


def test_the_years_cap_hr_expertise_but_a_rating_may_lower_it() -> None:
    raised = classify("e", "HR", 2, {"hr_expertise": "strong"}, {}, Observed(), None)
    assert raised.criteria[0].rating == "weak" and "the years decide" in raised.criteria[0].reason
    lowered = classify("e", "HR", 9, {}, {"hr_expertise": "medium"}, Observed(), None)
    assert (lowered.criteria[0].rating, lowered.criteria[0].source) == ("medium", "manager")


def test_observed_learning_activity_raises_technology_interest_and_willingness_to_change() -> None:
    seen = Observed(ai_modules_completed=3, ai_observed_level=2, self_started_recent=1)
    found = classify("e", "HR", 5, {"technology_interest": "weak"}, {"communication": "strong"},
                     seen, ("2026-01", 20))  # fmt: skip
    by = {c.criterion: c for c in found.criteria}
    assert (by["technology_interest"].rating, by["technology_interest"].source) == (
        "strong", "observed"
    )  # fmt: skip
    assert "3 AI modules completed" in by["technology_interest"].reason
    assert (by["willingness_to_change"].rating, by["willingness_to_change"].source) == (
        "medium", "observed"
    )  # fmt: skip
    assert (found.rating, found.points) == ("strong", 7)
    assert not found.below_recommended_time


def test_nothing_rated_and_nothing_observed_is_weak_with_no_evidence_as_the_reason() -> None:
    found = classify("e", "HR", 1, {}, {}, Observed(), ("2026-02", 10))
    assert found.rating == "weak" and found.points == 0
    assert found.criteria[1].source == "none" and "no self-assessment" in found.criteria[1].reason
    assert found.below_recommended_time


def test_classification_without_opt_in_is_a_typed_error_and_nothing_is_recorded(
    services: Services,
) -> None:
    team = Team(services.app, size=1, department="HR")
    person = team.reports[0]
    with pytest.raises(Conflict) as refused:
        services.app.give_champion_input(
            person, source="self", ratings={"communication": "strong"}, actor=me(person)
        )
    assert refused.value.field == "employeeId"
    with pytest.raises(Conflict):
        services.app.record_champion_time(person, month=date(2025, 1, 1), share_percent=20,
                                          actor=HR)  # fmt: skip
    caught_up(services)
    with pytest.raises(Conflict, match="not opted into the AI champion programme"):
        services.champions.classification(str(person))
    _join(services, person)
    services.app.opt_out_as_champion(person, actor=me(person))
    caught_up(services)
    with pytest.raises(Conflict):
        services.champions.classification(str(person))


def test_inputs_are_checked_by_source_criterion_and_rating(services: Services) -> None:
    team = Team(services.app, size=2, department="HR")
    person, colleague = team.reports
    _join(services, person)
    with pytest.raises(ValidationFailed) as unknown:
        services.app.give_champion_input(person, source="self", ratings={"charm": "strong"},
                                         actor=me(person))  # fmt: skip
    assert unknown.value.field == "ratings"
    with pytest.raises(ValidationFailed) as rating:
        services.app.give_champion_input(
            person, source="self", ratings={"communication": "great"}, actor=me(person)
        )
    assert rating.value.field == "communication"
    with pytest.raises(ValidationFailed):
        services.app.give_champion_input(person, source="self", ratings={}, actor=me(person))
    with pytest.raises(ValidationFailed):  # a self-assessment by someone else
        services.app.give_champion_input(
            person, source="self", ratings={"communication": "strong"}, actor=me(colleague)
        )
    with pytest.raises(ValidationFailed):  # manager input about oneself
        services.app.give_champion_input(
            person, source="manager", ratings={"communication": "strong"}, actor=me(person)
        )
    with pytest.raises(ValidationFailed) as share:
        services.app.record_champion_time(person, month=date(2025, 1, 1), share_percent=120,
                                          actor=HR)  # fmt: skip
    assert share.value.field == "sharePercent"
    with pytest.raises(ValidationFailed) as future:
        services.app.record_champion_time(person, month=date(2099, 1, 1), share_percent=20,
                                          actor=HR)  # fmt: skip
    assert future.value.field == "month"
    with pytest.raises(Conflict):
        _join(services, person)  # already in


def _ai_module(services: Services) -> UUID:
    return services.app.publish_module(
        content(title="Prompting for HR", skills={"advanced prompting": 3}, topics=["ai"]),
        actor=HR,
    ).id


def test_candidates_of_a_department_are_classified_from_all_three_sources_strongest_first(
    services: Services,
) -> None:
    team = Team(services.app, size=3, department="HR")
    strong = team.hire(team.analyst, team.manager, years=8)
    weak, silent, outsider = team.reports
    for person in (strong, weak):
        _join(services, person)
    services.app.give_champion_input(
        strong, source="self",
        ratings={"communication": "strong", "willingness_to_change": "strong"}, actor=me(strong),
    )  # fmt: skip
    services.app.give_champion_input(
        strong, source="manager", ratings={"technology_interest": "medium"},
        actor=Actor(str(team.manager), "manager"),
    )  # fmt: skip
    module = _ai_module(services)
    for n in range(3):
        other = services.app.publish_module(
            content(title=f"AI tools {n}", skills={"ai principles": 2}, topics=["ai"]), actor=HR
        ).id
        enrolment = services.app.enroll(employee_id=strong, module_id=other, source="self",
                                        recommendation_id=None, actor=me(strong)).id  # fmt: skip
        services.app.complete_enrollment(enrolment, actor=me(strong))
    services.app.enroll(employee_id=weak, module_id=module, source="assigned",
                        recommendation_id=None, actor=HR)  # fmt: skip
    services.app.record_champion_time(strong, month=date(2025, 3, 9), share_percent=20, actor=HR)
    caught_up(services)
    found = services.champions.candidates("HR")
    assert [c.employee_id for c in found] == [str(strong), str(weak)]
    top = found[0]
    assert top.rating == "strong" and top.time_share_month == "2025-03"
    by = {c.criterion: c for c in top.criteria}
    assert by["technology_interest"].source == "observed"  # three AI modules beat "medium"
    assert by["willingness_to_change"].source == "self"
    assert found[1].rating == "weak"
    assert str(silent) not in {c.employee_id for c in found}  # never opted in
    assert str(outsider) not in {c.employee_id for c in found}
    with pytest.raises(Exception, match="department"):
        services.champions.candidates("Nowhere")


def test_coverage_counts_strong_and_medium_champions_against_one_per_hundred_by_default(
    services: Services,
) -> None:
    team = Team(services.app, size=5, department="HR")
    small = Team(services.app, size=1, department="Legal")
    assert services.champions.employees_per_champion == 100
    assert [services.champions.target(n) for n in (50, 100, 101, 150)] == [1, 1, 2, 2]
    first, second = team.reports[:2]
    for person in (first, second):
        _join(services, person)
    services.app.give_champion_input(
        first, source="manager",
        ratings={"technology_interest": "strong", "communication": "strong",
                 "willingness_to_change": "medium"},
        actor=HR,
    )  # fmt: skip
    _join(services, small.reports[0])
    caught_up(services)
    by = {d.department: d for d in services.champions.coverage()}
    hr = by["HR"]
    assert (hr.employees, hr.opted_in, hr.champions, hr.target, hr.met) == (6, 2, 1, 1, True)
    assert by["Legal"].suppressed and by["Legal"].champions is None  # 2 people: below k = 5


def test_roi_uses_the_article_lines_and_costs_time_shares_at_a_full_position(
    services: Services,
) -> None:
    team = Team(services.app, size=1, department="HR")
    champion = team.reports[0]
    _join(services, champion)
    for month in (1, 2):
        services.app.record_champion_time(champion, month=date(2025, month, 1),
                                          share_percent=20, actor=HR)  # fmt: skip
    app = services.app
    programme = app.define_programme(name="HR-AI champions", department="HR", actor=HR).id
    for category, amount in (("training", 800.0), ("licences", 1200.0), ("content", 99.0)):
        app.record_programme_cost_line(
            programme, category=category, amount=amount, incurred_on=date(2025, 1, 15),
            description="", actor=HR,
        )  # fmt: skip
    for category, amount in (("shorter_implementation", 4500.0), ("avoided_consultants", 2500.0),
                             ("hr_process_efficiency", 6000.0)):  # fmt: skip
        app.record_programme_benefit(
            programme, category=category, amount=amount, realised_on=date(2025, 2, 28),
            description="", actor=HR,
        )  # fmt: skip
    caught_up(services)
    roi = services.champions.roi(str(programme), date(2025, 1, 1), date(2025, 12, 31))
    lines = {x.category: x for x in roi.lines}
    assert [x.category for x in roi.lines] == [
        "champion_time", "training", "licences",
        "shorter_implementation", "avoided_consultants", "hr_process_efficiency",
    ]  # fmt: skip
    # Two months at 20 % of 75,000 a year: 2 x 0.2 x 6,250.
    assert lines["champion_time"].amount == 2500.0 == lines["champion_time"].from_time_shares
    assert (roi.total_cost, roi.total_benefit) == (4500.0, 13000.0)
    assert roi.roi_percent == round((13000 - 4500) / 4500 * 100, 1)
    assert roi.article_roi_percent == 271.4  # 130,000 against 35,000
    assert lines["licences"].article_annual == 12000.0
    assert roi.not_on_these_lines == 99.0
    with pytest.raises(ValidationFailed):
        services.champions.roi(str(programme), date(2025, 2, 1), date(2025, 1, 1))


CLASSIFY = """query($e: ID!) { championClassification(employeeId: $e) {
  __typename ... on ChampionClassification {
    rating points criteria { criterion rating source reason } }
  ... on Conflict { field message } } }"""
JOIN = """mutation($e: ID!) { optInAsChampion(input: {employeeId: $e}) {
  __typename ... on EmployeePayload { employeeId } } }"""
RATE = """mutation($e: ID!) { giveChampionInput(input: {employeeId: $e, source: MANAGER,
  communication: STRONG}) { __typename ... on ValidationError { field } } }"""
CANDIDATES = """query($d: String!) { aiChampionCandidates(department: $d) {
  __typename ... on AiChampionCandidates { candidates { employeeId rating } }
  ... on NotFound { field } } }"""


async def test_the_api_joins_classifies_and_lists_champions_and_only_the_person_joins(
    gql: GraphQLClient, services: Services
) -> None:
    team = Team(services.app, size=2, department="HR")
    person, other = team.reports
    caught_up(services)
    before = await gql.data(CLASSIFY, e=str(person))
    assert before["championClassification"]["__typename"] == "Conflict"
    refused = await gql.acting_as("hr")(JOIN, e=str(person))
    assert refused["data"]["optInAsChampion"] == {"__typename": "NotAllowed"}
    joined = await gql.as_employee(person).data(JOIN, e=str(person))
    assert joined["optInAsChampion"]["employeeId"] == str(person)
    manager = gql.acting_as("manager", str(team.manager))
    assert (await manager.data(RATE, e=str(person)))["giveChampionInput"]["__typename"] == (
        "EmployeePayload"
    )
    caught_up(services)
    found = await gql.acting_as("hr").data(CLASSIFY, e=str(person))
    criteria = found["championClassification"]["criteria"]
    assert [c["criterion"] for c in criteria] == [
        "hr_expertise", "technology_interest", "communication", "willingness_to_change"
    ]  # fmt: skip
    assert criteria[2] == {
        "criterion": "communication", "rating": "STRONG", "source": "MANAGER",
        "reason": "rated strong by the manager assessment: presents to leadership regularly",
    }  # fmt: skip
    listed = await gql.acting_as("hr").data(CANDIDATES, d="HR")
    assert [c["employeeId"] for c in listed["aiChampionCandidates"]["candidates"]] == [str(person)]
    unknown = await gql.acting_as("hr").data(CANDIDATES, d="Nowhere")
    assert unknown["aiChampionCandidates"] == {"__typename": "NotFound", "field": "department"}
    stranger = await gql.as_employee(other)(CANDIDATES, d="HR")
    assert stranger["errors"][0]["extensions"]["code"] == "FORBIDDEN"
