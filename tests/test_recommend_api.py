"""The recommender over GraphQL: served lists are decisions, answers, typed errors, consent."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from app.aggregates import SYSTEM
from app.bootstrap import Services
from app.main import create_app
from tests.conftest import GraphQLClient, auth_headers
from tests.recommend_org import TINY, Org, analysts_and_engineers, memory_services

RECOMMEND = """
query($id: ID!, $first: Int!, $goal: String) {
  recommendations(employeeId: $id, first: $first, goal: $goal) {
    __typename
    ... on RecommendationList {
      decisionId position modelVersion basis
      items { rank score moduleId module { title }
              reasons { kind text skill currentLevel requiredLevel share }
              fits { kind text share } }
    }
    ... on ValidationError { field message }
    ... on NotFound { field id }
    ... on Conflict { field message }
  }
}"""
ANSWER = """
mutation($decision: ID!, $item: ID!, $answer: RecommendationAnswer!) {
  answerRecommendation(input: {decisionId: $decision, itemId: $item, answer: $answer,
                               comment: "looks useful"}) {
    __typename
    ... on RecommendationAnswerPayload { position answer enrollmentId
                                         enrollment { source status moduleId } }
    ... on UserError { field message }
  }
}"""


async def client_for(services: Services) -> AsyncIterator[GraphQLClient]:
    app = create_app(services.settings, services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://skillpath.test", headers=auth_headers(services)
    ) as http:
        yield GraphQLClient(http, services)


@pytest.fixture
async def org_api(tmp_path: Path) -> AsyncIterator[tuple[Org, GraphQLClient]]:
    services = memory_services(tmp_path)
    try:
        org = analysts_and_engineers(services)
        async for client in client_for(services):
            yield org, client
    finally:
        services.close()


async def recommend(gql: GraphQLClient, employee: Any, first: int = 5, **extra: Any) -> Any:
    """The employee's own recommendations: only they may ask for them."""
    data = await gql.as_employee(employee).data(RECOMMEND, id=str(employee), first=first, **extra)
    return data["recommendations"]


async def answer(gql: GraphQLClient, employee: Any, **variables: Any) -> Any:
    data = await gql.as_employee(employee).data(ANSWER, **variables)
    return data["answerRecommendation"]


async def test_a_served_list_is_a_decision_and_accepting_an_item_enrols(
    services: Services, gql: GraphQLClient
) -> None:
    org = analysts_and_engineers(services, people=6, following=True)
    org.train()
    employee = org.hire("engineer")
    org.settle()
    served = await recommend(gql, employee)
    assert served["__typename"] == "RecommendationList"
    assert served["basis"] == "PERSONALISED" and served["modelVersion"]
    assert [i["rank"] for i in served["items"]] == [1, 2, 3, 4, 5]
    assert all(i["reasons"] and i["module"]["title"] for i in served["items"])
    item = served["items"][0]["moduleId"]
    payload = await answer(gql, employee, decision=served["decisionId"], item=item,
                           answer="ACCEPTED")  # fmt: skip
    assert payload["__typename"] == "RecommendationAnswerPayload"
    assert payload["enrollment"] == {"source": "RECOMMENDATION", "status": "ACTIVE",
                                     "moduleId": item}  # fmt: skip
    decision = services.app.repository.get(UUID(served["decisionId"]))
    assert decision.answers == {decision.module_ids[0]: "accepted"}
    again = await answer(gql, employee, decision=served["decisionId"], item=item,
                         answer="DISMISSED")  # fmt: skip
    assert again["__typename"] == "Conflict"


async def test_without_a_trained_model_results_are_role_and_popularity_based(
    org_api: tuple[Org, GraphQLClient],
) -> None:
    org, gql = org_api
    employee = org.hire("analyst")
    org.settle()
    served = await recommend(gql, employee, first=4)
    assert served["__typename"] == "RecommendationList"
    assert served["basis"] == "POPULARITY" and served["modelVersion"] is None
    assert len(served["items"]) == 4
    assert all("NO_MODEL" in [r["kind"] for r in i["reasons"]] for i in served["items"])


