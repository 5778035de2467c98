"""Programme ROI over GraphQL: cost and benefit lines as the steering model names them,
time saved per employee per day turned into money, cumulative ROI month by month."""

from __future__ import annotations

from datetime import timedelta

from app.bootstrap import Services
from tests.conftest import GraphQLClient
from tests.kpi_support import today

COST = """mutation($input: RecordProgrammeCostLineInput!) { recordProgrammeCostLine(input: $input)
  { __typename ... on ProgrammePayload { position } ... on UserError { field } } }"""
BENEFIT = """mutation($input: RecordProgrammeBenefitInput!) {
  recordProgrammeBenefit(input: $input)
  { __typename ... on ProgrammePayload { position } ... on UserError { field } } }"""
ROI = """query($p: ID!, $at: Int) { programmeRoi(programmeId: $p, consistentWith: $at) {
  totalCost totalBenefit roiPercent breakEven lines { kind category amount }
  points { period cost benefit cumulativeCost cumulativeBenefit roiPercent } } }"""


async def test_roi_over_time_adds_up_the_lines_and_breaks_even(
    gql: GraphQLClient, services: Services
) -> None:
    body = await gql.data('mutation { defineProgramme(input: {name: "Recommendations"})'
                          " { ... on ProgrammePayload { programmeId } } }")  # fmt: skip
    programme = body["defineProgramme"]["programmeId"]
    earlier = (today().replace(day=1) - timedelta(days=40)).isoformat()
    for category, amount in (("LICENCES", 3000.0), ("CHAMPION_TIME", 1000.0)):
        done = await gql.data(COST, input={"programmeId": programme, "category": category,
                                           "amount": amount, "incurredOn": earlier})  # fmt: skip
        assert done["recordProgrammeCostLine"]["__typename"] == "ProgrammePayload"
    # 100 people saving 30 minutes a day over 20 days at 50 an hour: 50,000.
    saved = await gql.data(BENEFIT, input={
        "programmeId": programme, "category": "TIME_SAVED", "realisedOn": today().isoformat(),
        "minutesPerEmployeePerDay": 30, "employees": 100, "workingDays": 20,
        "hourlyValue": 50})  # fmt: skip
    assert saved["recordProgrammeBenefit"]["__typename"] == "ProgrammePayload"
    found = (await gql.data(ROI, p=programme, at=services.app.last_position()))["programmeRoi"]
    assert (found["totalCost"], found["totalBenefit"]) == (4000.0, 50000.0)
    assert found["roiPercent"] == 1150.0
    assert {"kind": "cost", "category": "champion_time", "amount": 1000.0} in found["lines"]
    last, before = found["points"][-1], found["points"][-3]
    assert before["cost"] == 4000.0 and before["roiPercent"] == -100.0
    assert last["cumulativeBenefit"] == 50000.0 and last["roiPercent"] == 1150.0
    assert found["breakEven"] == today().isoformat()[:7]


async def test_a_time_saved_benefit_without_its_basis_is_refused_naming_the_field(
    gql: GraphQLClient,
) -> None:
    body = await gql.data('mutation { defineProgramme(input: {name: "Recommendations"})'
                          " { ... on ProgrammePayload { programmeId } } }")  # fmt: skip
    programme = body["defineProgramme"]["programmeId"]
    refused = await gql.data(BENEFIT, input={
        "programmeId": programme, "category": "TIME_SAVED", "realisedOn": today().isoformat(),
        "minutesPerEmployeePerDay": 30})  # fmt: skip
    assert refused["recordProgrammeBenefit"]["field"] == "employees"
    negative = await gql.data(COST, input={"programmeId": programme, "category": "LICENCES",
                                           "amount": -5, "incurredOn": "2024-01-01"})  # fmt: skip
    assert negative["recordProgrammeCostLine"]["field"] == "amount"
