"""The short execution paths answer exactly what strawberry's full path answers."""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest
import strawberry

from app.schema.execution import DIRECT, PlainFieldsExecutionContext, install_direct_resolvers


@strawberry.enum
class Size(Enum):
    SMALL = "small"
    LARGE = "large"


@strawberry.type
class Box:
    id: strawberry.ID
    label: str
    weight: int
    ratio: float
    sealed: bool
    size: Size

    @strawberry.field(metadata=DIRECT)
    def twin(self, info: strawberry.Info) -> str:
        return f"{self.label}/{info.context['suffix']}"


def _box(label: Any, weight: Any = 1, size: Any = Size.SMALL) -> Box:
    return Box(
        id=strawberry.ID(f"box-{label}"), label=label, weight=weight, ratio=0.5, sealed=True,
        size=size,
    )  # fmt: skip


@strawberry.type
class Query:
    @strawberry.field
    def boxes(self) -> list[Box | None]:
        return [
            _box("a"),
            _box("b", weight=7, size=Size.LARGE),
            _box(None),  # a null where the schema promises a value
            _box("c", weight=2**40),  # outside GraphQL's 32-bit Int
            _box("d", size="not a size"),
        ]


QUERY = "{ boxes { id label weight ratio sealed size twin } }"
PLAIN_ONLY = "{ boxes { size label: id id: label weight } }"


async def _run(short_paths: bool, query: str = QUERY) -> tuple[Any, list[tuple[str, list[Any]]]]:
    schema = strawberry.Schema(
        query=Query,
        execution_context_class=PlainFieldsExecutionContext if short_paths else None,
    )
    if short_paths:
        install_direct_resolvers(schema._schema)
    result = await schema.execute(query, context_value={"suffix": "x"})
    errors = sorted((e.message, list(e.path or [])) for e in result.errors or [])
    return result.data, errors


async def test_short_paths_give_the_same_data_and_errors_as_the_full_path() -> None:
    short, full = await _run(short_paths=True), await _run(short_paths=False)

    assert short == full
    data, errors = short
    assert data["boxes"][2:] == [None, None, None]  # each error nulls its own box
    assert list(data["boxes"][0]) == ["id", "label", "weight", "ratio", "sealed", "size", "twin"]
    assert data["boxes"][1] == {
        "id": "box-b", "label": "b", "weight": 7, "ratio": 0.5, "sealed": True, "size": "LARGE",
        "twin": "b/x",
    }  # fmt: skip
    assert sorted(path for _, path in errors) == [
        ["boxes", 2, "label"], ["boxes", 3, "weight"], ["boxes", 4, "size"],
    ]  # fmt: skip


@strawberry.type
class Loose:
    @strawberry.field(metadata=DIRECT)
    def sized(self, info: strawberry.Info, at: int) -> str:
        return str(at)


@strawberry.type
class LooseQuery:
    loose: Loose


async def test_objects_of_plain_fields_only_keep_the_order_and_aliases_of_the_query() -> None:
    short, full = await _run(True, PLAIN_ONLY), await _run(False, PLAIN_ONLY)

    assert short == full
    assert list(short[0]["boxes"][1].items()) == [
        ("size", "LARGE"), ("label", "box-b"), ("id", "b"), ("weight", 7),
    ]  # fmt: skip


def test_a_direct_field_must_be_synchronous_and_without_arguments() -> None:
    schema = strawberry.Schema(query=LooseQuery)
    with pytest.raises(TypeError, match=r"Loose\.sized"):
        install_direct_resolvers(schema._schema)
