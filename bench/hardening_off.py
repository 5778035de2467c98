"""Skillpath's server without the bounds of docs/operations.md "Limits" and without metrics:
the reference ``bench/bench_hardening.py`` measures their overhead against. Never served
for real.

Left out: the per-argument checks of length, list size and text (``install_limits``), the
body size and UTF-8 check at the HTTP edge. The cost limit, the rate limit and the metrics
are turned off through their settings by the benchmark's environment.
"""

from __future__ import annotations

from typing import Any

import app.schema as schema_module
from app.http.guard import RequestGuard
from app.main import create_app as create_skillpath_app


def _no_limits(_schema: Any, _limits: Any) -> None:
    return None


async def _no_body_check(_guard: Any, _request: Any) -> None:
    return None


def create_app() -> Any:
    schema_module.install_limits = _no_limits  # type: ignore[assignment]
    RequestGuard.read_body = _no_body_check  # type: ignore[method-assign,assignment]
    return create_skillpath_app()
