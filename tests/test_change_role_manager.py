"""An internal move keeps the manager unless the input names a new one or clears it with null."""

from __future__ import annotations

from typing import Any

from app.bootstrap import Services
from tests.conftest import GraphQLClient
from tests.domain_support import Organisation

MOVE = (
    "mutation($input: ChangeRoleInput!) { changeRole(input: $input) {"
    " __typename ... on EmployeePayload { employee { department manager { id } } } } }"
)


async def move(gql: GraphQLClient, **fields: Any) -> dict[str, Any]:
    answer = await gql.data(MOVE, input=fields)
    result: dict[str, Any] = answer["changeRole"]
    assert result["__typename"] == "EmployeePayload", result
    return result


async def test_moving_without_naming_a_manager_keeps_the_current_one(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)

    moved = await move(
        gql, employeeId=str(org.employee_id), roleId=str(org.lead_role_id), department="Data"
    )

    assert moved["employee"] == {"department": "Data", "manager": {"id": str(org.manager_id)}}


async def test_moving_with_a_null_manager_leaves_the_employee_without_one(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)

    moved = await move(
        gql, employeeId=str(org.employee_id), roleId=str(org.lead_role_id), managerId=None
    )

    assert moved["employee"]["manager"] is None
