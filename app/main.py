"""The composition root: ``create_app(settings)`` wires everything for one process."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from app.aggregates import Actor
from app.bootstrap import Services, build_services
from app.dashboard import dashboard_routes
from app.recommend.retraining import RetrainingWorker
from app.schema import build_schema
from app.schema.context import Context
from app.schema.subscription_transport import SharingTransportWSHandler
from app.settings import Settings

log = logging.getLogger("skillpath")

#: Until authentication lands, every API call acts as this operator.
API_ACTOR = Actor(id="api", role="admin")


class SkillpathGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app with a fresh Skillpath context per request."""

    graphql_transport_ws_handler_class = SharingTransportWSHandler

    def __init__(self, services: Services, **kwargs: Any) -> None:
        super().__init__(build_schema(services.settings.max_query_depth), **kwargs)
        self.services = services

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> Context:
        return Context(services=self.services, actor=API_ACTOR, request=request, response=response)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Requests refused before GraphQL runs (no query, a body that is not JSON, a mutation
        # over GET) get a GraphQL error body like every other error, not plain text.
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as error:
            response = JSONResponse(
                {"data": None, "errors": [{"message": error.reason}]},
                status_code=error.status_code,
            )
        await response(scope, receive, send)


def create_app(settings: Settings | None = None, services: Services | None = None) -> Starlette:
    """Build the web application; pass ``services`` to share an already open event store."""
    settings = settings or Settings.from_env()
    services = services or build_services(settings)
    graphql = SkillpathGraphQL(
        services, graphql_ide="graphiql" if settings.graphiql else None, allow_queries_via_get=True
    )

    async def health(_: Request) -> JSONResponse:
        positions = services.runner.positions()
        head = services.app.last_position()
        return JSONResponse(
            {
                "status": "ok" if services.runner.last_error is None else "degraded",
                "lastEventPosition": head,
                "readModels": positions,
                "projectionError": services.runner.last_error,
            }
        )

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
        retraining.start()
        await services.live.ensure_started()
        try:
            yield
        finally:
            await services.live.stop()
            retraining.stop()
            services.close()

    app = Starlette(
        routes=[
            Route("/", root),
            Route("/healthz", health),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            *dashboard_routes(),
        ],
        lifespan=lifespan,
    )
    app.state.services = services
    return app
