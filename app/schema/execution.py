"""Execution of GraphQL operations with short paths for fields resolved once per row.

graphql-core resolves every field the same way: build a resolve info, call the resolver
(strawberry's wrapper around ``getattr`` for a field without a resolver), then complete the
value through its type. For a scalar read straight off an attribute, which is most fields
of a page of rows, that machinery costs many times the attribute read itself. When it
executes the fields of an object, this execution context answers such fields directly
(coerced through their type) and hands graphql-core only the others; any case it does not
handle plainly (no value, a value of another type, a resolve middleware) takes the full
path, so answers and errors are the same.

A link resolved for every row (an employee's role) may also skip strawberry's per-call
wrapper (its Info object, argument conversion and extension chain): mark the field
``metadata=DIRECT`` and graphql-core calls the resolver itself. Such a resolver must be
synchronous (it may return an awaitable), take no arguments and use ``info.context`` only.
"""

from __future__ import annotations

import weakref
from enum import Enum
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    Undefined,
    get_nullable_type,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from app.access import PERSON_TYPES
from app.schema.guard import plain_fields_visible

#: Scalars whose serialisation depends on the value alone (strawberry's custom scalars,
#: such as dates, go the full way).
_PLAIN_SCALARS = {
    s.name for s in (GraphQLString, GraphQLID, GraphQLInt, GraphQLFloat, GraphQLBoolean)
}
#: ... and of those, the ones that answer a ``str`` as it is.
_TEXT_SCALARS = {GraphQLString.name, GraphQLID.name}
_PLAIN_VALUES = (str, int, float, bool, Enum)
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_INT, _NONE = {int}, type(None)

#: A plain field: the attribute it reads, its scalar or enum type, and whether that type
#: answers a ``str`` unchanged.
Shortcut = tuple[str, Any, bool]
PlainFields = dict[str, dict[str, Shortcut]]
_shortcuts: weakref.WeakKeyDictionary[GraphQLSchema, PlainFields] = weakref.WeakKeyDictionary()
_MISS = object()


def plain_scalar_fields(schema: GraphQLSchema) -> PlainFields:
    """type -> field -> shortcut, for the fields strawberry reads straight off an attribute."""
    found = _shortcuts.get(schema)
    if found is None:
        found = {}
        for type_name, graphql_type in schema.type_map.items():
            if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
                continue
            for field_name, field in graphql_type.fields.items():
                definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
                if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
                    continue
                leaf = get_nullable_type(field.type)
                name = getattr(leaf, "name", "")
                if isinstance(leaf, GraphQLEnumType) or name in _PLAIN_SCALARS:
                    shortcut = (definition.python_name, leaf, name in _TEXT_SCALARS)
                    found.setdefault(type_name, {})[field_name] = shortcut
                elif isinstance(leaf, GraphQLList):
                    item = leaf.of_type
                    scalar = get_nullable_type(item)
                    if getattr(scalar, "name", "") in _PLAIN_SCALARS - _TEXT_SCALARS | {"String"}:
                        many = _ListOf(scalar, not isinstance(item, GraphQLNonNull))
                        found.setdefault(type_name, {})[field_name] = (
                            definition.python_name, many, False,
                        )  # fmt: skip
        _shortcuts[schema] = found
    return found


class _ListOf:
    """A list of plain scalars (a series of values): answered whole, item by item coerced."""

    def __init__(self, scalar: Any, nullable_items: bool) -> None:
        self.scalar = scalar
        self.nullable_items = nullable_items
        self.ints = scalar.name == GraphQLInt.name

    def read(self, value: Any) -> Any:
        if type(value) is not list:
            return _MISS
        if self.ints:
            # Int coerces an int to itself inside 32 bits (a matrix of levels is thousands).
            kinds = set(map(type, value))
            numbers = value
            if self.nullable_items and _NONE in kinds:
                kinds.discard(_NONE)
                numbers = [item for item in value if item is not None]
            if kinds <= _INT and (
                not numbers or (min(numbers) >= _INT_MIN and max(numbers) <= _INT_MAX)
            ):
                return list(value)
        found: list[Any] = []
        for item in value:
            if item is None:
                if not self.nullable_items:
                    return _MISS
                found.append(None)
                continue
            if not isinstance(item, _PLAIN_VALUES) or isinstance(item, Enum):
                return _MISS
            try:
                coerced = self.scalar.coerce_output_value(item)
            except Exception:  # the full path reports it, located and typed
                return _MISS
            found.append(coerced)
        return found


