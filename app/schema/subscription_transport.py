"""graphql-transport-ws as strawberry speaks it, with identical live subscriptions shared.

Only the way a subscription's results are produced changes (see
``app.broadcast.shared_streams``); messages, errors and close codes are strawberry's own.
"""

from __future__ import annotations

import contextlib
import json
from collections import OrderedDict
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import CompleteMessage
from strawberry.types.execution import ExecutionResult, PreExecutionError

from app.access import shared_scope
from app.broadcast.shared_streams import share_key, shareable
from app.schema.context import Context

#: Encoded payloads of the newest shared results (a result object is shared by every socket).
_ENCODED: OrderedDict[int, tuple[ExecutionResult, str]] = OrderedDict()


def encoded(result: ExecutionResult) -> str:
    """``{"data": ...}`` of a result as JSON, encoded once however many sockets send it."""
    found = _ENCODED.get(id(result))
    if found is not None and found[0] is result:
        return found[1]
    text = json.dumps({"data": result.data}, separators=(",", ":"))
    _ENCODED[id(result)] = (result, text)
    while len(_ENCODED) > 256:
        _ENCODED.popitem(last=False)
    return text


class SharingTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Runs a shareable subscription once per process and access scope, for every socket."""

    async def _send_shared(self, operation: Operation[Context, None], results: Any) -> None:
        """As strawberry sends a result stream, but each result is JSON-encoded only once."""
        first = True
        async for result in results:
            if first and isinstance(result, PreExecutionError):
                await self._handle_pre_execution_error(operation, result)
                return
            first = False
            if not isinstance(result, ExecutionResult) or result.errors or result.extensions:
                await operation.send_next(result)  # rare: strawberry's own path
                continue
            if operation.completed:
                return
            message = (
                f'{{"id":{json.dumps(operation.id)},"type":"next","payload":{encoded(result)}}}'
            )
            socket = getattr(self.websocket, "ws", None)
            if not isinstance(socket, WebSocket):
                await operation.send_next(result)
                continue
            try:
                await socket.send_text(message)
            except WebSocketDisconnect:
                return

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        context = self.context
        field = shareable(operation.query, operation.operation_name)
        scope = None
        if field is not None and isinstance(context, Context):
            scope = shared_scope(f"Subscription.{field}", context.access.viewer)
        if scope is None or not isinstance(context, Context):
            # Not shareable, or refused: strawberry's own path answers (with the refusal).
            await super().run_operation(operation)
            return
        key = share_key(operation.query, operation.variables, operation.operation_name, scope)

        async def open_source() -> Any:
            return await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=context,
                root_value=self.root_value,
                operation_name=operation.operation_name,
            )

        try:
            async with context.services.live.streams.join(key, open_source) as results:
                await self._send_shared(operation, results)
            await operation.send_operation_message(
                CompleteMessage(id=operation.id, type="complete")
            )
        except _OperationStreamClosed:
            return
        except Exception as error:
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise
