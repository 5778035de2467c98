"""The cost of an operation, computed from its document before anything runs.

As GitHub's and Shopify's APIs do, the cost is the number of objects an operation may
return: a field returning one object costs 1 for each parent object, a list costs its page
size (``first``/``last``/``limit``, at most the pagination cap) for each parent, a list
without a page argument counts as ``UNPAGED_LIST`` objects, and the objects below are
multiplied through: breadth x page caps x depth. Scalars cost nothing. A connection's page
size carries to its ``edges``/``nodes``. Variables count at the values sent.

An operation over ``SKILLPATH_MAX_QUERY_COST`` is refused with an error coded
``QUERY_TOO_COSTLY`` that states its cost and the limit; no resolver runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    is_leaf_type,
)

from app.aggregates.programme_phases import PHASES
from app.schema.common import MAX_PAGE

#: How many objects a list without a page argument is counted as.
UNPAGED_LIST = 20
#: Lists without a page argument whose length the domain bounds, counted at that bound
#: ("Type.field": at most this many items).
BOUNDED_LISTS: Mapping[str, int] = {
    "ProgrammeView.phases": len(PHASES),  # one phase of each kind at most
}
_PAGE_ARGUMENTS = ("first", "last", "limit")


def _unwrap(graphql_type: Any) -> tuple[Any, bool]:
    is_list = False
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        if isinstance(graphql_type, GraphQLList):
            is_list = True
        graphql_type = graphql_type.of_type
    return graphql_type, is_list


class _Costing:
    def __init__(
        self, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any], limit: int,
    ) -> None:  # fmt: skip
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.limit = limit

    def page(self, node: FieldNode, field: Any) -> int | None:
        for name in _PAGE_ARGUMENTS:
            if name not in field.args:
                continue
            value: Any = field.args[name].default_value
            for argument in node.arguments or ():
                if argument.name.value != name:
                    continue
                if isinstance(argument.value, IntValueNode):
                    value = int(argument.value.value)
                elif isinstance(argument.value, VariableNode):
                    value = self.variables.get(argument.value.name.value, value)
            if isinstance(value, int) and not isinstance(value, bool):
                return max(0, min(value, MAX_PAGE))
        return None

    def fields(
        self, selection_set: SelectionSetNode, parent: Any, seen: frozenset[str]
    ) -> Iterator[tuple[FieldNode, Any]]:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection, parent
            elif isinstance(selection, InlineFragmentNode):
                on = selection.type_condition
                inner = parent if on is None else self.schema.get_type(on.name.value)
                yield from self.fields(selection.selection_set, inner or parent, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                inner = self.schema.get_type(fragment.type_condition.name.value)
                yield from self.fields(fragment.selection_set, inner or parent, seen | {name})

    def cost(
        self, selection_set: SelectionSetNode | None, parent: Any, parents: int,
        inherited_page: int | None, total: int = 0,
    ) -> int:  # fmt: skip
        if selection_set is None:
            return total
        for node, owner in self.fields(selection_set, parent, frozenset()):
            name = node.name.value
            field = getattr(owner, "fields", {}).get(name) if not name.startswith("__") else None
            if field is None:
                continue
            named, is_list = _unwrap(field.type)
            if is_leaf_type(named):
                continue
            page = self.page(node, field)
            unpaged = BOUNDED_LISTS.get(f"{getattr(owner, 'name', '')}.{name}", UNPAGED_LIST)
            size = (page if page is not None else inherited_page or unpaged) if is_list else 1
            count = parents * size
            total += count
            if total > self.limit:
                return total  # refused whatever follows: stop counting
            carried = page if not is_list else None
            total = self.cost(node.selection_set, named, count, carried, total)
        return total


def operation_cost(
    schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None,
    operation_name: str | None, limit: int,
) -> int:  # fmt: skip
    """The operation's cost, or a number above ``limit`` as soon as it is over."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value
              == operation_name)]  # fmt: skip
    if not chosen:
        return 0
    operation = chosen[0]
    root = {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }[operation.operation.value]
    costing = _Costing(schema, fragments, variables or {}, limit)
    return costing.cost(operation.selection_set, root, 1, None)


def too_costly(cost: int, limit: int) -> GraphQLError:
    return GraphQLError(
        f"The operation may return more than {limit} objects (its cost is at least {cost}):"
        " ask for smaller pages or fewer nested lists.",
        extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": limit},
    )


class _Costs:
    """Costs of recent (document, operation, variables): the parser cache hands out the same
    document object for the same text, so a repeated operation is costed once."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._found: dict[tuple[int, str | None, str], tuple[DocumentNode, int]] = {}

    def cost(self, schema: GraphQLSchema, document: DocumentNode,
             variables: Mapping[str, Any] | None, operation_name: str | None,
             limit: int) -> int:  # fmt: skip
        try:
            key = (id(document), operation_name, repr(sorted((variables or {}).items())))
        except TypeError:  # variables that do not sort: cost them afresh
            return operation_cost(schema, document, variables, operation_name, limit)
        found = self._found.get(key)
        if found is not None and found[0] is document:
            return found[1]
        cost = operation_cost(schema, document, variables, operation_name, limit)
        if len(self._found) >= self._size:
            self._found.clear()
        self._found[key] = (document, cost)  # holding the document keeps its id unique
        return cost
