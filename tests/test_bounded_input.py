"""Every string argument and input field has a maximum length and every list a maximum
size: an oversized value anywhere gets an error naming the field, never an internal error,
and nothing is written.

Generated from the schema: every argument of every root field, and every field of every
input object below it, is sent once one character or one item too large, with the other
required arguments filled in. Mutations answer a ``ValidationError`` naming the field;
queries and subscriptions an error coded ``BAD_USER_INPUT`` naming it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
)

from app.aggregates import Actor
from app.bootstrap import build_services
from app.integration.hr_records import MAX_FIELD
from app.main import create_app
from app.schema import build_schema
from app.schema.context import Context
from app.schema.limits import CHECKED_PER_ITEM, NARROWER, WIDER, InputLimits
from app.settings import Settings
from tests.conftest import auth_headers

MAX_STRING, MAX_LIST = 50, 3  # small bounds, so the oversized values stay small too
UUID_VALUE = "00000000-0000-4000-8000-000000000000"
SCALARS: dict[str, Any] = {
    "String": "a", "ID": UUID_VALUE, "Int": 1, "Float": 1.0, "Boolean": False,
    "Date": "2024-01-01", "DateTime": datetime.now(UTC).isoformat(), "JSON": {},
}  # fmt: skip


def minimal(graphql_type: Any) -> Any:
    """A value of the type with only its required parts."""
    if isinstance(graphql_type, GraphQLNonNull):
        return minimal(graphql_type.of_type)
    if isinstance(graphql_type, GraphQLList):
        return []
    if isinstance(graphql_type, GraphQLEnumType):
        return next(iter(graphql_type.values))
    if isinstance(graphql_type, GraphQLInputObjectType):
        return {
            name: minimal(field.type)
            for name, field in graphql_type.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }
    assert isinstance(graphql_type, GraphQLScalarType)
    return SCALARS[graphql_type.name]


def one_item(graphql_type: Any) -> Any:
    inner = graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type
    value = minimal(inner)
    return value if value != [] else minimal(inner)


#: Items of lists checked item by item (CHECKED_PER_ITEM): valid but for the one oversized
#: value, so the item's report names that value's field; their strings are bounded by the
#: HR export's own column limit.
VALID_ITEMS: dict[str, dict[str, Any]] = {
    "Mutation.importHrRecords.input.rows": {
        "employeeId": "E1", "name": "Ada", "email": "ada@example.com", "department": "Lab",
        "location": "Oslo", "role": "engineer", "hireDate": "2024-01-02",
    },
}  # fmt: skip


def _item_limit(key: str) -> int | None:
    for checked in VALID_ITEMS:
        if key.startswith(f"{checked}."):
            return MAX_FIELD
    return None


def oversized(graphql_type: Any, path: str, key: str) -> Iterator[tuple[str, Any]]:
    """(field path, value) for every string and list inside the type, each too large."""
    if isinstance(graphql_type, GraphQLNonNull):
        yield from oversized(graphql_type.of_type, path, key)
    elif isinstance(graphql_type, GraphQLList):
        item = graphql_type.of_type
        yield path, [one_item(item) for _ in range(WIDER.get(key, MAX_LIST) + 1)]
        for inner_path, value in oversized(item, path, key):
            if not isinstance(value, list):
                yield inner_path, [value]
    elif isinstance(graphql_type, GraphQLInputObjectType):
        base = VALID_ITEMS.get(key) or minimal(graphql_type)
        for name, field in graphql_type.fields.items():
            for inner_path, value in oversized(field.type, f"{path}.{name}", f"{key}.{name}"):
                yield inner_path, {**base, name: value}
    elif isinstance(graphql_type, GraphQLScalarType) and graphql_type.name in ("String", "ID"):
        yield path, "x" * ((_item_limit(key) or NARROWER.get(key, MAX_STRING)) + 1)


def _named(graphql_type: Any) -> Any:
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return graphql_type


def cases(schema: GraphQLSchema) -> Iterator[tuple[str, str, str, dict[str, Any], str]]:
    """(operation kind, root field, document, variables, expected field) for every case."""
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type),
                       ("subscription", schema.subscription_type)):  # fmt: skip
        assert isinstance(root, GraphQLObjectType)
        for name, field in root.fields.items():
            required = {
                arg: minimal(a.type)
                for arg, a in field.args.items()
                if isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined
            }
            returned = _named(field.type)
            selection = "{ __typename }"
            if isinstance(returned, GraphQLUnionType):
                selection = "{ __typename ... on UserError { field message } }"
            elif isinstance(returned, GraphQLScalarType):
                selection = ""
            for arg, a in field.args.items():
                given = {**required, arg: None}
                declared = ", ".join(f"${n}: {field.args[n].type}" for n in given)
                passed = ", ".join(f"{n}: ${n}" for n in given)
                key = f"{root.name}.{name}.{arg}"
                chosen = selection
                if any(checked.startswith(f"{key}.") for checked in CHECKED_PER_ITEM):
                    # Each bad item is reported in the payload's problems.
                    assert isinstance(returned, GraphQLUnionType)
                    [payload] = [t for t in returned.types if "problems" in t.fields]
                    chosen = (f"{{ __typename ... on UserError {{ field message }}"
                              f" ... on {payload.name} {{ problems {{ reason }} }} }}")  # fmt: skip
                document = f"{kind}({declared}) {{ {name}({passed}) {chosen} }}"
                for path, value in oversized(a.type, arg, key):
                    yield kind, name, document, {**required, arg: value}, path


@pytest.fixture
def schema() -> GraphQLSchema:
    return build_schema()._schema


async def test_every_oversized_argument_is_refused_naming_its_field_and_nothing_is_written(
    schema: GraphQLSchema, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(persistence="memory", seed_if_empty=False, max_string_length=MAX_STRING,
                        max_list_size=MAX_LIST)  # fmt: skip
    services = build_services(settings)
    tried, wrong = 0, []
    try:
        app = create_app(settings, services)
        head = services.app.last_position()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t",
            headers=auth_headers(services),
        ) as http:  # fmt: skip
            for kind, name, document, variables, path in cases(schema):
                tried += 1
                if kind == "subscription":
                    found = await _subscribe(services, document, variables)
                else:
                    response = await http.post(
                        "/graphql", json={"query": document, "variables": variables}
                    )
                    assert response.status_code == 200, response.text
                    found = _named_field(response.json(), name)
                expected = path.removeprefix("input.")
                if _checked_per_item(f"Mutation.{name}.{path}"):
                    found = _reported_item(response.json(), name, expected)
                if found != expected:
                    wrong.append(f"{kind} {name} {path}: {found}")
        assert services.app.last_position() == head
    finally:
        services.close()
    with capsys.disabled():
        print(f"\nbounded input: {tried} oversized values tried, {len(wrong)} not refused")
    assert wrong == [], "\n".join(wrong)
    assert tried > 100
    assert set(CHECKED_PER_ITEM) <= set(VALID_ITEMS), "a valid item for each such list"


def _checked_per_item(path: str) -> bool:
    """Whether the value lies in a list whose items the resolver checks one by one."""
    return any(path.startswith(f"{checked}.") for checked in CHECKED_PER_ITEM)


def _reported_item(body: dict[str, Any], name: str, expected: str) -> str | None:
    """``expected`` when the answer reports the item as a problem naming its column (the
    field in snake case, as the HR export names it); what was answered otherwise."""
    column = re.sub(r"(?<!^)(?=[A-Z])", "_", expected.rsplit(".", 1)[-1]).lower()
    problems = ((body.get("data") or {}).get(name) or {}).get("problems") or []
    if any(str(p.get("reason", "")).startswith(f"{column} ") for p in problems):
        return expected
    return f"accepted: {body}"


def _named_field(body: dict[str, Any], name: str) -> str | None:
    """The field an answer's error names: a typed ValidationError, or a coded error."""
    result = (body.get("data") or {}).get(name)
    if isinstance(result, dict) and result.get("__typename") == "ValidationError":
        return str(result["field"])
    for error in body.get("errors", []):
        extensions = error.get("extensions", {})
        if extensions.get("code") == "BAD_USER_INPUT":
            return str(extensions.get("field"))
        if extensions.get("code") == "INTERNAL_SERVER_ERROR":
            return f"internal error {error}"
    return f"accepted: {body}"


