"""Every HTTP request gets an id, a place in the metrics, and an access log line as set."""

from __future__ import annotations

import logging
import time
from typing import Any

from graphql import DocumentNode, OperationDefinitionNode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability.logs import REQUEST_ID, new_request_id
from app.observability.metrics import Metrics
from app.settings import AccessLog

log = logging.getLogger("skillpath.access")
ROUTES = frozenset({"/graphql", "/livez", "/readyz", "/healthz", "/metrics", "/dashboard", "/"})


class RequestObserver:
    """ASGI middleware: request id in, ``X-Request-ID`` out, one log line, latency."""

    def __init__(
        self, app: ASGIApp, metrics: Metrics | None, access_log: AccessLog = "all",
        slow_ms: int = 1_000,
    ) -> None:  # fmt: skip
        self.app = app
        self.metrics = metrics
        # A line per request costs about a twentieth of a small query: by default only
        # failures and slow requests are written (SKILLPATH_ACCESS_LOG).
        self.log_all = access_log == "all"
        self.log_errors = access_log != "off"
        self.slow_seconds = slow_ms / 1000

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
            if route not in ("/livez", "/metrics") and (
                self.log_all
                or (self.log_errors and (status >= 400 or seconds >= self.slow_seconds))
            ):
                log.info(
                    "%s %s %s %.1f ms", scope.get("method", "WS"), path, status, seconds * 1000,
                    extra={"status": status, "durationMs": round(seconds * 1000, 2)},
                )  # fmt: skip
            REQUEST_ID.reset(token)


def observe_operation(
    context: Any, result: Any, seconds: float, document: DocumentNode | None
) -> None:
    """Time an executed operation by its first root field, and count its errors by code,
    into the app's metrics (found on the request's app); called by the schema."""
    request: Any = getattr(context, "request", None)
    metrics: Metrics | None = getattr(
        getattr(getattr(request, "app", None), "state", None), "metrics", None
    )
    if metrics is None:
        return
    metrics.operation_seconds.labels(_operation(document)).observe(seconds)
    for error in getattr(result, "errors", None) or ():
        code = (error.extensions or {}).get("code") or "GRAPHQL_VALIDATION_FAILED"
        metrics.errors.labels(str(code)).inc()


def _operation(document: DocumentNode | None) -> str:
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
