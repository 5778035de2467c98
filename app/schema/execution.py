"""Execution of GraphQL operations with short paths for fields resolved once per row.

graphql-core resolves every field the same way: build a resolve info, call the resolver
(strawberry's wrapper around ``getattr`` for a field without a resolver), then complete the
value through its type. For a scalar read straight off an attribute, which is most fields
of a page of rows, that machinery costs many times the attribute read itself. This
execution context reads such fields directly and serialises them through their type; any
case it does not handle plainly (no value, an error, middleware) takes the full path.

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
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    Undefined,
    get_nullable_type,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

#: Scalars whose serialisation depends on the value alone (strawberry's custom scalars,
#: such as dates, go the full way).
_PLAIN_SCALARS = {
    s.name for s in (GraphQLString, GraphQLID, GraphQLInt, GraphQLFloat, GraphQLBoolean)
}
_PLAIN_VALUES = (str, int, float, bool, Enum)

Shortcut = tuple[str, Any]
_shortcuts: weakref.WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str], Shortcut]] = (
    weakref.WeakKeyDictionary()
)


def plain_scalar_fields(schema: GraphQLSchema) -> dict[tuple[str, str], Shortcut]:
    """(type, field) -> (attribute, scalar type) for fields strawberry reads off an attribute."""
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
                if isinstance(leaf, GraphQLEnumType) or getattr(leaf, "name", "") in _PLAIN_SCALARS:
                    found[(type_name, field_name)] = (definition.python_name, leaf)
        _shortcuts[schema] = found
    return found


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

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        shortcut = self._plain.get((parent_type.name, field_details_list[0].node.name.value))
        if shortcut is not None:
            attribute, leaf = shortcut
            value = getattr(source, attribute, None)
            if isinstance(value, _PLAIN_VALUES):
                try:
                    coerced = leaf.coerce_output_value(value)
                except Exception:  # the full path reports it, located and typed
                    coerced = None
                if coerced is not None and coerced is not Undefined:
                    return coerced
        return super().execute_field(parent_type, source, field_details_list, path, *args, **kwargs)
