"""Keyset connections: pages forward and backward, cursors that keep their place when items
are inserted before them, and coded errors for cursors and sizes out of bounds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.bootstrap import Services
from tests.conftest import GraphQLClient
from tests.domain_support import HR, LEARNER, Organisation, content

EMPLOYEES = """
query($first: Int! = 20, $after: String, $last: Int, $before: String) {
  employees(first: $first, after: $after, last: $last, before: $before) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { name } }
  }
}
"""

ENROLMENTS = """
query($employeeId: ID!, $first: Int! = 20, $after: String, $last: Int, $before: String) {
  enrollmentsConnection(employeeId: $employeeId, first: $first, after: $after, last: $last,
                        before: $before) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id moduleId } }
  }
}
"""


def _names(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["name"] for edge in page["edges"]]


def _flags(page: dict[str, Any]) -> tuple[bool, bool]:
    info = page["pageInfo"]
    return info["hasPreviousPage"], info["hasNextPage"]


async def test_employees_page_backward_with_last_and_before(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)
    for name in ("Alan Turing", "Barbara Liskov", "Edsger Dijkstra"):
        org.hire(f"{name.split()[0].lower()}@example.com", name=name)
    services.runner.catch_up()

    tail = (await gql.data(EMPLOYEES, last=2))["employees"]
    assert _names(tail) == ["Barbara Liskov", "Edsger Dijkstra"]
    assert _flags(tail) == (True, False)
    middle = await gql.data(EMPLOYEES, last=2, before=tail["pageInfo"]["startCursor"])
    assert _names(middle["employees"]) == ["Ada Lovelace", "Alan Turing"]
    assert _flags(middle["employees"]) == (True, True)
    head = (await gql.data(EMPLOYEES, last=2,
                           before=middle["employees"]["pageInfo"]["startCursor"]))  # fmt: skip
    assert _names(head["employees"]) == ["Grace Hopper"]
    assert _flags(head["employees"]) == (False, True)
    # Forward from a cursor knows there is something before it.
    forward = await gql.data(EMPLOYEES, first=2, after=head["employees"]["pageInfo"]["endCursor"])
    assert _names(forward["employees"]) == ["Ada Lovelace", "Alan Turing"]
    assert _flags(forward["employees"]) == (True, True)


async def test_an_enrolment_cursor_keeps_its_place_when_an_earlier_one_is_inserted(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)  # Ada is enrolled in the first module now
    app = services.app
    later = [
        app.publish_module(content(title=f"Module {n}", skills={f"s{n}": 2}), actor=HR).id
        for n in range(3)
    ]
    for module in later:
        org.enroll(module_id=module)
    services.runner.catch_up()
    gql = gql.as_employee(org.employee_id)  # her own learning
    first = await gql.data(ENROLMENTS, employeeId=str(org.employee_id), first=2)
    page = first["enrollmentsConnection"]
    seen = [edge["node"]["moduleId"] for edge in page["edges"]]
    assert seen == [str(org.module_id), str(later[0])]
    # An enrolment dated before all the others: an offset would now repeat an item.
    app.enroll(
        employee_id=org.employee_id, module_id=org.other_module_id, source="self",
        recommendation_id=None, actor=LEARNER, occurred_at=datetime(2020, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    services.runner.catch_up()
    rest = await gql.data(ENROLMENTS, employeeId=str(org.employee_id), first=10,
                          after=page["pageInfo"]["endCursor"])  # fmt: skip
    assert [e["node"]["moduleId"] for e in rest["enrollmentsConnection"]["edges"]] == [
        str(later[1]),
        str(later[2]),
    ]
    everything = await gql.data(ENROLMENTS, employeeId=str(org.employee_id), last=10)
    assert everything["enrollmentsConnection"]["edges"][0]["node"]["moduleId"] == str(
        org.other_module_id
    )
    assert _flags(everything["enrollmentsConnection"]) == (False, False)


async def test_a_module_lists_only_the_learners_the_caller_may_see(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)
    bea = org.hire("bea@example.com", name="Bea")
    org.enroll(employee_id=bea)
    services.runner.catch_up()
    query = """query($id: ID!) { module(id: $id) {
      enrollmentsConnection(first: 10) { edges { node { employeeId } } } } }"""
    mine = await gql.as_employee(org.employee_id).data(query, id=str(org.module_id))
    edges = mine["module"]["enrollmentsConnection"]["edges"]
    assert [e["node"]["employeeId"] for e in edges] == [str(org.employee_id)]


async def test_reports_page_in_hiring_order(services: Services, gql: GraphQLClient) -> None:
    org = Organisation(services.app)
    second = org.hire("bob@example.com", name="Bob", manager_id=org.manager_id)
    services.runner.catch_up()
    query = """query($id: ID!) { employee(id: $id) { reportsConnection(first: 1) {
      pageInfo { hasNextPage endCursor } edges { node { id } } } } }"""
    body = await gql.data(query, id=str(org.manager_id))
    page = body["employee"]["reportsConnection"]
    assert [e["node"]["id"] for e in page["edges"]] == [str(org.employee_id)]
    assert page["pageInfo"]["hasNextPage"] is True
    query_after = query.replace("first: 1", "first: 1, after: $after").replace(
        "$id: ID!", "$id: ID!, $after: String"
    )
    body = await gql.data(query_after, id=str(org.manager_id), after=page["pageInfo"]["endCursor"])
    assert [e["node"]["id"] for e in body["employee"]["reportsConnection"]["edges"]] == [
        str(second)
    ]


async def test_bad_cursors_and_sizes_are_coded_errors_naming_the_argument(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)
    services.runner.catch_up()
    modules = await gql.data("{ modules(first: 1) { edges { cursor } } }")
    module_cursor = modules["modules"]["edges"][0]["cursor"]
    cases = [
        (EMPLOYEES, {"last": 0}, "last"),
        (EMPLOYEES, {"last": 101}, "last"),
        (EMPLOYEES, {"before": module_cursor}, "before"),
        (EMPLOYEES, {"after": "not a cursor"}, "after"),
        (ENROLMENTS, {"employeeId": str(org.employee_id), "before": module_cursor}, "before"),
        (ENROLMENTS, {"employeeId": str(org.employee_id), "after": "e30="}, "after"),
    ]
    for query, variables, field in cases:
        body = await gql(query, **variables)
        [error] = body["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}, variables


HISTORY_PAGE = """
query($id: ID!, $first: Int! = 50, $after: String, $last: Int, $before: String) {
  history(streamId: $id, first: $first, after: $after, last: $last, before: $before) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { node { version type } }
  }
}
"""

LOG_PAGE = """
query($types: [String!], $first: Int! = 50, $after: String, $last: Int, $before: String) {
  eventLog(types: $types, first: $first, after: $after, last: $last, before: $before) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { node { position streamId } }
  }
}
"""


async def test_history_pages_backward_and_a_cursor_keeps_its_place_as_the_stream_grows(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)
    for level in (1, 2, 3, 4):
        services.app.assess_skill(org.employee_id, skill="sql", level=level, source="manager",
                                  actor=HR)  # fmt: skip
    stream = str(org.employee_id)
    everything = (await gql.data(HISTORY_PAGE, id=stream))["history"]
    versions = [edge["node"]["version"] for edge in everything["edges"]]
    assert versions == [1, 2, 3, 4, 5] and _flags(everything) == (False, False)

    tail = (await gql.data(HISTORY_PAGE, id=stream, last=2))["history"]
    assert [e["node"]["version"] for e in tail["edges"]] == versions[-2:]
    assert _flags(tail) == (True, False)
    # New events at the end of the stream do not move the page before the cursor.
    org.hire("later@example.com", name="Later")  # other streams grow too
    services.app.assess_skill(org.employee_id, skill="sql", level=5, source="manager", actor=HR)
    earlier = (await gql.data(HISTORY_PAGE, id=stream, last=2,
                              before=tail["pageInfo"]["startCursor"]))["history"]  # fmt: skip
    assert [e["node"]["version"] for e in earlier["edges"]] == [2, 3]
    assert _flags(earlier) == (True, True)
    start = (await gql.data(HISTORY_PAGE, id=stream, last=5,
                            before=earlier["pageInfo"]["startCursor"]))["history"]  # fmt: skip
    assert [e["node"]["version"] for e in start["edges"]] == [1]
    assert _flags(start) == (False, True)
    # Forward from the old tail's end now finds the new event only.
    newer = (await gql.data(HISTORY_PAGE, id=stream,
                            after=tail["pageInfo"]["endCursor"]))["history"]  # fmt: skip
    assert [e["node"]["version"] for e in newer["edges"]] == [versions[-1] + 1]
    assert _flags(newer) == (True, False)


async def test_the_event_log_pages_backward_by_position_and_type(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)
    hired = [org.hire(f"h{n}@example.com", name=f"Hire {n}") for n in range(3)]
    hires = ["Employee.Hired"]
    forward = (await gql.data(LOG_PAGE, types=hires, first=100))["eventLog"]
    streams = [edge["node"]["streamId"] for edge in forward["edges"]]
    assert streams[-3:] == [str(h) for h in hired]

    tail = (await gql.data(LOG_PAGE, types=hires, last=2))["eventLog"]
    assert [e["node"]["streamId"] for e in tail["edges"]] == streams[-2:]
    assert _flags(tail) == (True, False)
    org.hire("after@example.com", name="After")  # appended: the backward page holds
    before_tail = (await gql.data(LOG_PAGE, types=hires, last=2,
                                  before=tail["pageInfo"]["startCursor"]))["eventLog"]  # fmt: skip
    assert [e["node"]["streamId"] for e in before_tail["edges"]] == streams[-4:-2]
    assert before_tail["pageInfo"]["hasNextPage"] is True
    positions = [e["node"]["position"] for e in before_tail["edges"]]
    assert positions == sorted(positions)
    # Every page walked backward from the end gives the whole log once, in order.
    walked: list[str] = []
    cursor: str | None = None
    while True:
        page = (await gql.data(LOG_PAGE, types=hires, last=2, before=cursor))["eventLog"]
        walked = [e["node"]["streamId"] for e in page["edges"]] + walked
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        cursor = page["pageInfo"]["startCursor"]
    assert walked == [*streams, walked[-1]] and len(walked) == len(streams) + 1
