"""Every HTTP request gets an id, an access log line, and a place in the metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from graphql import OperationDefinitionNode
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from app.observability.logs import REQUEST_ID, new_request_id
from app.observability.metrics import Metrics

log = logging.getLogger("skillpath.access")
ROUTES = frozenset({"/graphql", "/livez", "/readyz", "/healthz", "/metrics", "/dashboard", "/"})


class RequestObserver:
    """ASGI middleware: request id in, ``X-Request-ID`` out, one log line, latency."""

    def __init__(self, app: ASGIApp, metrics: Metrics | None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        offered = None
        for key, value in scope.get("headers", ()):
            if key == b"x-request-id":
                offered = value.decode("latin-1")
        request_id = new_request_id(offered)
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()),
                                      (b"x-request-id", request_id.encode())]  # fmt: skip
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            path = scope.get("path", "")
            route = path if path in ROUTES else "other"
            if self.metrics is not None and scope["type"] == "http":
                self.metrics.http_seconds.labels(route, str(status)).observe(seconds)
            if route not in ("/livez", "/metrics"):
                log.info(
                    "%s %s %s %.1f ms", scope.get("method", "WS"), path, status, seconds * 1000,
                    extra={"status": status, "durationMs": round(seconds * 1000, 2)},
                )  # fmt: skip
            REQUEST_ID.reset(token)


def operation_metrics() -> type[SchemaExtension]:
    """A schema extension timing each operation by its first root field, and counting errors
    by code, into the app's metrics (found on the request's app)."""

    class OperationMetrics(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            started = time.perf_counter()
            yield
            context = self.execution_context
            request: Any = getattr(context.context, "request", None)
            metrics: Metrics | None = getattr(
                getattr(getattr(request, "app", None), "state", None), "metrics", None
            )
            if metrics is None:
                return
            metrics.operation_seconds.labels(_operation(context)).observe(
                time.perf_counter() - started
            )
            result = context.result
            for error in getattr(result, "errors", None) or ():
                code = (error.extensions or {}).get("code") or "GRAPHQL_VALIDATION_FAILED"
                metrics.errors.labels(str(code)).inc()

    return OperationMetrics


def _operation(context: Any) -> str:
    document = context.graphql_document
    if document is None:
        return "unparsed"
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            kind = definition.operation.value.capitalize()
            for selection in definition.selection_set.selections:
                name = getattr(getattr(selection, "name", None), "value", None)
                if name and not name.startswith("__"):
                    return f"{kind}.{name}"
            return f"{kind}.__meta"
    return "unparsed"
