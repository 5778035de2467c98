"""Bounded input: every string argument and input field has a maximum length, every list a
maximum size, checked before any resolver (or the access check) runs.

The bounds are settings (``SKILLPATH_MAX_STRING_LENGTH``, ``SKILLPATH_MAX_LIST_SIZE``);
a few arguments have narrower ones of their own (``NARROWER``): a search text is bounded
far below what a database pattern matcher copes with. Text must also be storable by every
read model (no NUL or other control character, no lone surrogate: app/commands/clean_text.py,
the check every command's events pass as well). An oversized or unstorable value is answered with a
``ValidationError`` naming the field where the operation's result has one (mutations),
and with an error coded ``BAD_USER_INPUT`` naming the field elsewhere; nothing is run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
)

from app.commands.clean_text import text_fault
from app.schema.errors import ValidationError, bad_input

#: Bounds narrower than the settings', by ``Type.field.argument[.input field]``.
NARROWER: dict[str, int] = {
    "Query.modules.search": 200,
    "Query.modules.skill": 100,
    "Query.recommendations.goal": 100,
}


#: Lists allowed more items than the setting's bound, by ``Type.field.argument[.input field]``.
WIDER: dict[str, int] = {"Mutation.importHrRecords.input.rows": 500}

#: Lists whose items' text the resolver checks item by item, reporting each bad one while
#: the good ones are used (an HR batch: one row with a NUL must not refuse the others).
#: Only their size is bounded here; the body-size limit bounds what each item can carry.
CHECKED_PER_ITEM = frozenset({"Mutation.importHrRecords.input.rows"})

_BOUNDED = "_skillpath_bounded"


@dataclass(frozen=True)
class InputLimits:
    """The largest string and list any argument may carry."""

    max_string_length: int = 5_000
    max_list_size: int = 100


class TooLarge(Exception):
    """An argument value out of bounds: too long, too many items, or no storable text."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _named(graphql_type: Any) -> Any:
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return graphql_type


def _check(value: Any, graphql_type: Any, where: str, key: str, limits: InputLimits) -> None:
    """Raise ``TooLarge`` for the first oversized value, named by its schema path."""
    if value is None:
        return
    if isinstance(graphql_type, GraphQLNonNull):
        graphql_type = graphql_type.of_type
    if isinstance(value, str):
        longest = NARROWER.get(key, limits.max_string_length)
        if len(value) > longest:
            raise TooLarge(where, f"must be at most {longest} characters long")
        # The same check every command's events pass: text a read model can store.
        fault = text_fault(value)
        if fault is not None:
            raise TooLarge(where, fault)
        return
    if isinstance(value, list):
        most = WIDER.get(key, limits.max_list_size)
        if len(value) > most:
            raise TooLarge(where, f"must hold at most {most} items")
        if key in CHECKED_PER_ITEM:
            return
        item_type = graphql_type.of_type if isinstance(graphql_type, GraphQLList) else None
        for item in value:
            _check(item, item_type, where, key, limits)
        return
    named = _named(graphql_type)
    if isinstance(value, Mapping) and isinstance(named, GraphQLInputObjectType):
        for name, field_value in value.items():
            field = named.fields.get(name)
            _check(field_value, None if field is None else field.type,
                   f"{where}.{name}" if where else name, f"{key}.{name}", limits)  # fmt: skip


def _error_field(path: str) -> str:
    """Input fields are named as the domain names them: without the ``input.`` prefix."""
    return path.removeprefix("input.")


def _typed(return_type: Any) -> bool:
    named = _named(return_type)
    return isinstance(named, GraphQLUnionType) and any(
        t.name == "ValidationError" for t in named.types
    )


def _bounded(
    type_name: str, field_name: str, field: Any, resolve: Callable[..., Any], limits: InputLimits,
    *, typed: bool,
) -> Callable[..., Any]:  # fmt: skip
    arguments = dict(field.args)

    def refuse(error: TooLarge) -> Any:
        if typed:
            return ValidationError(field=_error_field(error.field), message=error.message)
        raise bad_input(error.field, error.message)

    def bounded(source: Any, info: Any, **kwargs: Any) -> Any:
        try:
            for name, value in kwargs.items():
                argument = arguments.get(name)
                _check(value, None if argument is None else argument.type, name,
                       f"{type_name}.{field_name}.{name}", limits)  # fmt: skip
        except TooLarge as error:
            return refuse(error)
        return resolve(source, info, **kwargs)

    bounded._skillpath_bounded = True  # type: ignore[attr-defined]
    return bounded


def install_limits(schema: GraphQLSchema, limits: InputLimits) -> None:
    """Bound the arguments of every field that takes some (once per schema)."""
    for type_name, graphql_type in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        for field_name, field in graphql_type.fields.items():
            if not field.args or getattr(field.subscribe or field.resolve, _BOUNDED, False):
                continue
            typed = _typed(field.type)
            if field.subscribe is not None:
                field.subscribe = _bounded(
                    type_name, field_name, field, field.subscribe, limits, typed=False
                )
            elif field.resolve is not None:
                field.resolve = _bounded(
                    type_name, field_name, field, field.resolve, limits, typed=typed
                )
