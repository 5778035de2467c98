"""Time arguments of queries say their time zone: a naive one is a coded error naming the
argument, never an internal error (found by tests/test_fuzz_graphql.py)."""

from __future__ import annotations

from app.bootstrap import Services
from tests.conftest import GraphQLClient
from tests.domain_support import Organisation


async def test_a_naive_time_argument_is_read_as_utc(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)
    employee, module = str(org.employee_id), str(org.module_id)
    for naive in [
        f'{{ employeeAsOf(id: "{employee}", at: "1900-01-01T00:00:00") {{ id }} }}',
        f'{{ moduleAsOf(id: "{module}", at: "2024-01-02T10:00:00") {{ id }} }}',
        '{ eventLog(from: "2024-01-02T10:00:00") { edges { cursor } } }',
        '{ eventLog(to: "2024-01-02T10:00:00") { edges { cursor } } }',
    ]:
        explicit = naive.replace(':00") {', ':00Z") {')
        assert explicit != naive
        answer, expected = await gql(naive), await gql(explicit)
        assert "errors" not in answer, naive
        assert answer == expected, naive


async def test_a_time_at_the_ends_of_the_calendar_is_bad_input_naming_it(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)
    employee = str(org.employee_id)
    cases = [
        # At the ends of the calendar, where the readers' arithmetic would overflow.
        ('{ eventLog(to: "9999-12-31T23:59:59-12:00") { edges { cursor } } }', "to"),
        ('{ eventLog(from: "0001-01-01T00:00:00+14:00") { edges { cursor } } }', "from"),
        (f'{{ employeeAsOf(id: "{employee}", at: "0001-01-01T00:00:00Z") {{ id }} }}', "at"),
    ]
    for query, argument in cases:
        body = await gql(query)
        [error] = body["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": argument}, query


async def test_a_time_argument_with_a_zone_is_answered(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)
    body = await gql(
        f'{{ employeeAsOf(id: "{org.employee_id}", at: "2099-01-01T00:00:00Z") {{ id }} }}'
    )
    assert "errors" not in body
    assert body["data"]["employeeAsOf"]["id"] == str(org.employee_id)
