"""Costly queries run in a worker thread, so the event loop keeps serving everyone else.

graphql-core completes a page of synchronous fields in one go: a query near the cost limit
(``employees(first: 100)`` with enrolments, modules and skills: 6,201 objects) holds the
event loop for 100-300 ms at a time, and four of them in a loop kept ``/livez`` waiting
(docs/benchmarks.md). A query whose computed cost reaches ``SKILLPATH_OFFLOAD_COST`` is
therefore executed on an event loop of its own in a worker thread, one such query at a time
per API worker: the request's loop only awaits the result, and between the thread's
bytecodes (the interpreter's switch interval, 5 ms) it answers other requests, ``/livez``
among them. Cheap queries, mutations
and subscriptions stay on the request's loop, where a thread hop would cost more than it
saves.

The operation is the same: the same parsed and validated document, variables, context
(the caller, the access policy) and execution context class; only the per-request
dataloaders are made afresh, for the thread's loop (nothing was loaded before execution),
and the resolvers' blocking reads run in that thread itself rather than hopping to another
(``OFF_THE_LOOP``): no other request waits on its loop, and SQLite's per-thread read
connections stay one per pool thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from functools import partial
from inspect import isawaitable
from typing import Any

import anyio
import anyio.to_thread
from graphql import DocumentNode, ExecutionResult, GraphQLSchema, execute
from strawberry.execution import optimized_is_awaitable
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from app.schema.context import OFF_THE_LOOP, Context, Loaders
from app.schema.cost import operation_cost


class _RecentCosts:
    """The cost of recent (document, operation, variables): the parser cache hands out the
    same document object for the same text, so a repeated operation is costed once."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._found: dict[tuple[int, str | None, str], tuple[DocumentNode, int]] = {}

    def of(self, schema: GraphQLSchema, document: DocumentNode,
           variables: Mapping[str, Any] | None, operation_name: str | None,
           cap: int) -> int:  # fmt: skip
        try:
            key = (id(document), operation_name, repr(sorted((variables or {}).items())))
        except TypeError:
            return operation_cost(schema, document, variables, operation_name, cap)
        found = self._found.get(key)
        if found is not None and found[0] is document:
            return found[1]
        cost = operation_cost(schema, document, variables, operation_name, cap)
        if len(self._found) >= self._size:
            self._found.clear()
        self._found[key] = (document, cost)
        return cost


def _execute_on_own_loop(context: ExecutionContext, executor_class: Any) -> ExecutionResult:
    """Run the operation to completion on a new event loop in this (worker) thread."""

    async def run() -> ExecutionResult:
        OFF_THE_LOOP.set(True)  # this task's context only: the request's loop never sees it
        request = context.context
        if isinstance(request, Context):
            request.loaders = Loaders.for_services(request.services)  # this loop's futures
        assert context.graphql_document is not None
        result = execute(
            context.schema._schema,
            context.graphql_document,
            root_value=context.root_value,
            context_value=request,
            variable_values=context.variables,
            operation_name=context.operation_name,
            executor_class=executor_class,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]  # as strawberry does
            operation_extensions=context.operation_extensions,
        )
        if isawaitable(result):
            result = await result
        assert isinstance(result, ExecutionResult)
        return result

    return asyncio.run(run())


class _OneAtATime:
    """One offloaded query executing at a time per event loop (per API worker): with the
    interpreter's lock, threads running Python take turns anyway, so more at once would
    only add threads the request's loop competes with for the lock (each one up to a switch
    interval per turn), and memory; the others wait for their turn without holding one."""

    def __init__(self) -> None:
        self._limiters: dict[int, tuple[asyncio.AbstractEventLoop, anyio.CapacityLimiter]] = {}

    def here(self) -> anyio.CapacityLimiter:
        loop = asyncio.get_running_loop()
        found = self._limiters.get(id(loop))
        if found is None or found[0] is not loop:
            found = (loop, anyio.CapacityLimiter(1))
            self._limiters = {id(loop): found}  # tests run several loops, one at a time
        return found[1]


class CostlyQueryOffloader:
    """Runs queries of cost ``threshold`` or more in a worker thread (the schema calls it
    just before execution, after the cost limit: a refused query is not run at all)."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self._costs = _RecentCosts()
        self._turns = _OneAtATime()

    async def run(self, context: ExecutionContext, executor_class: Any) -> None:
        """Set ``context.result`` by executing the operation in a worker thread when it is
        a query that costs at least the threshold; otherwise leave it for the loop."""
        document = context.graphql_document
        if (
            context.result is not None
            or document is None
            or context.operation_type is not OperationType.QUERY
        ):
            return
        schema = context.schema
        cost = self._costs.of(schema._schema, document, context.variables,
                              context.operation_name, self.threshold)  # fmt: skip
        if cost < self.threshold:
            return
        run = partial(_execute_on_own_loop, context, executor_class)
        # Abandoned on cancel: the request's time limit answers on time; the thread
        # finishes the query on its own and its answer is dropped.
        context.result = await anyio.to_thread.run_sync(
            run, abandon_on_cancel=True, limiter=self._turns.here()
        )
