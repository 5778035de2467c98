"""Liveness and readiness, and the truth behind them.

``/livez`` says the process serves (no I/O: it answers while queries run). ``/readyz`` says
whether this process should get traffic: the event store answers, no read model is
further behind than ``SKILLPATH_READY_MAX_LAG_EVENTS`` and none is stopped at an event it
cannot apply (recorded in the shared ``projection_failures`` table, so an API worker sees
the ``skillpath project`` worker's failure), Redis answers where pushes go through it, and
the recommender model is loaded, or deliberately absent (no version trained yet). 503
when any check fails, with every check's finding.
"""

from __future__ import annotations

import asyncio
from typing import Any

import redis.asyncio as redis_asyncio
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.bootstrap import Services


def _read_models(services: Services) -> dict[str, Any]:
    head = services.app.last_position()
    positions = services.runner.positions()
    failures = services.runner.failures()
    limit = services.settings.ready_max_lag_events
    lagging = {name: head - p for name, p in positions.items() if head - p > limit}
    return {
        "head": head,
        "positions": positions,
        "failures": [
            {"readModel": f.name, "position": f.position, "error": f.error} for f in failures
        ],
        "lagging": lagging,
    }


def _model(services: Services) -> tuple[bool, str]:
    recommender = services.recommender
    if recommender.active is not None:
        return True, f"version {recommender.active.metadata.version} loaded"
    error = getattr(recommender, "load_error", None)
    if error:
        return False, str(error)
    return True, "no version trained yet (recommendations fall back to rules)"


async def _redis(url: str) -> tuple[bool, str]:
    client = redis_asyncio.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        await client.ping()
        return True, "reachable"
    except Exception as error:  # any failure to answer means not ready
        return False, f"unreachable: {type(error).__name__}: {error}"
    finally:
        await client.aclose()


async def readiness(services: Services) -> tuple[bool, dict[str, Any]]:
    """(ready, findings) for this process."""
    checks: dict[str, Any] = {}
    ready = True
    try:
        found = await asyncio.to_thread(_read_models, services)
    except Exception as error:  # the database is away
        checks["eventStore"] = {"ok": False, "detail": f"{type(error).__name__}: {error}"}
        return False, {"status": "not ready", "checks": checks}
    checks["eventStore"] = {"ok": True, "detail": f"head at position {found['head']}"}
    failing = bool(found["failures"]) or bool(found["lagging"])
    checks["readModels"] = {
        "ok": not failing, "failures": found["failures"], "lagging": found["lagging"],
    }  # fmt: skip
    ready = ready and not failing
    if services.settings.broadcast == "redis":
        ok, detail = await _redis(services.settings.redis_url)
        checks["redis"] = {"ok": ok, "detail": detail}
        ready = ready and ok
    ok, detail = _model(services)
    checks["model"] = {"ok": ok, "detail": detail}
    ready = ready and ok
    body = {
        "status": "ready" if ready else "not ready",
        "checks": checks,
        # As /healthz has always answered them:
        "lastEventPosition": found["head"],
        "readModels": found["positions"],
        "projectionError": services.runner.last_error,
    }
    return ready, body


def health_routes(services: Services) -> dict[str, Any]:
    """The handlers of /livez and /readyz (also answering /healthz)."""

    async def livez(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> JSONResponse:
        ready, body = await readiness(services)
        return JSONResponse(body, status_code=200 if ready else 503)

    return {"/livez": livez, "/readyz": readyz, "/healthz": readyz}
