"""Human feedback closes the loop: dismissals and WRONG reports are negative signals in
training, and WRONG reports with comments land in HR's review queue, resolved with a note."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from app.aggregates import SYSTEM, RecommendationDecision
from app.recommend import drivers
from tests.conftest import GraphQLClient
from tests.recommend_org import TINY, Org, analysts_and_engineers, memory_services
from tests.test_recommend_api import client_for

REPORTS = """
query($status: ReportStatus) {
  recommendationReports(status: $status) {
    reportId employeeId decisionId moduleId comment status resolutionNote resolvedBy
    module { title }
  }
}"""
RESOLVE = """
mutation($decision: ID!, $item: ID!, $note: String!) {
  resolveRecommendationReport(input: {decisionId: $decision, itemId: $item, note: $note}) {
    __typename
    ... on RecommendationReportPayload { employeeId decisionId itemId }
    ... on UserError { field message }
  }
}"""


@pytest.fixture
async def org_api(tmp_path: Path) -> AsyncIterator[tuple[Org, GraphQLClient]]:
    services = memory_services(tmp_path)
    try:
        org = analysts_and_engineers(services)
        async for client in client_for(services):
            yield org, client
    finally:
        services.close()


def answer_all(org: Org, employee: UUID, answer: str, comment: str = "") -> tuple[UUID, list[str]]:
    org.settle()
    served = org.services.recommender.recommend(employee, first=3, goal=None, actor=SYSTEM)
    items = [item.module_id for item in served.ranking.items]
    for module in items:
        org.app.answer_recommendation(
            served.decision_id, module_id=UUID(module), answer=answer, comment=comment,
            actor=SYSTEM,
        )  # fmt: skip
    return served.decision_id, items


async def test_wrong_reports_with_comments_are_queued_for_hr_and_resolved_with_a_note(
    org_api: tuple[Org, GraphQLClient],
) -> None:
    org, gql = org_api
    employee = org.hire("analyst")
    org.settle()
    reported, items = answer_all(org, employee, "wrong", "not for my role")
    answer_all(org, org.hire("analyst"), "wrong")  # no comment: nothing to review
    answer_all(org, org.hire("analyst"), "dismissed", "maybe later")  # not a report
    org.settle()
    queue = (await gql.data(REPORTS))["recommendationReports"]
    assert sorted(r["moduleId"] for r in queue) == sorted(items)
    assert {(r["decisionId"], r["comment"], r["status"]) for r in queue} == {
        (str(reported), "not for my role", "OPEN")}  # fmt: skip
    assert {r["employeeId"] for r in queue} == {str(employee)}
    assert all(r["module"]["title"] for r in queue)
    resolved = await gql.data(RESOLVE, decision=str(reported), item=items[0],
                              note="catalogue tagging fixed")  # fmt: skip
    payload = resolved["resolveRecommendationReport"]
    assert payload["__typename"] == "RecommendationReportPayload"
    assert (payload["decisionId"], payload["itemId"]) == (str(reported), items[0])
    org.settle()
    still_open = (await gql.data(REPORTS))["recommendationReports"]
    assert sorted(r["moduleId"] for r in still_open) == sorted(items[1:])
    everything = (await gql.data(REPORTS, status=None))["recommendationReports"]
    assert len(everything) == len(items)
    done = next(r for r in everything if r["moduleId"] == items[0])
    assert (done["status"], done["resolutionNote"]) == ("RESOLVED", "catalogue tagging fixed")
    assert done["resolvedBy"]
    # The resolution is an event of the decision (its state is rebuilt from the log).
    decision = org.app.repository.get(reported)
    assert decision.reports == {UUID(m): m == items[0] for m in items}
    assert payload["employeeId"] == str(employee)


async def test_bad_resolutions_get_typed_errors_naming_the_field(
    org_api: tuple[Org, GraphQLClient],
) -> None:
    org, gql = org_api
    employee = org.hire("analyst")
    org.settle()
    reported, items = answer_all(org, employee, "wrong", "off topic")
    dismissed, others = answer_all(org, employee, "dismissed", "no time")
    org.settle()

    async def resolve(decision: Any, item: Any, note: str = "done") -> dict[str, Any]:
        answer = await gql.data(RESOLVE, decision=str(decision), item=str(item), note=note)
        result: dict[str, Any] = answer["resolveRecommendationReport"]
        return result

    assert (await resolve(reported, items[0], note="  "))["field"] == "note"
    assert (await resolve(dismissed, others[0]))["field"] == "itemId"
    unknown = await resolve("7a0c9d6e-1111-4a4a-8888-000000000000", items[0])
    assert (unknown["__typename"], unknown["field"]) == ("NotFound", "decisionId")
    assert (await resolve(reported, items[0]))["__typename"] == "RecommendationReportPayload"
    again = await resolve(reported, items[0])
    assert (again["__typename"], again["field"]) == ("Conflict", "itemId")
    # Only HR reads the queue; an employee may not even see their own there.
    body = await gql.as_employee(employee)(REPORTS)
    assert body["data"] is None or body["data"]["recommendationReports"] is None
    assert body["errors"]


async def test_answering_a_list_the_caller_does_not_own_names_the_decision(
    org_api: tuple[Org, GraphQLClient],
) -> None:
    org, gql = org_api
    owner, stranger = org.hire("analyst"), org.hire("analyst")
    org.settle()
    served = org.services.recommender.recommend(owner, first=2, goal=None, actor=SYSTEM)
    item = served.ranking.items[0].module_id
    answer = await gql.as_employee(stranger).data(
        "mutation($d: ID!, $i: ID!) { answerRecommendation(input: {decisionId: $d, itemId: $i,"
        " answer: WRONG, comment: \"not mine\"}) { __typename ... on UserError { field } } }",
        d=str(served.decision_id), i=item,
    )  # fmt: skip
    assert answer["answerRecommendation"] == {"__typename": "NotAllowed", "field": "decisionId"}
    assert org.services.app.repository.get(served.decision_id).answers == {}


def test_dismissals_and_wrong_reports_lower_the_module_for_the_role_after_retraining(
    tmp_path: Path,
) -> None:
    services = memory_services(tmp_path)
    try:
        org = analysts_and_engineers(services)
        org.train(TINY)
        newcomer = org.hire("analyst")
        org.settle()
        before = services.recommender.recommend(newcomer, first=5, goal=None, actor=SYSTEM)
        target = before.ranking.items[0].module_id
        score_before = before.ranking.items[0].score
        for _ in range(4):
            colleague = org.hire("analyst")
            org.settle()
            served = services.recommender.recommend(colleague, first=5, goal=None, actor=SYSTEM)
            assert target in [i.module_id for i in served.ranking.items]
            answer = "wrong" if _ % 2 else "dismissed"
            org.app.answer_recommendation(served.decision_id, module_id=UUID(target),
                                          answer=answer, comment="", actor=SYSTEM)  # fmt: skip
        metadata = org.train(TINY)
        assert metadata.extra["blend"]["declined"] < 0
        learner = services.recommender.learner(newcomer)
        after = services.recommender.rank_for(learner, first=20)
        item = next(i for i in after.items if i.module_id == target)
        declined = [d for d in item.drivers if d.kind == drivers.DECLINED]
        assert declined and declined[0].value < 0
        assert all(r.kind != drivers.DECLINED for r in item.reasons)
        others = [i for i in after.items if i.module_id != target]
        assert all(
            d.value >= declined[0].value for i in others for d in i.drivers
            if d.kind == drivers.DECLINED
        )  # fmt: skip
        assert item.score < score_before or after.items[0].module_id != target
    finally:
        services.close()


def test_a_resolution_is_recorded_once_and_only_on_a_wrong_report_with_a_comment() -> None:
    decision = RecommendationDecision.issue(
        employee_id=UUID(int=1), module_ids=[UUID(int=2), UUID(int=3)], scores=[1.0, 0.5],
        reasons=[[], []], model_version=None, consent_basis="personalised", goal=None,
        actor=SYSTEM,
    )  # fmt: skip
    decision.answer(module_id=UUID(int=2), answer="wrong", comment="wrong level", actor=SYSTEM)
    decision.answer(module_id=UUID(int=3), answer="wrong", comment="", actor=SYSTEM)
    decision.resolve_report(module_id=UUID(int=2), note="re-tagged", actor=SYSTEM)
    events = decision.collect_events()
    assert type(events[-1]).__name__ == "ReportResolved"
    assert events[-1].note == "re-tagged"  # type: ignore[attr-defined]
    with pytest.raises(Exception, match="already resolved"):
        decision.resolve_report(module_id=UUID(int=2), note="again", actor=SYSTEM)
    with pytest.raises(Exception, match="was not reported as wrong with a comment"):
        decision.resolve_report(module_id=UUID(int=3), note="n", actor=SYSTEM)


REPORTS_PAGE = """
query($first: Int! = 50, $after: String, $last: Int, $before: String) {
  recommendationReportsConnection(status: null, first: $first, after: $after, last: $last,
                                  before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { reportId } }
  }
}"""


async def test_the_review_queue_pages_backward_and_its_cursors_survive_new_reports(
    org_api: tuple[Org, GraphQLClient],
) -> None:
    org, gql = org_api
    for _ in range(2):
        answer_all(org, org.hire("analyst"), "wrong", "not for my role")
    org.settle()
    whole = (await gql.data(REPORTS_PAGE))["recommendationReportsConnection"]
    ids = [edge["node"]["reportId"] for edge in whole["edges"]]
    assert len(ids) == whole["totalCount"] >= 4

    tail = (await gql.data(REPORTS_PAGE, last=2))["recommendationReportsConnection"]
    assert [e["node"]["reportId"] for e in tail["edges"]] == ids[-2:]
    assert (tail["pageInfo"]["hasPreviousPage"], tail["pageInfo"]["hasNextPage"]) == (True, False)
    answer_all(org, org.hire("analyst"), "wrong", "again")  # newer reports arrive
    org.settle()
    earlier = await gql.data(REPORTS_PAGE, last=2, before=tail["pageInfo"]["startCursor"])
    page = earlier["recommendationReportsConnection"]
    assert [e["node"]["reportId"] for e in page["edges"]] == ids[-4:-2]
    assert page["pageInfo"]["hasNextPage"] is True
    later = await gql.data(REPORTS_PAGE, after=tail["pageInfo"]["endCursor"])
    newer = later["recommendationReportsConnection"]
    assert newer["edges"] and not {e["node"]["reportId"] for e in newer["edges"]} & set(ids)
    assert newer["pageInfo"]["hasPreviousPage"] is True
