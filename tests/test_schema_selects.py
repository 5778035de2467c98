"""A resolver can tell whether the query asks for a field further down (to load it at once)."""

from __future__ import annotations

import pytest
import strawberry

from app.schema.common import selects


@strawberry.type
class Leaf:
    title: str


@strawberry.type
class Node:
    name: str
    role: Leaf


@strawberry.type
class Edge:
    node: Node


@strawberry.type
class Page:
    edges: list[Edge]


@strawberry.type
class Query:
    @strawberry.field
    def page(self, info: strawberry.Info) -> Page:
        asked = selects(info, "edges", "node", "role")  # type: ignore[arg-type]
        return Page(edges=[Edge(node=Node(name=str(asked), role=Leaf(title="t")))])


SCHEMA = strawberry.Schema(query=Query)


@pytest.mark.parametrize(
    ("query", "asked"),
    [
        ("{ page { edges { node { name role { title } } } } }", True),
        ("{ page { edges { node { name } } } }", False),
        ("{ page { edges { node { name ... on Node { role { title } } } } } }", True),
        ("{ page { ...P } } fragment P on Page { edges { node { name role { title } } } }", True),
        ("{ page { edges { node { name role: name } } } }", False),  # an alias is not the field
    ],
)
async def test_selects_sees_through_fragments_and_not_through_aliases(
    query: str, asked: bool
) -> None:
    result = await SCHEMA.execute(query)

    assert result.errors is None
    assert result.data is not None
    assert result.data["page"]["edges"][0]["node"]["name"] == str(asked)