async def _subscribe(services: Any, document: str, variables: dict[str, Any]) -> str | None:
    context = Context(services=services, actor=Actor("admin@skillpath", "admin"))
    stream = await build_schema(limits=InputLimits(MAX_STRING, MAX_LIST)).subscribe(
        document, variable_values=variables, context_value=context
    )
    if not hasattr(stream, "__anext__"):
        errors = getattr(stream, "errors", None) or []
        return next((str((e.extensions or {}).get("field")) for e in errors), "no error")
    try:
        result = await asyncio.wait_for(anext(stream), 5)
    finally:
        await stream.aclose()
    errors = result.errors or []
    return next((str((e.extensions or {}).get("field")) for e in errors), "accepted")


async def test_a_huge_search_and_a_huge_topic_list_are_refused_naming_the_field(
    gql: Any,
) -> None:
    # Within the body limit (a million characters are refused before parsing, as
    # tests/test_bad_requests.py shows).
    search = await gql("query($s: String) { modules(search: $s) { totalCount } }", s="x" * 10**5)
    topics = await gql(
        'mutation($t: [String!]!) { publishModule(input: {title: "T", topics: $t,'
        ' skills: [{skill: "a", level: 1}], difficulty: 1, mediaType: VIDEO, minutes: 5})'
        " { __typename ... on ValidationError { field message } } }",
        t=["t"] * 10**5,
    )

    assert [e["extensions"] for e in search["errors"]] == [
        {"code": "BAD_USER_INPUT", "field": "search"}
    ]
    assert topics["data"]["publishModule"] == {
        "__typename": "ValidationError", "field": "topics",
        "message": "must hold at most 100 items",
    }  # fmt: skip
