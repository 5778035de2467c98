"""An idempotencyKey on any mutation: a repeat answers the first result and writes nothing;
the same key with another input is a Conflict; keys expire after the kept period."""

from __future__ import annotations

import json
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


def test_first_results_with_nested_objects_enums_and_times_are_kept_as_they_were() -> None:
    from app.schema.idempotency import decode_result, encode_result
    from app.schema.integration import HrRecordChange, HrRowProblem, ImportHrRecordsPayload
    from app.schema.webhooks import WebhookEndpoint, WebhookEndpointKind, WebhookPayload

    webhook = WebhookPayload(endpoint=WebhookEndpoint(
        id="e1", url="https://hr.example/h", kind=WebhookEndpointKind.HRIS,  # type: ignore[arg-type]
        event_kinds=["Employee.*"], position=3, failures_in_a_row=0,
        next_attempt_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
    ))  # fmt: skip
    imported = ImportHrRecordsPayload(
        position=9, dry_run=False, hired=["H1"], unchanged=2,
        updated=[HrRecordChange(employee_id="H2", fields=["name"])],
        problems=[HrRowProblem(row=3, employee_id=None, reason="email is empty")],
    )  # fmt: skip
    for result in (webhook, imported):
        assert decode_result(json.loads(json.dumps(encode_result(result)))) == result