async def test_withdrawn_consent_stops_personalised_recommendations(
    org_api: tuple[Org, GraphQLClient],
) -> None:
    org, gql = org_api
    org.train()
    employee = org.hire("engineer")
    org.app.assess_skill(employee, skill="python", level=1, source="self", actor=SYSTEM)
    org.settle()
    personal = await recommend(gql, employee, first=10)
    assert personal["basis"] == "PERSONALISED"
    assert any(r["kind"] == "SKILL_GAP" for i in personal["items"] for r in i["reasons"])
    org.app.withdraw_consent(employee, purpose="personalisation", actor=SYSTEM)
    org.settle()
    general = await recommend(gql, employee, first=10)
    kinds = {r["kind"] for i in general["items"] for r in i["reasons"]}
    assert general["basis"] == "ROLE_BASED"
    assert all("ROLE_BASED" in [f["kind"] for f in i["fits"]] for i in general["items"])
    assert kinds.isdisjoint({"SKILL_GAP", "PEERS_TOOK", "BUDGET", "MEDIA", "EASIER_STEP"})
    levels = {r["currentLevel"] for i in general["items"] for r in i["reasons"]}
    assert levels == {None}


async def test_bad_input_gets_typed_errors_naming_the_field(
    org_api: tuple[Org, GraphQLClient],
) -> None:
    org, gql = org_api
    employee = org.hire("engineer")
    org.settle()
    someone_else = await gql.as_employee(employee)(
        RECOMMEND, id="00000000-0000-4000-8000-000000000000", first=5
    )
    assert someone_else["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    malformed = (await gql.as_employee(employee).data(RECOMMEND, id="not-an-id", first=5))[
        "recommendations"
    ]
    assert (malformed["__typename"], malformed["field"]) == ("ValidationError", "employeeId")
    for first in (0, 101):
        wrong = await recommend(gql, employee, first=first)
        assert (wrong["__typename"], wrong["field"]) == ("ValidationError", "first")
    served = await recommend(gql, employee)
    stranger = str(org.modules["sql-1"]) if str(org.modules["sql-1"]) not in [
        i["moduleId"] for i in served["items"]] else str(org.modules["leadership-4"])  # fmt: skip
    wrong_item = await answer(gql, employee, decision=served["decisionId"], item=stranger,
                              answer="WRONG")  # fmt: skip
    assert wrong_item["field"] == "itemId"
    # An id that names no decision of the caller's is refused, naming the field.
    missing = await answer(gql, employee, decision=str(employee), item=stranger, answer="WRONG")
    assert (missing["__typename"], missing["field"]) == ("NotAllowed", "decisionId")
    report = await gql.data(
        '{ fairnessReport(modelVersion: "20990101T000000-abcdef") { __typename'
        " ... on NotFound { field } } }"
    )
    assert report["fairnessReport"] == {"__typename": "NotFound", "field": "modelVersion"}
    activate = await gql.data(
        'mutation { activateModelVersion(version: "nope") { __typename ... on NotFound { field }'
        " } }"
    )
    assert activate["activateModelVersion"] == {"__typename": "NotFound", "field": "version"}


async def test_attributes_are_declared_only_with_fairness_audit_consent(
    org_api: tuple[Org, GraphQLClient],
) -> None:
    org, gql = org_api
    employee = org.hire("engineer")
    declare = (
        "mutation($id: ID!) { declareAttributes(input: {employeeId: $id, gender: FEMALE,"
        " ageBand: FROM_30_TO_44}) { __typename ... on Conflict { message } } }"
    )
    refused = await gql.as_employee(employee).data(declare, id=str(employee))
    assert refused["declareAttributes"]["__typename"] == "Conflict"
    assert "fairness_audit consent is required" in refused["declareAttributes"]["message"]
    org.settle()
    assert org.services.fairness_attributes.all() == {}
    org.app.grant_consent(employee, purpose="fairness_audit", policy_version="1",
                          actor=SYSTEM)  # fmt: skip
    stored = await gql.as_employee(employee).data(declare, id=str(employee))
    assert stored["declareAttributes"]["__typename"] == "EmployeePayload"
    org.settle()
    assert org.services.fairness_attributes.all()[str(employee)].gender == "female"


async def test_model_versions_are_listed_with_the_active_one_marked(
    org_api: tuple[Org, GraphQLClient],
) -> None:
    org, gql = org_api
    first = org.train()
    second = org.train()
    listed = await gql.data(
        "{ modelVersions { version active subjectsExcluded interactions"
        " exclusions { reason subjects } } }"
    )
    for version in listed["modelVersions"]:
        by_reason = sum(e["subjects"] for e in version["exclusions"])
        assert by_reason == version["subjectsExcluded"]
    assert [(v["version"], v["active"]) for v in listed["modelVersions"]] == [
        (first.version, False), (second.version, True)]  # fmt: skip
    rolled = await gql.data(
        "mutation($v: String!) { activateModelVersion(version: $v) { __typename"
        " ... on ModelVersionPayload { modelVersion { version active } } } }",
        v=first.version,
    )
    assert rolled["activateModelVersion"]["modelVersion"] == {
        "version": first.version, "active": True}  # fmt: skip


