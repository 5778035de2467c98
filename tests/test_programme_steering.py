"""Programme steering over GraphQL: phases in order with KPI targets that have a time frame,
a diverse pilot cohort of consenting people, the pilot against the rest with bootstrap
intervals, phase status per criterion, gate decisions, and targets beside KPI history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.bootstrap import Services
from tests.conftest import GraphQLClient
from tests.kpi_support import LEARNER, Company, today

PHASE = """mutation($input: DefineProgrammePhaseInput!) { defineProgrammePhase(input: $input) {
  __typename ... on ProgrammePayload { position } ... on UserError { field message } } }"""
COHORT = """mutation($input: ConfirmPilotCohortInput!) { confirmPilotCohort(input: $input) {
  __typename ... on ProgrammePayload { position } ... on UserError { field message } } }"""
GATE = """mutation($input: DecidePhaseGateInput!) { decidePhaseGate(input: $input) {
  __typename ... on ProgrammePayload { position } ... on UserError { field message } } }"""
PROGRAMMES = """query($at: Int) { programmes(consistentWith: $at) { id name currentPhase
  cohortSize phases { kind open successCriteria { kpi kind value withinMonths description }
  decisions { decision reason } } } }"""


async def define_programme(gql: GraphQLClient) -> str:
    body = await gql.data('mutation { defineProgramme(input: {name: "Personalised learning"})'
                          " { ... on ProgrammePayload { programmeId } } }")  # fmt: skip
    return str(body["defineProgramme"]["programmeId"])


def pilot(programme: str, **extra: Any) -> dict[str, Any]:
    start = today() - timedelta(days=40)
    return {
        "programmeId": programme, "kind": "PILOT",
        "startsOn": start.isoformat(), "endsOn": (start + timedelta(days=180)).isoformat(),
        "successCriteria": [
            {"kpi": "COMPLETION_RATE", "kind": "AT_LEAST", "value": 0.8, "withinMonths": 6},
            {"kpi": "ENPS", "kind": "CHANGE_BY", "value": 20, "withinMonths": 12},
        ],
        "exitCriteria": ["completion below 0.5 after three months"], **extra,
    }  # fmt: skip


def consent_all(services: Services, company: Company, leave_out: int = 0) -> list[str]:
    everyone = company.people["Engineering"] + company.people["Sales"]
    for person in everyone[: len(everyone) - leave_out]:
        services.app.grant_consent(
            person, purpose="personalisation", policy_version="v1", actor=LEARNER
        )
    return [str(p) for p in everyone]


async def test_phases_come_in_order_and_each_target_needs_a_time_frame(
    gql: GraphQLClient, services: Services
) -> None:
    Company(services.app)
    programme = await define_programme(gql)
    out_of_order = await gql.data(PHASE, input=pilot(programme, kind="SCALE"))
    assert out_of_order["defineProgrammePhase"]["field"] == "kind"
    timeless = pilot(programme)
    timeless["successCriteria"][1].pop("withinMonths")
    refused = await gql.data(PHASE, input=timeless)
    assert refused["defineProgrammePhase"]["field"] == "successCriteria[1].withinMonths"
    found = (await gql.data(PROGRAMMES, at=services.app.last_position()))["programmes"][0]
    assert found["phases"] == []  # nothing half-written
    assert (await gql.data(PHASE, input=pilot(programme)))["defineProgrammePhase"]["position"]
    early = pilot(programme, kind="EXTENSION", startsOn=today().isoformat())
    assert (await gql.data(PHASE, input=early))["defineProgrammePhase"]["field"] == "startsOn"
    found = (await gql.data(PROGRAMMES, at=services.app.last_position()))["programmes"][0]
    assert found["currentPhase"] == "PILOT"
    assert found["phases"][0]["successCriteria"][1]["description"] == ("enps +20 within 12 months")


async def test_a_suggested_cohort_is_diverse_and_only_of_people_who_consented(
    gql: GraphQLClient, services: Services
) -> None:
    company = Company(services.app)
    consented = set(consent_all(services, company, leave_out=2)[:-2])
    programme = await define_programme(gql)
    await gql.data(PHASE, input=pilot(programme))
    query = """query($p: ID!, $size: Int!, $at: Int) { suggestPilotCohort(programmeId: $p,
      size: $size, consistentWith: $at) { employeeId department experienceBand reason } }"""
    at = services.app.last_position()
    every = (await gql.data(query, p=programme, size=12, at=at))["suggestPilotCohort"]
    assert {p["employeeId"] for p in every} == consented
    picks = (await gql.data(query, p=programme, size=6))["suggestPilotCohort"]
    assert len(picks) == 6
    assert {p["department"] for p in picks[:2]} == {"Engineering", "Sales"}
    assert "first in the cohort" in picks[0]["reason"]
    too_small = await gql(query, p=programme, size=3)
    assert too_small["errors"][0]["extensions"]["field"] == "size"


async def test_a_cohort_smaller_than_k_or_without_consent_is_refused(
    gql: GraphQLClient, services: Services
) -> None:
    company = Company(services.app)
    ids = consent_all(services, company)
    programme = await define_programme(gql)
    await gql.data(PHASE, input=pilot(programme))
    small = await gql.data(COHORT, input={"programmeId": programme, "employeeIds": ids[:3]})
    assert small["confirmPilotCohort"]["field"] == "employeeIds"
    outsider = company.hire("Sales", None, hired=10)
    with_outsider = [*ids[:5], str(outsider)]
    refused = await gql.data(COHORT, input={"programmeId": programme, "employeeIds": with_outsider})
    assert refused["confirmPilotCohort"]["field"] == "employeeIds[5]"
    found = (await gql.data(PROGRAMMES, at=services.app.last_position()))["programmes"][0]
    assert found["cohortSize"] == 0


COMPARE = """query($p: ID!, $against: ComparisonGroup!) { pilotComparison(programmeId: $p,
  against: $against, kpis: [COMPLETION_RATE, ADOPTION], consistentWith: null) {
  cohortSize comparisonSize minGroupSize
  kpis { kpi cohort { value low high people } comparison { value people }
         difference { value low high } } } }"""


async def test_the_pilot_completes_more_than_the_rest_with_an_interval(
    gql: GraphQLClient, services: Services
) -> None:
    company = Company(services.app)
    ids = consent_all(services, company)
    cohort = company.people["Engineering"]
    rest = company.people["Sales"]
    for person in cohort:
        company.complete(company.enroll(person, 10), 5)
    for person in rest:
        enrolment = company.enroll(person, 10)
        if person == rest[0]:
            company.complete(enrolment, 5)
    programme = await define_programme(gql)
    await gql.data(PHASE, input=pilot(programme))
    confirmed = await gql.data(COHORT, input={
        "programmeId": programme, "employeeIds": [str(p) for p in cohort]})  # fmt: skip
    assert confirmed["confirmPilotCohort"]["__typename"] == "ProgrammePayload"
    assert services.read_models_reach(services.app.last_position(), timeout=20)
    found = (await gql.data(COMPARE, p=programme, against="REST"))["pilotComparison"]
    assert (found["cohortSize"], found["comparisonSize"]) == (6, 6)
    completion = next(k for k in found["kpis"] if k["kpi"] == "COMPLETION_RATE")
    assert completion["cohort"]["value"] == 1.0
    assert abs(completion["comparison"]["value"] - 1 / 6) < 1e-3
    low, high = completion["difference"]["low"], completion["difference"]["high"]
    assert low <= completion["difference"]["value"] <= high and low > 0
    matched = await gql(COMPARE, p=programme, against="MATCHED")
    assert matched["data"]["pilotComparison"]["comparisonSize"] == 6
    assert ids


async def test_a_comparison_group_smaller_than_k_is_a_coded_error(
    gql: GraphQLClient, services: Services
) -> None:
    company = Company(services.app, size=5)
    consent_all(services, company)
    programme = await define_programme(gql)
    await gql.data(PHASE, input=pilot(programme))
    members = company.people["Engineering"] + company.people["Sales"][:2]
    ids = [str(p) for p in members]
    await gql.data(COHORT, input={"programmeId": programme, "employeeIds": ids})
    assert services.read_models_reach(services.app.last_position(), timeout=20)
    body = await gql(COMPARE, p=programme, against="REST")
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "against"}


STATUS = """query($p: ID!) { programmePhaseStatus(programmeId: $p) { allMet
  phase { kind } criteria { criterion { kpi } status deadline measured targetValue people
  explanation } } }"""


async def test_phase_status_judges_each_criterion_and_hr_decides_the_gate(
    gql: GraphQLClient, services: Services
) -> None:
    company = Company(services.app)
    consent_all(services, company)
    cohort = company.people["Engineering"]
    for person in cohort:
        company.complete(company.enroll(person, 10), 5)
    programme = await define_programme(gql)
    await gql.data(PHASE, input=pilot(programme))
    await gql.data(COHORT, input={"programmeId": programme,
                                  "employeeIds": [str(p) for p in cohort]})  # fmt: skip
    assert services.read_models_reach(services.app.last_position(), timeout=20)
    status = (await gql.data(STATUS, p=programme))["programmePhaseStatus"]
    by_kpi = {c["criterion"]["kpi"]: c for c in status["criteria"]}
    assert by_kpi["COMPLETION_RATE"]["status"] == "MET"
    assert by_kpi["COMPLETION_RATE"]["measured"] == 1.0 and by_kpi["COMPLETION_RATE"]["people"] == 6
    assert by_kpi["ENPS"]["status"] == "TOO_EARLY"
    assert status["allMet"] is False
    history = await gql.data("""{ kpiHistory(kpis: [COMPLETION_RATE]) { series {
      target { phase description targetValue deadline } } } }""")
    target = history["kpiHistory"]["series"][0]["target"]
    assert target["description"] == "completion_rate at least 0.8 within 6 months"
    assert target["targetValue"] == 0.8
    wrong = await gql.data(GATE, input={"programmeId": programme, "phase": "SCALE",
                                        "decision": "ADVANCE", "reason": "good",
                                        "decidedOn": today().isoformat()})  # fmt: skip
    assert wrong["decidePhaseGate"]["field"] == "phase"
    decided = await gql.data(GATE, input={"programmeId": programme, "phase": "PILOT",
                                          "decision": "ADVANCE", "reason": "completion met",
                                          "decidedOn": today().isoformat()})  # fmt: skip
    assert decided["decidePhaseGate"]["__typename"] == "ProgrammePayload"
    found = (await gql.data(PROGRAMMES, at=services.app.last_position()))["programmes"][0]
    assert found["currentPhase"] is None
    assert found["phases"][0]["decisions"] == [{"decision": "ADVANCE", "reason": "completion met"}]
