"""Skillpath API workers as real uvicorn processes on loopback ports, stopped at the end."""

from __future__ import annotations

import base64
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.settings import Settings
from tests.conftest import operator_token
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parent.parent


def worker_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for a worker on ``settings``' PostgreSQL schema (production mode)."""
    pg = settings.postgres
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLPATH_")}
    env.update(
        SKILLPATH_PERSISTENCE="postgres", SKILLPATH_POSTGRES_HOST=pg.host,
        SKILLPATH_POSTGRES_PORT=str(pg.port), SKILLPATH_POSTGRES_DB=pg.dbname,
        SKILLPATH_POSTGRES_USER=pg.user, SKILLPATH_POSTGRES_PASSWORD=pg.password,
        SKILLPATH_POSTGRES_SCHEMA=pg.schema, SKILLPATH_POSTGRES_POOL_SIZE="4",
        SKILLPATH_SEED_IF_EMPTY="false", SKILLPATH_GRAPHIQL="false",
        # A key of its own per test schema; production reads it from a secret store.
        SKILLPATH_MASTER_KEY=base64.b64encode(pg.schema.encode().ljust(32, b"k")[:32]).decode(),
        SKILLPATH_JWT_SECRET=f"test-secret-of-{pg.schema}",
    )  # fmt: skip
    env.update(extra)
    return env


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    url: str
    log: Path
    #: An operator's bearer token for this worker (signed with its SKILLPATH_JWT_SECRET).
    token: str = ""
    #: The worker's SKILLPATH_JWT_SECRET, to mint tokens for other roles.
    secret: str = ""

    @property
    def ws_url(self) -> str:
        return self.url.replace("http", "ws") + "/graphql"


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def worker(env: Mapping[str, str], log_dir: Path, name: str) -> Iterator[Worker]:
    """Start ``uvicorn app.main:create_app`` and wait (bounded) until it answers."""
    port = free_port()
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--host",
             "127.0.0.1", "--port", str(port), "--ws", "websockets-sansio",
             "--ws-per-message-deflate", "false", "--log-level", "warning"],
            cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _healthy(url):
            assert process.poll() is None, f"{name} exited: {log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, f"{name} did not start: {log.read_text()[-2000:]}"
            time.sleep(0.1)
        secret = env["SKILLPATH_JWT_SECRET"]
        yield Worker(process, url, log, operator_token(secret), secret)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
