"""A module names each skill it teaches once; names differing only in case are the same skill."""

from __future__ import annotations

import pytest

from app.aggregates import ValidationFailed
from tests.conftest import GraphQLClient
from tests.domain_support import publish


def test_a_skill_listed_twice_in_different_case_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        publish(skills={"SQL": 2, "sql": 3})

    assert refused.value.field == "skills.skill"


async def test_publishing_a_module_with_a_repeated_skill_names_the_field(
    gql: GraphQLClient,
) -> None:
    answer = await gql.data(
        'mutation { publishModule(input: {title: "Joins", skills: [{skill: "sql", level: 2},'
        ' {skill: "sql", level: 3}], difficulty: 2, mediaType: VIDEO, minutes: 20})'
        " { __typename ... on ValidationError { field message } } }"
    )

    assert answer["publishModule"] == {
        "__typename": "ValidationError",
        "field": "skills.skill",
        "message": "'sql' is listed twice",
    }