async def test_activating_a_version_holding_an_erased_subject_answers_a_conflict_on_version(
    org_api: tuple[Org, GraphQLClient],
) -> None:
    org, gql = org_api
    holding = org.train()
    # Erased in another process (whose erasure could not touch this model directory): the
    # version is still on disk here, and the consent read model says who is gone.
    org.app.erased.remove(org.services.recommender.subject_erased)
    erased = UUID(org.services.recommender.active.model.user_ids[0])  # type: ignore[union-attr]
    org.app.request_erasure(erased, actor=SYSTEM)
    org.settle()

    refused = await gql.data(
        "mutation($v: String!) { activateModelVersion(version: $v) { __typename"
        " ... on Conflict { field message } } }",
        v=holding.version,
    )

    answer = refused["activateModelVersion"]
    assert (answer["__typename"], answer["field"]) == ("Conflict", "version")
    assert "1 erased subject" in answer["message"]


async def test_reviews_are_due_for_modules_completed_a_while_ago(
    org_api: tuple[Org, GraphQLClient],
) -> None:
    org, gql = org_api
    query = (
        "query($id: ID!) { reviewsDue(employeeId: $id) { __typename"
        " ... on ReviewsDue { personalised items { title skills reviews retrievability } } } }"
    )
    employee = org.hire("engineer")
    weeks_ago = datetime.now(UTC) - timedelta(days=14)
    enrollment = org.enrol(employee, "python-1")
    org.app.complete_enrollment(enrollment, actor=SYSTEM, occurred_at=weeks_ago)
    org.complete(employee, "testing-1")  # just now: not due yet
    org.settle()
    due = await gql.as_employee(employee).data(query, id=str(employee))
    assert due["reviewsDue"]["personalised"] is True
    [item] = due["reviewsDue"]["items"]
    assert (item["title"], item["skills"], item["reviews"]) == ("python-1", ["python"], 1)
    assert 0 < item["retrievability"] < 0.9
    opted_out = org.hire("engineer", consent=False)
    org.settle()
    nothing = await gql.as_employee(opted_out).data(query, id=str(opted_out))
    assert nothing["reviewsDue"] == {"__typename": "ReviewsDue", "personalised": False,
                                     "items": []}  # fmt: skip


async def test_a_refused_version_is_listed_with_its_reason_and_cannot_be_made_current(
    org_api: tuple[Org, GraphQLClient],
) -> None:
    org, gql = org_api
    first = org.train()
    # Given a current version that did very well on its validation split:
    stored = Path(org.services.settings.model_dir) / first.version / "metadata.json"
    metadata = json.loads(stored.read_text())
    metadata["metrics"]["validation_ndcg_at_10"] = 0.999
    stored.write_text(json.dumps(metadata))
    org.settle()
    second = org.services.recommender.train(org.services.runner.position, params=TINY,
                                            tolerance=0.05)  # fmt: skip
    assert second.refused_reason and "minus the tolerance 0.05" in second.refused_reason
    listed = await gql.data(
        "{ modelVersions { version active refused refusedReason validationNdcg } }"
    )
    assert [(v["version"], v["active"], v["refused"]) for v in listed["modelVersions"]] == [
        (first.version, True, False), (second.version, False, True)]  # fmt: skip
    assert listed["modelVersions"][1]["refusedReason"] == second.refused_reason
    assert listed["modelVersions"][0]["validationNdcg"] == 0.999
    refused = await gql.data(
        "mutation($v: String!) { activateModelVersion(version: $v) { __typename"
        " ... on Conflict { field message } } }",
        v=second.version,
    )
    assert refused["activateModelVersion"]["__typename"] == "Conflict"
    assert refused["activateModelVersion"]["field"] == "version"
    assert "was refused at training" in refused["activateModelVersion"]["message"]
    unknown = await gql.data(
        "mutation($v: String!) { activateModelVersion(version: $v) { __typename"
        " ... on NotFound { field } } }",
        v="20990101T000000-abcdef",
    )
    assert unknown["activateModelVersion"] == {"__typename": "NotFound", "field": "version"}
