"""The live KPI dashboard: one static page and its scripts, served by the app itself.

The page loads nothing from outside the server (the chart library and the graphql-ws client
are vendored under ``app/static/vendor``) and talks to ``/graphql`` over graphql-transport-ws.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


async def dashboard(_: Request) -> FileResponse:
    return FileResponse(STATIC / "dashboard.html", media_type="text/html")


def dashboard_routes() -> list[BaseRoute]:
    """``/dashboard`` and the ``/static`` files it uses."""
    return [
        Route("/dashboard", dashboard),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
