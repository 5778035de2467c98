"""A real uvicorn server on a free loopback port, in a thread of the test process."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn

from app.bootstrap import Services, build_services
from app.main import create_app
from app.settings import Settings
from tests.conftest import TEST_JWT_SECRET


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serving(services: Services) -> Iterator[str]:
    """Serve ``services`` until the block ends; yields the base URL (http://127.0.0.1:port)."""
    port = free_port()
    config = uvicorn.Config(
        create_app(services.settings, services),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        ws="websockets-sansio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(500):  # bounded: at most 10 s
        if server.started:
            started.set()
            break
        thread.join(0.02)
    assert started.is_set(), "the test server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextlib.contextmanager
def push_services(folder: Path, **overrides: Any) -> Iterator[Services]:
    """Embedded services that push quickly (50 ms coalescing) and accept TEST_JWT_SECRET
    tokens; groups of one person are shown unless ``min_group_size`` says otherwise."""
    fields: dict[str, Any] = {
        "persistence": "sqlite", "sqlite_path": str(folder / "live.sqlite3"),
        "seed_if_empty": False, "min_group_size": 1, "push_interval_seconds": 0.05,
        "jwt_secret": TEST_JWT_SECRET,
    }  # fmt: skip
    services = build_services(Settings(**{**fields, **overrides}))
    try:
        yield services
    finally:
        services.close()
