"""A first end-to-end check that the API writes events and reads them back on every engine."""

from __future__ import annotations

from tests.conftest import GraphQLClient


async def test_hired_employee_is_readable_with_consistent_with(gql: GraphQLClient) -> None:
    role = await gql.data(
        'mutation { defineRole(input: {code: "dev", title: "Developer",'
        ' requiredSkills: [{skill: "SQL", level: 3}]}) { ... on RolePayload { roleId } } }'
    )
    hired = await gql.data(
        "mutation($role: ID!) { hireEmployee(input: {name: \"Ann\", email: \"ann@example.com\","
        ' roleId: $role, department: "IT", location: "Oslo", hireDate: "2024-01-02"})'
        " { ... on EmployeePayload { position employeeId } } }",
        role=role["defineRole"]["roleId"],
    )
    payload = hired["hireEmployee"]
    found = await gql.data(
        "query($id: ID!, $at: Int) { employee(id: $id, consistentWith: $at) { name department } }",
        id=payload["employeeId"],
        at=payload["position"],
    )
    assert found["employee"] == {"name": "Ann", "department": "IT"}
