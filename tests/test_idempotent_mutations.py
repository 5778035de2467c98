"""An idempotencyKey on any mutation: a repeat answers the first result and writes nothing;
the same key with another input is a Conflict; keys expire after the kept period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.integration.idempotency import Replay, Reserved
from app.schema import build_schema
from tests.api_support import head, mutate, valid_input
from tests.conftest import GraphQLClient
from tests.domain_support import Organisation


async def test_a_repeated_hire_with_the_same_key_answers_the_first_result_and_writes_nothing(
    gql: GraphQLClient,
) -> None:
    assert gql.services is not None
    org = Organisation(gql.services.app)
    given = {**valid_input("hireEmployee", org), "idempotencyKey": "hire-linus-1"}
    first = await mutate(gql, "hireEmployee", given, read_back="employee { name }")
    after_first = await head(gql)
    again = await mutate(gql, "hireEmployee", given, read_back="employee { name }")
    assert first["__typename"] == "EmployeePayload"
    assert again == first
    assert await head(gql) == after_first


async def test_the_same_key_with_a_different_input_is_a_conflict(gql: GraphQLClient) -> None:
    assert gql.services is not None
    org = Organisation(gql.services.app)
    given = {**valid_input("assessSkill", org), "idempotencyKey": "skill-1"}
    await mutate(gql, "assessSkill", given)
    position = await head(gql)
    other = await mutate(gql, "assessSkill", {**given, "level": 1})
    assert other["__typename"] == "Conflict"
    assert other["field"] == "idempotencyKey"
    assert await head(gql) == position


async def test_the_same_key_from_another_caller_is_their_own(gql: GraphQLClient) -> None:
    assert gql.services is not None
    org = Organisation(gql.services.app)
    given = {**valid_input("assessSkill", org), "idempotencyKey": "shared-key"}
    await mutate(gql, "assessSkill", given)
    position = await head(gql)
    hr = gql.acting_as("hr")
    theirs = await mutate(hr, "assessSkill", given)
    assert theirs["__typename"] == "EmployeePayload"
    assert theirs["position"] > position


async def test_a_refused_mutation_releases_its_key_for_a_corrected_retry(
    gql: GraphQLClient,
) -> None:
    assert gql.services is not None
    org = Organisation(gql.services.app)
    given = {**valid_input("assessSkill", org), "idempotencyKey": "retry-me"}
    refused = await mutate(gql, "assessSkill", {**given, "level": 9})
    assert refused["__typename"] == "ValidationError"
    corrected = await mutate(gql, "assessSkill", given)
    assert corrected["__typename"] == "EmployeePayload"


async def test_a_key_with_control_characters_is_refused_naming_the_field(
    gql: GraphQLClient,
) -> None:
    assert gql.services is not None
    org = Organisation(gql.services.app)
    given = {**valid_input("assessSkill", org), "idempotencyKey": "bad\x00key"}
    position = await head(gql)
    refused = await mutate(gql, "assessSkill", given)
    assert refused["__typename"] == "ValidationError"
    assert refused["field"] == "idempotencyKey"
    assert await head(gql) == position


def test_keys_are_forgotten_after_the_kept_period(memory_settings: object) -> None:
    from app.bootstrap import build_services

    services = build_services(memory_settings, start_projections=False)  # type: ignore[arg-type]
    try:
        keys = services.idempotency
        then = datetime.now(UTC) - timedelta(hours=30)
        assert isinstance(keys.claim("hr:x", "k", "digest", now=then), Reserved)
        keys.finish("hr:x", "k", {"type": "x", "fields": {}})
        assert isinstance(keys.claim("hr:x", "k", "digest", now=then), Replay)
        assert isinstance(keys.claim("hr:x", "k", "digest"), Reserved)
    finally:
        services.close()


@pytest.mark.parametrize("schema", [build_schema()])
def test_every_mutation_accepts_an_idempotency_key(schema: object) -> None:
    mutation = schema._schema.mutation_type  # type: ignore[attr-defined]
    for name, field in mutation.fields.items():
        if "input" in field.args:
            input_type = field.args["input"].type.of_type
            assert "idempotencyKey" in input_type.fields, name
        else:
            assert "idempotencyKey" in field.args, name
