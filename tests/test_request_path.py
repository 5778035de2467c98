"""A lean request path: no schema extension made per request, a query text parsed and
validated once, and a page of employees reading only what its query selects."""

from __future__ import annotations

import gc
from collections import Counter
from typing import Any

import pytest

import app.schema.preparation as preparation
from app.bootstrap import Services
from app.persistence import Transaction
from app.projections.paging import NOT_COUNTED
from app.schema import build_schema
from tests.conftest import GraphQLClient
from tests.domain_support import Organisation


def test_the_schema_makes_no_extension_per_request() -> None:
    schema = build_schema(max_cost=10_000, metrics=True)
    assert schema.get_extensions() == []


async def test_a_repeated_query_text_is_parsed_and_validated_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    schema = build_schema()
    parsed: list[str] = []
    real_parse = preparation.parse

    def counting_parse(text: str, **options: Any) -> Any:
        parsed.append(text)
        return real_parse(text, **options)

    monkeypatch.setattr(preparation, "parse", counting_parse)
    validated = []
    real_validate = schema.preparation.validate
    monkeypatch.setattr(
        schema.preparation, "validate", lambda d: validated.append(d) or real_validate(d)
    )
    for _ in range(3):
        assert (await schema.execute("{ __typename }")).data == {"__typename": "Query"}
    refused = [await schema.execute("{ nothingHere }") for _ in range(2)]
    assert parsed == ["{ __typename }", "{ nothingHere }"]
    assert len(validated) == 2
    assert all(r.errors and "nothingHere" in r.errors[0].message for r in refused)


async def test_a_query_text_over_the_token_limit_is_refused_before_it_runs() -> None:
    schema = build_schema()
    answer = await schema.execute("{ " + "__typename " * 6_000 + "}")
    assert answer.data is None
    assert answer.errors and "token" in answer.errors[0].message.lower()


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    for name in ("rows", "scalar"):
        real = getattr(Transaction, name)

        def spy(self: Transaction, sql: str, params: Any = (), _real: Any = real) -> Any:
            seen.append(sql)
            return _real(self, sql, params)

        monkeypatch.setattr(Transaction, name, spy)
    return seen


async def test_a_page_of_employees_counts_only_when_the_total_is_selected(
    services: Services, gql: GraphQLClient, statements: list[str]
) -> None:
    Organisation(services.app)
    services.runner.catch_up()
    page = await gql.data("{ employees(first: 5) { edges { node { name } } } }")
    assert len(page["employees"]["edges"]) == 2
    assert not any("COUNT(*)" in sql for sql in statements)
    counted = await gql.data("{ employees(first: 1) { totalCount edges { node { id } } } }")
    assert counted["employees"]["totalCount"] == 2
    assert any("COUNT(*)" in sql for sql in statements)


async def test_a_page_of_employees_reads_only_the_columns_its_fields_need(
    services: Services, gql: GraphQLClient, statements: list[str]
) -> None:
    org = Organisation(services.app)
    services.runner.catch_up()
    page = await gql.data("{ employees(first: 5) { edges { node { name role { title } } } } }")
    names = {edge["node"]["name"] for edge in page["employees"]["edges"]}
    assert names == {"Grace Hopper", "Ada Lovelace"}
    assert {edge["node"]["role"]["title"] for edge in page["employees"]["edges"]} == {"Developer"}
    directory = [sql for sql in statements if "FROM {employees}" in sql and "LIMIT" in sql]
    assert directory and all("SELECT *" not in sql for sql in directory)
    assert "email" not in directory[0] and "goals" not in directory[0]
    # A manager comes from the same page: whole rows, so their fields are all there.
    statements.clear()
    managed = await gql.data(
        "{ employees(first: 5) { edges { node { id manager { name email department"
        " hireDate status } } } } }"
    )
    managers = [e["node"]["manager"] for e in managed["employees"]["edges"]]
    assert {"name": "Grace Hopper", "email": "grace@example.com", "department": "Engineering",
            "hireDate": "2024-01-02", "status": "ACTIVE"} in managers  # fmt: skip
    assert any("SELECT *" in sql for sql in statements)
    assert org.employee_id


def test_a_directory_page_without_the_total_or_all_columns(services: Services) -> None:
    Organisation(services.app)
    services.runner.catch_up()
    page = services.directory.page(first=5, after=None, count=False, columns=["name"])
    assert page.total == NOT_COUNTED
    assert {row.name for row in page.items} == {"Grace Hopper", "Ada Lovelace"}
    assert all(row.email is None and row.media_types == [] for row in page.items)
    with pytest.raises(ValueError, match="no such directory columns"):
        services.directory.page(first=5, after=None, columns=["name; DROP TABLE x"])


async def test_an_answer_with_refused_fields_leaves_no_frames_for_the_garbage_collector(
    services: Services, gql: GraphQLClient
) -> None:
    """Each refused field's error held its resolvers' finished frames, and the request's
    loaders and access scope held every row read: cycles only a collection frees, which at
    thousands of objects a page paused the whole process."""
    org = Organisation(services.app)
    services.runner.catch_up()
    employee = gql.as_employee(org.employee_id)
    query = "{ employees(first: 5) { edges { node { id skills { skill } } } } }"
    await employee(query)  # caches warm: what stays is garbage of the request alone
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        answer = await employee(query)
        gc.collect()
        left = Counter(type(item).__name__ for item in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert any(e["extensions"]["code"] == "FORBIDDEN" for e in answer["errors"])
    assert left["traceback"] == 0 and left["frame"] == 0, left
    assert left["EmployeeRow"] == 0 and left["Subject"] == 0, left
