"""Descriptions of the schema's shared vocabulary, applied where a definition gives none.

Every type, field, argument, input field and enum value of the schema carries a description
(tests/test_schema_descriptions.py fails on one without). Most are written beside their
definition; the words that mean the same wherever they appear (``employeeId``, ``first``,
``cursor``, ``occurredAt``...) are described once here, by name, and the remaining terse ones
by their schema coordinate (``Type.field``, ``Type.field(argument)``, ``Enum.VALUE``). An
entry here never overrides a description written in code, and an entry naming nothing in the
schema fails the same test, so the table cannot drift from the schema.
"""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)

from app.schema.descriptions_table import BY_COORDINATE, FIELDS_BY_NAME

#: Scalars graphql-core defines (their descriptions come with it).
BUILT_IN = frozenset({"String", "Int", "Float", "Boolean", "ID"})


def coordinates(schema: GraphQLSchema) -> dict[str, str | None]:
    """Every describable element of the schema by its coordinate, with its description."""
    found: dict[str, str | None] = {}
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN:
            continue
        found[name] = graphql_type.description
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in graphql_type.fields.items():
                found[f"{name}.{field_name}"] = field.description
                for arg_name, arg in field.args.items():
                    found[f"{name}.{field_name}({arg_name})"] = arg.description
        elif isinstance(graphql_type, GraphQLInputObjectType):
            for field_name, input_field in graphql_type.fields.items():
                found[f"{name}.{field_name}"] = input_field.description
        elif isinstance(graphql_type, GraphQLEnumType):
            for value_name, value in graphql_type.values.items():
                found[f"{name}.{value_name}"] = value.description
    return found


def _shared(name: str) -> str | None:
    return FIELDS_BY_NAME.get(name)


def install_descriptions(schema: GraphQLSchema) -> None:
    """Fill in the descriptions the definitions leave out (once per schema)."""
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN:
            continue
        graphql_type.description = graphql_type.description or BY_COORDINATE.get(name)
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in graphql_type.fields.items():
                coordinate = f"{name}.{field_name}"
                field.description = (
                    field.description or BY_COORDINATE.get(coordinate) or _shared(field_name)
                )
                for arg_name, arg in field.args.items():
                    arg.description = (
                        arg.description
                        or BY_COORDINATE.get(f"{coordinate}({arg_name})")
                        or _shared(arg_name)
                    )
        elif isinstance(graphql_type, GraphQLInputObjectType):
            for field_name, input_field in graphql_type.fields.items():
                input_field.description = (
                    input_field.description
                    or BY_COORDINATE.get(f"{name}.{field_name}")
                    or _shared(field_name)
                )
        elif isinstance(graphql_type, GraphQLEnumType):
            for value_name, value in graphql_type.values.items():
                value.description = value.description or BY_COORDINATE.get(f"{name}.{value_name}")
