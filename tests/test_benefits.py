"""Benefits by life phase: only with the benefits consent is a life phase stored (sealed,
gone on erasure, dropped from the read model on withdrawal); suggestions come with reasons
and only for the person; uptake of suggested benefits is a KPI under the k rule."""

from __future__ import annotations

from uuid import UUID

import pytest

from app.aggregates import Actor, Conflict, ValidationFailed
from app.bootstrap import Services
from tests.conftest import GraphQLClient
from tests.domain_support import HR
from tests.people_support import Team


def caught_up(services: Services) -> None:
    assert services.read_models_reach(services.app.last_position(), timeout=20)


def _consent(services: Services, person: UUID) -> Actor:
    me = Actor(str(person), "employee")
    services.app.grant_consent(person, purpose="benefits", policy_version="v1", actor=me)
    return me


def _benefits(services: Services) -> tuple[UUID, UUID]:
    app = services.app
    childcare = app.define_benefit(name="Childcare", description="", phases=["young_family"],
                                   fits=["parent"], actor=HR).id  # fmt: skip
    transit = app.define_benefit(name="Transit pass", description="", phases=[],
                                 fits=["commuter"], actor=HR).id  # fmt: skip
    return childcare, transit


def test_without_the_benefits_consent_no_life_phase_is_stored(services: Services) -> None:
    team = Team(services.app, size=1)
    ada = team.reports[0]
    before = services.app.last_position()
    with pytest.raises(Conflict) as raised:
        services.app.declare_life_phase(ada, phase="young_family", conditions=[],
                                        actor=Actor(str(ada), "employee"))  # fmt: skip
    assert raised.value.field == "employeeId"
    assert services.app.last_position() == before


def test_suggestions_fit_the_life_phase_and_conditions_with_reasons(services: Services) -> None:
    team = Team(services.app, size=1)
    ada = team.reports[0]
    childcare, transit = _benefits(services)
    me = _consent(services, ada)
    services.app.declare_life_phase(ada, phase="young_family", conditions=["commuter"], actor=me)
    caught_up(services)
    found = {s.benefit.id: s.reasons for s in services.benefits.suggestions(str(ada))}
    assert found == {str(childcare): ["fits your life phase (young family)"],
                     str(transit): ["fits: commuter"]}  # fmt: skip
    with pytest.raises(ValidationFailed) as raised:
        services.app.declare_life_phase(ada, phase="midlife", conditions=[], actor=me)
    assert raised.value.field == "lifePhase"


def test_withdrawing_the_consent_drops_the_life_phase_and_erasure_seals_it_away(
    services: Services,
) -> None:
    team = Team(services.app, size=2)
    ada, bea = team.reports
    _benefits(services)
    for person in (ada, bea):
        me = _consent(services, person)
        services.app.declare_life_phase(person, phase="home_buying", conditions=[], actor=me)
    services.app.withdraw_consent(ada, purpose="benefits", actor=Actor(str(ada), "employee"))
    services.app.request_erasure(bea, actor=Actor(str(bea), "employee"))
    caught_up(services)
    with services.gateway.transaction(write=False) as tx:
        rows = {r["employee_id"]: r["life_phase"] for r in tx.rows(
            "SELECT employee_id, life_phase FROM {benefit_profiles}")}  # fmt: skip
    # An erasure withdraws every consent first: no life phase is left in the read model.
    assert rows == {}
    declared = [e for e in services.app.events.get(bea) if type(e).__name__ == "LifePhaseDeclared"]
    assert declared[0].life_phase == "[erased]"


def test_uptake_counts_people_who_took_up_a_benefit_suggested_to_them(
    services: Services,
) -> None:
    team = Team(services.app, size=6)
    childcare, _ = _benefits(services)
    for n, person in enumerate(team.reports):
        me = _consent(services, person)
        services.app.declare_life_phase(person, phase="young_family", conditions=[], actor=me)
        if n < 3:
            services.app.take_up_benefit(person, benefit_id=childcare, actor=me)
    services.app.take_up_benefit(team.manager, benefit_id=childcare, actor=HR)  # not suggested
    caught_up(services)
    uptake = {u.benefit_id: u for u in services.benefits.uptake(k=5)}
    assert (uptake[str(childcare)].suggested_to, uptake[str(childcare)].taken_up) == (6, 3)
    assert uptake[str(childcare)].share == 0.5
    hidden = {u.benefit_id: u for u in services.benefits.uptake(k=7)}
    assert hidden[str(childcare)].suppressed and hidden[str(childcare)].share is None


SUGGEST = """query($e: ID!) { benefitSuggestions(employeeId: $e) { __typename
  ... on BenefitSuggestions { suggestions { benefit { name } reasons } }
  ... on UserError { field message } } }"""


async def test_the_api_suggests_only_with_consent_and_only_to_the_person(
    gql: GraphQLClient, services: Services
) -> None:
    team = Team(services.app, size=1)
    ada = team.reports[0]
    _benefits(services)
    me = gql.as_employee(ada)
    refused = (await me.data(SUGGEST, e=str(ada)))["benefitSuggestions"]
    assert refused["__typename"] == "Conflict" and refused["field"] == "employeeId"
    _consent(services, ada)
    declared = await me.data(
        "mutation($e: ID!) { declareLifePhase(input: {employeeId: $e, lifePhase: YOUNG_FAMILY})"
        " { __typename } }", e=str(ada),
    )  # fmt: skip
    assert declared["declareLifePhase"]["__typename"] == "EmployeePayload"
    caught_up(services)
    found = (await me.data(SUGGEST, e=str(ada)))["benefitSuggestions"]
    assert found["suggestions"] == [
        {"benefit": {"name": "Childcare"}, "reasons": ["fits your life phase (young family)"]}
    ]
    hr = await gql.acting_as("hr")(SUGGEST, e=str(ada))
    assert hr.get("data") is None  # HR never sees an individual's life phase
