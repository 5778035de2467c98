"""The composition root: ``create_app(settings)`` wires everything for one process."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.types.unset import UnsetType

from app.access import PERSONAL_ROLES
from app.aggregates import Actor
from app.auth.tokens import TokenRejected, TokenVerifier, bearer
from app.auth.verified import VerifiedTokens, Verifier
from app.bootstrap import Services, build_services
from app.dashboard import dashboard_routes
from app.http.guard import RequestGuard
from app.ide import graphiql_page
from app.integration.webhook_worker import WebhookWorker
from app.integration.xapi_http import XapiStatements
from app.observability.health import health_routes
from app.observability.logs import configure_logging
from app.observability.metrics import Metrics, read_model_figures
from app.observability.middleware import RequestObserver
from app.recommend.retraining import RetrainingWorker
from app.schema import build_schema
from app.schema.context import Context, read_model
from app.schema.error_codes import http_error_body
from app.schema.limits import InputLimits
from app.schema.persisted import PersistedQueries, PersistedQueryRefused
from app.schema.sessions import Sessions
from app.schema.subscription_transport import SharingTransportWSHandler
from app.settings import Settings
from app.subjects import Standing

log = logging.getLogger("skillpath")

#: A WebSocket before its connection_init carried a valid token; it can subscribe to nothing.
NOBODY = Actor(id="anonymous", role="anonymous")
STANDING_REASONS = {
    Standing.LEFT: "the token's employee has left the organisation",
    Standing.ERASED: "the token's employee was erased",
    Standing.UNKNOWN: "the token's subject is no employee of this organisation",
}


class SkillpathGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app with a fresh Skillpath context per request.

    Every request acts as the actor its bearer token names (app/auth/tokens.py): HTTP
    requests in the ``Authorization`` header, WebSockets in the connection_init payload
    (``{"token": ...}`` or ``{"Authorization": "Bearer ..."}``). A missing, expired,
    malformed or wrongly signed token gets 401 with the reason and no data.
    """

    graphql_transport_ws_handler_class = SharingTransportWSHandler

    def __init__(self, services: Services, tokens: Verifier, **kwargs: Any) -> None:
        settings = services.settings
        limits = InputLimits(settings.max_string_length, settings.max_list_size)
        schema = build_schema(
            settings.max_query_depth, limits, max_cost=settings.max_query_cost,
            introspection=settings.introspection, tracing=settings.tracing,
            metrics=settings.metrics, offload_cost=settings.offload_cost,
        )  # fmt: skip
        super().__init__(schema, **kwargs)
        self.guard = RequestGuard(settings)
        self.metrics: Metrics | None = None
        self.services = services
        self.tokens = tokens
        self.sessions = Sessions(services)
        self._ide_page = graphiql_page()
        self.persisted = PersistedQueries()

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        if isinstance(data, list):
            return [self.persisted.resolve(item) for item in data]
        return self.persisted.resolve(data)

    def encode_json(self, data: object) -> str:
        # orjson: about a tenth of json.dumps's time on a page of rows (a 16 KB skill matrix
        # took 9% of its request). Text, not bytes: WebSocket messages go out as text frames.
        try:
            return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS).decode()
        except TypeError:  # an integer beyond 64 bits: the standard encoder writes it
            return json.dumps(data, separators=(",", ":"))

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> Context:
        actor = getattr(request.state, "actor", NOBODY)
        return Context(services=self.services, actor=actor, request=request, response=response)

    async def actor_of(self, token: str) -> Actor:
        """The actor a verified token speaks for; only real, active people act."""
        actor = self.tokens.actor(token)
        if actor.role in PERSONAL_ROLES:
            standing = await read_model(self.services, self.services.subjects.standing, actor.id)
            if standing is not Standing.ACTIVE:
                raise TokenRejected(STANDING_REASONS[standing])
        return actor

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params = context.connection_params or {}
        token = params.get("token") or params.get("Authorization") or params.get("authorization")
        try:
            if not isinstance(token, str):
                raise TokenRejected('connection_init must carry a token: {"token": "..."}')
            raw = bearer(token) if token.lower().startswith("bearer ") else token
            context.actor = await self.actor_of(raw)
            self.sessions.opened(context)
        except TokenRejected as error:
            log.warning("refused a WebSocket: %s", error.reason)
            raise ConnectionRejectionError({"reason": error.reason}) from None
        return None

    @property
    def graphql_ide_html(self) -> str:
        return self._ide_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Requests refused before GraphQL runs (no query, a body that is not JSON, a mutation
        # over GET) get a GraphQL error body like every other error, not plain text.
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        refused = await self.guard.read_body(request)
        if refused is None and not self._asks_for_the_ide(request):
            try:
                actor = await self.actor_of(bearer(request.headers.get("authorization")))
            except TokenRejected as error:
                await unauthenticated(error.reason)(scope, receive, send)
                return
            request.state.actor = actor
            refused = await self.guard.admit(f"{actor.role}:{actor.id}")
        if refused is not None:
            self._count_refusal(refused)
            await refused(scope, receive, send)
            return
        try:
            response = await asyncio.wait_for(self.run(request), self.guard.timeout_seconds)
        except TimeoutError:
            log.warning("request abandoned after %ss", self.guard.timeout_seconds)
            response = self.guard.timed_out()
            self._count_refusal(response)
        except HTTPException as error:
            response = JSONResponse(
                http_error_body(error.reason),
                status_code=error.status_code,
            )
        except PersistedQueryRefused as unknown:
            response = JSONResponse(unknown.body, status_code=unknown.status)
        await response(scope, receive, send)

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET with only a persisted query's hash is an operation, not a browser's visit.
        return "extensions" not in request.query_params and super().should_render_graphql_ide(
            request
        )

    def _count_refusal(self, response: Response) -> None:
        if self.metrics is not None:
            code = json.loads(bytes(response.body))["errors"][0]["extensions"]["code"]
            self.metrics.errors.labels(code).inc()

    def _asks_for_the_ide(self, request: Request) -> bool:
        return self.graphql_ide is not None and self.should_render_graphql_ide(request)


def unauthenticated(reason: str) -> JSONResponse:
    """401 with the reason, in a GraphQL error body, and no data."""
    body = {
        "data": None,
        "errors": [
            {
                "message": f"Unauthenticated: {reason}",
                "extensions": {"code": "UNAUTHENTICATED", "reason": reason},
            }
        ],
    }
    challenge = f'Bearer realm="skillpath", error_description="{reason}"'
    return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": challenge})


def create_app(settings: Settings | None = None, services: Services | None = None) -> Starlette:
    """Build the web application; pass ``services`` to share an already open event store."""
    settings = settings or Settings.from_env()
    configure_logging(settings)  # also under a plain `uvicorn app.main:create_app --factory`
    services = services or build_services(settings)
    graphql = SkillpathGraphQL(
        services,
        VerifiedTokens(
            TokenVerifier.for_settings(
                settings, services.app.master_key, services.app.employee_by_email
            )
        ),
        graphql_ide="graphiql" if settings.graphiql else None,
        allow_queries_via_get=True,
    )

    metrics = Metrics() if settings.metrics else None
    graphql.metrics = metrics
    if metrics is not None:
        metrics.watch(lambda: read_model_figures(services, lambda: graphql.sessions.watched))

    async def scrape(_: Request) -> Response:
        if metrics is None:
            return JSONResponse({"error": "metrics are off (SKILLPATH_METRICS)"}, status_code=404)
        body = await asyncio.to_thread(generate_latest, metrics.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    async def root(_: Request) -> RedirectResponse:
        return RedirectResponse("/graphql")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Retraining runs in the server only: building services (tests, tools) never starts it.
        retraining = RetrainingWorker(
            services.recommender,
            lambda: min(services.runner.positions().values(), default=0),
            min_interactions=settings.retrain_min_interactions,
            check_seconds=settings.retrain_check_seconds,
        )
        if metrics is not None:
            retraining.outcomes.append(lambda outcome: metrics.retrains.labels(outcome).inc())
        if settings.retrain_in_background:
            retraining.start()
        webhooks = WebhookWorker(
            services.app,
            services.webhooks,
            poll_seconds=settings.webhook_poll_seconds,
            timeout_seconds=settings.webhook_timeout_seconds,
            backoff_seconds=settings.webhook_backoff_seconds,
            max_backoff_seconds=settings.webhook_max_backoff_seconds,
        )
        if settings.run_webhooks:
            services.app.saved.callbacks.append(webhooks.wake)
            webhooks.start()
        await services.live.ensure_started()
        # What is loaded by now (code, schema, models) lives as long as the process; frozen,
        # it is no longer scanned by full garbage collections, whose pauses delay pushes.
        gc.freeze()
        # Thousands of sockets make every collection scan a large live heap; collecting the
        # young generation every 50,000 allocations instead of 700 took one worker from 3,000
        # to 8,000 subscribers within a p99 push under 500 ms (docs/benchmarks.md).
        gc.set_threshold(50_000, 50, 100)
        try:
            yield
        finally:
            await graphql.sessions.stop()
            await graphql.guard.close()
            await services.live.stop()
            webhooks.stop()
            retraining.stop()
            services.close()

    app = Starlette(
        routes=[
            Route("/", root),
            *(Route(path, handler) for path, handler in health_routes(services).items()),
            Route("/metrics", scrape),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route(
                "/xapi/statements",
                XapiStatements(
                    services,
                    graphql.actor_of,
                    graphql.guard,
                    max_batch=settings.xapi_max_batch,
                    max_bytes=settings.xapi_max_body_bytes,
                ).handle,
                methods=["GET", "POST", "PUT"],
            ),
            WebSocketRoute("/graphql", graphql),
            *dashboard_routes(),
        ],
        lifespan=lifespan,
        middleware=[
            Middleware(
                RequestObserver,
                metrics=metrics,
                access_log=settings.access_log,
                slow_ms=settings.access_log_slow_ms,
            )
        ],
    )
    app.state.services = services
    app.state.metrics = metrics
    return app