def _read(shortcut: Shortcut, source: Any) -> Any:
    """The field's answer, or ``_MISS`` for anything but a plain value of its type."""
    attribute, leaf, text = shortcut
    value = getattr(source, attribute, None)
    if isinstance(leaf, _ListOf):
        return leaf.read(value)
    if text and type(value) is str:
        return value
    if not isinstance(value, _PLAIN_VALUES):
        return _MISS
    try:
        coerced = leaf.coerce_output_value(value)
    except Exception:  # the full path reports it, located and typed
        return _MISS
    return _MISS if coerced is None or coerced is Undefined else coerced


DIRECT = {"skillpath.direct": True}


def install_direct_resolvers(schema: GraphQLSchema) -> None:
    """Let graphql-core call the resolvers of fields marked ``metadata=DIRECT`` itself."""
    for type_name, graphql_type in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        for field_name, field in graphql_type.fields.items():
            definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if not isinstance(definition, StrawberryField) or not definition.metadata.get(
                "skillpath.direct"
            ):
                continue
            resolver = definition.base_resolver
            if (
                resolver is None
                or resolver.is_async
                or definition.arguments
                or definition.extensions
            ):
                raise TypeError(
                    f"{type_name}.{field_name} cannot be resolved directly: it needs a"
                    " synchronous resolver without arguments or field extensions"
                )
            field.resolve = _direct(resolver.wrapped_func)


def _direct(function: Any) -> Any:
    def resolve(source: Any, info: Any) -> Any:
        return function(source, info)

    return resolve


class PlainFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, reading plain scalar attributes directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Middleware (a schema extension's resolve hook) must see every field: no shortcut.
        middlewares = getattr(self.middleware_manager, "middlewares", None)
        self._plain = {} if middlewares else plain_scalar_fields(self.schema)

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        # Straight to the object's fields: graphql-core's two layers between (incremental
        # delivery bookkeeping, unused without @defer) cost a call each for every row.
        # Anything unusual (a type check that is not plainly true, deferred fragments)
        # takes the full path.
        is_type_of = return_type.is_type_of
        if is_type_of is None or is_type_of(result, info) is True:
            grouped_field_set, deferred, _ = self.collect_subfields(return_type, field_details_list)
            if not deferred:
                return self.execute_fields(return_type, result, path, grouped_field_set, None)
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        *args: Any,
    ) -> Any:
        plain = self._plain.get(parent_type.name)
        if plain is None:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, *args)
        # A person's fields are answered directly only where the access policy shows them;
        # the others take the full path, where their guard refuses them (app/schema/guard).
        visible = None
        if parent_type.name in PERSON_TYPES:
            visible = plain_fields_visible(self.context_value, parent_type.name, source_value)
        answered: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        for response_name, field_details_list in grouped_field_set.items():
            name = field_details_list[0].node.name.value
            shortcut = plain.get(name)
            if visible is not None and name not in visible:
                shortcut = None
            value = _MISS if shortcut is None else _read(shortcut, source_value)
            if value is _MISS:
                rest[response_name] = field_details_list
            else:
                answered[response_name] = value
        if not rest:
            return answered
        # The other fields (and any plain one that needs the full path) as graphql-core
        # executes them; the answer keeps the order of the query.
        executed: Any = super().execute_fields(parent_type, source_value, path, rest, *args)
        if self.is_awaitable(executed):

            async def merge_later() -> dict[str, Any]:
                return _in_order(grouped_field_set, answered, await executed)

            return merge_later()
        return _in_order(grouped_field_set, answered, executed)


def _in_order(order: Any, answered: dict[str, Any], executed: dict[str, Any]) -> dict[str, Any]:
    return {
        name: answered[name] if name in answered else executed[name]
        for name in order
        if name in answered or name in executed
    }
