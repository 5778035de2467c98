"""KPI queries and ROI inputs over GraphQL: reports with positions and labels, coded errors for
bad windows, typed results for programme mutations."""

from __future__ import annotations

from typing import Any

from app.bootstrap import Services
from tests.conftest import GraphQLClient
from tests.kpi_support import LEARNER, Company, days_ago

REPORT = """query($at: Int, $window: KpiWindowInput, $by: KpiGrouping!) {
  kpis(window: $window, groupBy: $by, consistentWith: $at) {
    position minGroupSize window { label from to }
    groups { key label size suppressed figures { enps { value people } roiPercent { value } } }
  }
}"""


async def test_kpis_by_department_are_labelled_and_carry_their_position(
    gql: GraphQLClient, services: Services
) -> None:
    company = Company(services.app)
    for person in company.people["Sales"]:
        services.app.answer_pulse(person, score=10, actor=LEARNER, occurred_at=days_ago(3))
    head = services.app.last_position()
    found = (await gql.data(REPORT, at=head, by="DEPARTMENT"))["kpis"]
    assert found["position"] >= head and found["minGroupSize"] == 5
    assert found["window"]["label"] == "last 30 days"
    by_key = {g["key"]: g for g in found["groups"]}
    assert by_key["Sales"]["label"] == "Sales" and by_key["Sales"]["size"] == 6
    assert by_key["Sales"]["figures"]["enps"] == {"value": 100.0, "people": 6}
    assert by_key["Engineering"]["figures"]["enps"] == {"value": None, "people": 0}


async def test_team_groups_are_labelled_by_the_teams_id_never_by_a_persons_name(
    gql: GraphQLClient, services: Services
) -> None:
    company = Company(services.app)
    head = services.app.last_position()
    found = (await gql.data(REPORT, at=head, by="TEAM"))["kpis"]
    managers = {str(people[0]) for people in company.people.values()}

    labels = {g["key"]: g["label"] for g in found["groups"]}
    assert set(labels) == managers
    assert all(label == f"Team {key[:8]}" for key, label in labels.items())
    assert not [label for label in labels.values() if "Person" in label]


async def test_a_bad_window_is_a_coded_error_naming_the_field(gql: GraphQLClient) -> None:
    body = await gql(REPORT, by="COMPANY", window={"kind": "CUSTOM", "from": "2026-02-01"})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "window.to"}


async def test_programme_inputs_make_the_roi_of_the_window(
    gql: GraphQLClient, services: Services
) -> None:
    Company(services.app)
    defined = (await gql.data(
        'mutation { defineProgramme(input: {name: "Onboarding academy"}) {'
        " ... on ProgrammePayload { programmeId } } }"
    ))["defineProgramme"]  # fmt: skip
    programme = defined["programmeId"]
    today = days_ago(0).date().isoformat()
    await gql.data(
        "mutation($p: ID!, $d: Date!) { recordProgrammeCost(input: {programmeId: $p, amount: 2000,"
        " incurredOn: $d}) { ... on ProgrammePayload { position } } }", p=programme, d=today,
    )  # fmt: skip
    saved: dict[str, Any] = await gql.data(
        "mutation($p: ID!, $d: Date!) { estimateTimeSaved(input: {programmeId: $p, hours: 40,"
        " hourlyValue: 75, estimatedFor: $d}) { ... on ProgrammePayload { position } } }",
        p=programme, d=today,
    )  # fmt: skip
    at = saved["estimateTimeSaved"]["position"]
    company = (await gql.data(REPORT, at=at, by="COMPANY"))["kpis"]["groups"][0]
    assert company["figures"]["roiPercent"] == {"value": 50.0}


async def test_bad_programme_inputs_are_typed_errors(gql: GraphQLClient) -> None:
    wrong = await gql.data(
        "mutation($p: ID!) { recordProgrammeCost(input: {programmeId: $p, amount: 10,"
        ' incurredOn: "2026-01-01"}) { __typename ... on NotFound { field } } }',
        p="00000000-0000-0000-0000-0000000000aa",
    )
    assert wrong["recordProgrammeCost"] == {"__typename": "NotFound", "field": "programmeId"}
    defined = await gql.data(
        'mutation { defineProgramme(input: {name: "Leadership"}) {'
        " ... on ProgrammePayload { programmeId } } }"
    )
    negative = await gql.data(
        "mutation($p: ID!) { recordProgrammeCost(input: {programmeId: $p, amount: -5,"
        ' incurredOn: "2026-01-01"}) { __typename ... on ValidationError { field } } }',
        p=defined["defineProgramme"]["programmeId"],
    )
    assert negative["recordProgrammeCost"] == {"__typename": "ValidationError", "field": "amount"}


async def test_unknown_module_has_no_insights_and_nothing_needs_revision(
    gql: GraphQLClient,
) -> None:
    found = await gql.data(
        '{ moduleInsights(moduleId: "00000000-0000-0000-0000-000000000001") { title }'
        " modulesNeedingRevision { moduleId } }"
    )
    assert found == {"moduleInsights": None, "modulesNeedingRevision": []}
