"""KPI history over GraphQL: series with the previous period beside the latest point, coded
errors for bad arguments, and the live subscription pushing the new point."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from graphql import ExecutionResult

from app.aggregates import Actor
from app.bootstrap import Services
from app.schema import build_schema
from app.schema.context import Context
from tests.conftest import GraphQLClient
from tests.kpi_support import LEARNER, Company, days_ago, today

HISTORY = """query($at: Int, $from: Date, $to: Date, $by: KpiHistoryGrouping!,
                  $interval: KpiInterval!) {
  kpiHistory(kpis: [ENPS, COMPLETION_RATE], groupBy: $by, interval: $interval, from: $from,
             to: $to, consistentWith: $at) {
    groupBy interval from to minGroupSize
    series { kpi key label change
      current { period figure { value people suppressed } }
      previous { period figure { value } }
      points { period from to groupSize figure { value suppressed } } }
  }
}"""


def pulses(services: Services, company: Company, ago: int, score: int) -> None:
    for person in company.people["Sales"]:
        services.app.answer_pulse(person, score=score, actor=LEARNER, occurred_at=days_ago(ago))


async def test_history_by_day_puts_the_previous_day_beside_the_latest(
    gql: GraphQLClient, services: Services
) -> None:
    company = Company(services.app)
    pulses(services, company, 1, 5)
    pulses(services, company, 0, 10)
    variables: dict[str, Any] = {
        "at": services.app.last_position(), "by": "DEPARTMENT", "interval": "DAY",
        "from": (today() - timedelta(days=6)).isoformat(),
    }  # fmt: skip
    found = (await gql.data(HISTORY, **variables))["kpiHistory"]
    assert found["groupBy"] == "DEPARTMENT" and found["minGroupSize"] == 5
    sales = next(s for s in found["series"] if s["key"] == "Sales" and s["kpi"] == "ENPS")
    assert len(sales["points"]) == 7 and sales["label"] == "Sales"
    assert sales["current"]["figure"] == {"value": 100.0, "people": 6, "suppressed": False}
    assert sales["previous"]["figure"]["value"] == -100.0
    assert sales["change"] == 200.0
    assert all(p["groupSize"] == 6 for p in sales["points"])


async def test_monthly_history_defaults_to_twelve_months(
    gql: GraphQLClient, services: Services
) -> None:
    Company(services.app)
    found = (await gql.data(HISTORY, by="COMPANY", interval="MONTH"))["kpiHistory"]
    assert [s["kpi"] for s in found["series"]] == ["ENPS", "COMPLETION_RATE"]
    points = found["series"][0]["points"]
    assert len(points) == 12 and points[-1]["period"] == today().isoformat()[:7]


async def test_bad_history_arguments_are_coded_errors_naming_the_field(
    gql: GraphQLClient,
) -> None:
    future = (today() + timedelta(days=3)).isoformat()
    cases = {
        "to": {"to": future},
        "from": {"from": "2020-01-01", "to": "2019-12-01"},
    }
    for field, extra in cases.items():
        body = await gql(HISTORY, by="COMPANY", interval="MONTH", **extra)
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    body = await gql(HISTORY, by="COMPANY", interval="DAY", **{"from": "2020-01-01"})
    assert body["errors"][0]["extensions"]["field"] == "from"


async def test_the_live_history_pushes_the_new_point(services: Services) -> None:
    company = Company(services.app)
    assert services.read_models_reach(services.app.last_position(), timeout=20)
    context = Context(services=services, actor=Actor(id="hr-1", role="hr"))
    stream: Any = await build_schema().subscribe(
        "subscription { kpiHistoryUpdated(kpis: [ENPS], interval: DAY) {"
        " series { current { period figure { value people } } } } }",
        context_value=context,
    )
    assert not isinstance(stream, ExecutionResult), stream.errors
    try:
        first = await asyncio.wait_for(anext(stream), 10)
        assert first.data["kpiHistoryUpdated"]["series"][0]["current"]["figure"]["people"] == 0
        pulses(services, company, 0, 10)
        while True:
            pushed = await asyncio.wait_for(anext(stream), 10)
            current = pushed.data["kpiHistoryUpdated"]["series"][0]["current"]
            if current["figure"]["people"] == 6:
                break
        assert current == {"period": today().isoformat(), "figure": {"value": 100.0, "people": 6}}
    finally:
        await stream.aclose()
