"""Parsing, validation and costing of operations: built once per schema, not per request.

Strawberry runs schema extensions as objects made afresh for every request, each hook a
generator entered and left around parsing, validation and execution. For what Skillpath
needs on every operation (a parser cache with a token limit, validation with the guard
rules and its cache, the cost limit, masking of internal errors) that machinery cost about
a fifth of a small query. ``Preparation`` does the same work directly, with one cache of
prepared documents keyed by the query text, and the schema (app/schema/__init__.py) calls
it from strawberry's own steps, so answers and errors are those the extensions gave.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from threading import Lock
from typing import Any

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from graphql.validation import specified_rules
from strawberry.schema.schema import validate_document

from app.schema.cost import _Costs, too_costly


@dataclass(frozen=True)
class Prepared:
    """A query text parsed and validated: its document, or the errors that refuse it."""

    document: DocumentNode | None
    errors: list[GraphQLError]


class Preparation:
    """Prepared documents of the query texts used most recently (at most ``size``), and the
    cost limit."""

    def __init__(
        self,
        schema: GraphQLSchema,
        guards: Sequence[type[ASTValidationRule]],
        *,
        max_tokens: int,
        max_cost: int = 0,
        size: int = 1024,
    ) -> None:
        self._schema = schema
        self.rules: tuple[type[ASTValidationRule], ...] = (*specified_rules, *guards)
        self._max_tokens = max_tokens
        self._max_cost = max_cost
        self._size = size
        self._found: OrderedDict[str, Prepared] = OrderedDict()
        self._lock = Lock()  # execute_sync may run in threads
        self._costs = _Costs()

    def prepared(self, query: str) -> Prepared:
        """The document of ``query`` with its parse or validation errors, cached by text."""
        found = self._found.get(query)
        if found is not None:
            self._found.move_to_end(query)  # least recently used go first
            return found
        try:
            document = parse(query, max_tokens=self._max_tokens)
        except GraphQLError as error:
            found = Prepared(None, [error])
        else:
            found = Prepared(document, self.validate(document))
        with self._lock:
            self._found[query] = found
            if len(self._found) > self._size:
                self._found.popitem(last=False)
        return found

    def known(self, query: str | None) -> Prepared | None:
        """What is prepared of ``query`` already, without preparing it."""
        return None if query is None else self._found.get(query)

    def validate(self, document: DocumentNode) -> list[GraphQLError]:
        return validate_document(self._schema, document, self.rules)

    def too_costly(
        self, document: DocumentNode, variables: dict[str, Any] | None, operation: str | None
    ) -> GraphQLError | None:
        """The cost error when the operation may return more objects than the limit allows."""
        if not self._max_cost:
            return None
        cost = self._costs.cost(self._schema, document, variables, operation, self._max_cost)
        return too_costly(cost, self._max_cost) if cost > self._max_cost else None
