"""graphql-transport-ws as strawberry speaks it, with identical live subscriptions shared.

Only the way a subscription's results are produced changes (see
``app.broadcast.shared_streams``); messages, errors and close codes are strawberry's own.
"""

from __future__ import annotations

import contextlib
from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import CompleteMessage

from app.broadcast.shared_streams import share_key
from app.schema.context import Context


class SharingTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Runs a shareable subscription once per process and caller, for every socket."""

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        context = self.context
        actor = getattr(context, "actor", None)
        key = share_key(
            operation.query,
            operation.variables,
            operation.operation_name,
            None if actor is None else (actor.id, actor.role),
        )
        if key is None or not isinstance(context, Context):
            await super().run_operation(operation)
            return

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
                await self._send_result_stream(operation, results)  # type: ignore[arg-type]
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
