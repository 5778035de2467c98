"""node(id:) and nodes(ids:): every Node type by its id, under the access policy of the root
field for that type, and no way to learn whether a guessed id exists."""

from __future__ import annotations

from typing import Any

import httpx

from app.main import create_app
from tests.access_world import AccessWorld, access_world
from tests.conftest import auth_headers

NOBODY = "00000000-0000-4000-8000-000000000000"

NODE = """
query($id: ID!) { node(id: $id) { __typename id
  ... on Employee { name } ... on Enrollment { employeeId percent }
  ... on LearningModule { title } ... on Role { code } } }
"""
NODES = """
query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Employee { name } } }
"""


async def _ask(
    world: AccessWorld, role: str, viewer: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    app = create_app(world.services.settings, world.services)
    headers = auth_headers(world.services, role, world.ids.get(viewer, viewer))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://skillpath.test", headers=headers
    ) as http:
        response = await http.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_node_finds_every_node_type_by_the_id_its_root_field_returns() -> None:
    with access_world() as world:
        expected = {
            world.ids["ada"]: ("Employee", "name", "Name-ada-x7"),
            world.enrollments["ada"]: ("Enrollment", "employeeId", world.ids["ada"]),
            world.module_id: ("LearningModule", "title", None),
            world.role_id: ("Role", "code", "dev"),
        }
        for node_id, (type_name, field, value) in expected.items():
            body = await _ask(world, "hr", "hr@skillpath", NODE, {"id": node_id})
            node = body["data"]["node"]
            assert (node["__typename"], node["id"]) == (type_name, node_id), body
            if value is not None:
                assert node[field] == value
        body = await _ask(world, "hr", "hr@skillpath", NODE, {"id": NOBODY})
        assert body["data"]["node"] is None and "errors" not in body


async def test_node_of_a_person_follows_the_employee_root_field() -> None:
    with access_world() as world:
        own = await _ask(world, "employee", "ada", NODE, {"id": world.ids["ada"]})
        assert own["data"]["node"]["name"] == "Name-ada-x7"
        stranger = await _ask(world, "employee", "olga", NODE, {"id": world.ids["ada"]})
        assert stranger["data"]["node"] is None
        assert _codes(stranger) == ["FORBIDDEN"]
        # The manager sees the report who shares their profile, as employee(id:) shows her.
        team = await _ask(world, "manager", "grace", NODE, {"id": world.ids["ada"]})
        root = await _ask(world, "manager", "grace",
                          "query($id: ID!) { employee(id: $id) { id name } }",
                          {"id": world.ids["ada"]})  # fmt: skip
        assert team["data"]["node"]["name"] == root["data"]["employee"]["name"]


async def test_node_of_an_enrolment_follows_the_enrollments_root_field() -> None:
    with access_world() as world:
        own = await _ask(world, "employee", "ada", NODE, {"id": world.enrollments["ada"]})
        assert own["data"]["node"]["employeeId"] == world.ids["ada"]
        other = await _ask(world, "employee", "olga", NODE, {"id": world.enrollments["ada"]})
        assert other["data"]["node"] is None
        assert _codes(other) == ["FORBIDDEN"]
        auditor = await _ask(world, "auditor", "auditor@skillpath", NODE,
                             {"id": world.enrollments["ada"]})  # fmt: skip
        assert auditor["data"]["node"] is None and _codes(auditor) == ["FORBIDDEN"]


async def test_a_refused_id_and_an_id_naming_nothing_get_the_same_answer() -> None:
    with access_world() as world:
        refused = await _ask(world, "employee", "olga", NODE, {"id": world.enrollments["ada"]})
        unknown = await _ask(world, "employee", "olga", NODE, {"id": NOBODY})
        assert refused["data"] == unknown["data"] == {"node": None}
        assert [e["message"] for e in refused["errors"]] == [
            e["message"] for e in unknown["errors"]
        ]


async def test_nodes_answers_each_id_in_order_and_refuses_only_the_ones_not_shown() -> None:
    with access_world() as world:
        ids = [world.ids["olga"], world.ids["ada"], world.module_id, world.role_id]
        body = await _ask(world, "employee", "olga", NODES, {"ids": ids})
        nodes = body["data"]["nodes"]
        assert [n and n["__typename"] for n in nodes] == ["Employee", None, "LearningModule",
                                                          "Role"]  # fmt: skip
        assert nodes[0]["name"] == "Name-olga-x7"
        assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
            (["nodes", 1], "FORBIDDEN")
        ]


async def test_nodes_refuses_malformed_ids_and_more_than_a_page_of_them() -> None:
    with access_world() as world:
        bad = await _ask(world, "hr", "hr@skillpath", NODES, {"ids": [world.role_id, "x"]})
        assert bad["data"] is None
        assert bad["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "ids.1"}
        many = await _ask(world, "hr", "hr@skillpath", NODES, {"ids": [world.role_id] * 101})
        assert many["errors"][0]["extensions"]["field"] == "ids"
