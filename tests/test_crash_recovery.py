"""SIGKILL at the worst moments, on SQLite and on PostgreSQL.

An API process (projections in the same process) is killed while clients are writing, and a
projection worker (``skillpath project``) is killed while it applies batches. After a restart:
every write that was acknowledged is in the event store and in the read models, nothing is
counted twice, the hash chain is intact, and the read models equal a replay from the first
event."""

from __future__ import annotations

import base64
import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from app.bootstrap import Services, build_services
from app.projections.replay import replay
from app.seed import DemoSpec, seed_demo
from app.settings import Settings
from tests.conftest import fresh_postgres_schema, operator_token
from tests.worker_processes import ROOT, worker, worker_env

ACKNOWLEDGED_BEFORE_THE_KILL = 40
PUBLISH = """
mutation ($title: String!) {
  publishModule(input: {title: $title, description: "Written while the server dies.",
    topics: ["resilience"], skills: [{skill: "recovery", level: 2}], difficulty: 2,
    mediaType: ARTICLE, minutes: 10}) {
    ... on ModulePayload { position moduleId }
  }
}"""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a Skillpath process on a fresh database of either engine."""
    extra = {
        "SKILLPATH_MODEL_DIR": str(tmp_path / "models"),
        "SKILLPATH_RETRAIN_IN_BACKGROUND": "false",
        "SKILLPATH_PROJECTION_POLL_SECONDS": "0.05",
    }
    if request.param == "postgres":
        with fresh_postgres_schema() as settings:
            yield worker_env(settings, **extra)
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLPATH_")}
    env.update(
        SKILLPATH_PERSISTENCE="sqlite", SKILLPATH_SQLITE_PATH=str(tmp_path / "crash.sqlite3"),
        SKILLPATH_MASTER_KEY=base64.b64encode(b"c" * 32).decode(),
        SKILLPATH_JWT_SECRET="crash-test-secret-0123456789abcdef", SKILLPATH_SEED_IF_EMPTY="false",
        SKILLPATH_GRAPHIQL="false", **extra,
    )  # fmt: skip
    yield env


@contextlib.contextmanager
def reopened(env: dict[str, str]) -> Iterator[Services]:
    """The same database in this process, as a restarted Skillpath would open it."""
    services = build_services(Settings.from_env(env), start_projections=False)
    try:
        yield services
    finally:
        services.close()


def published_in_log(services: Services) -> list[str]:
    """The module of every LearningModule.Published event in the log, in order."""
    notifications = services.app.recorder.select_notifications(start=1, limit=10**9)
    return [
        str(n.originator_id) for n in notifications if n.topic.endswith("LearningModule.Published")
    ]


def catalogue_rows(services: Services) -> list[dict[str, Any]]:
    with services.gateway.transaction(write=False) as tx:
        return tx.rows("SELECT id, seq FROM {modules} ORDER BY seq")


def assert_recovered(services: Services, acknowledged: list[str]) -> None:
    """Nothing acknowledged is lost, nothing is counted twice, and a replay changes nothing."""
    services.runner.catch_up()
    in_log = published_in_log(services)
    assert len(in_log) == len(set(in_log)), "a module was published twice"
    missing = set(acknowledged) - set(in_log)
    assert not missing, f"acknowledged but not in the event store: {sorted(missing)}"
    rows = catalogue_rows(services)
    assert [row["id"] for row in rows] == in_log  # each once, in the order of the log
    assert [row["seq"] for row in rows] == list(range(1, len(in_log) + 1))
    assert set(services.runner.positions().values()) == {services.app.last_position()}
    assert services.audit.verify().intact
    report = replay(services.runner)
    assert report.identical, "the read models differ from a replay of the log"


def _write_until_stopped(url: str, token: str, stop: threading.Event, acked: list[str]) -> None:
    with httpx.Client(base_url=url, timeout=10) as http:
        number = 0
        while not stop.is_set():
            number += 1
            title = f"Recovery {threading.get_ident()} {number}"
            try:
                response = http.post(
                    "/graphql",
                    json={"query": PUBLISH, "variables": {"title": title}},
                    headers={"Authorization": f"Bearer {token}"},
                )
            except httpx.HTTPError:
                return  # the server is gone: what was in flight is not acknowledged
            if response.status_code == 200:
                module = (response.json().get("data") or {}).get("publishModule") or {}
                if module.get("moduleId"):
                    acked.append(str(UUID(module["moduleId"])))


def test_an_api_killed_mid_load_loses_no_acknowledged_write(
    engine_env: dict[str, str], tmp_path: Path
) -> None:
    acked: list[str] = []
    stop = threading.Event()
    with worker(engine_env, tmp_path, "api") as api:
        token = operator_token(engine_env["SKILLPATH_JWT_SECRET"])
        writers = [
            threading.Thread(target=_write_until_stopped, args=(api.url, token, stop, acked))
            for _ in range(4)
        ]
        for writer in writers:
            writer.start()
        try:
            deadline = time.monotonic() + 120
            while len(acked) < ACKNOWLEDGED_BEFORE_THE_KILL:
                assert time.monotonic() < deadline, api.log.read_text()[-2000:]
                assert all(w.is_alive() for w in writers), api.log.read_text()[-2000:]
                time.sleep(0.01)
            api.process.kill()  # SIGKILL while four clients are writing
            api.process.wait(10)
        finally:
            stop.set()
            for writer in writers:
                writer.join(15)
    assert api.process.returncode == -9
    acknowledged = list(acked)
    assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_THE_KILL
    with reopened(engine_env) as services:
        assert_recovered(services, acknowledged)


def _project(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "app.cli", "project"], cwd=ROOT, env=env,
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _positions_reach(services: Services, target: int, worker: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180
    while min(services.runner.positions().values()) < target:
        assert worker.poll() is None, "the projection worker exited"
        assert time.monotonic() < deadline, services.runner.positions()
        time.sleep(0.02)


def test_a_projection_worker_killed_mid_batch_resumes_without_double_counting(
    engine_env: dict[str, str], tmp_path: Path
) -> None:
    # Small batches, so that a kill lands between the commits of a long catch-up.
    env = {
        **engine_env,
        "SKILLPATH_PROJECTION_BATCH_SIZE": "20",
        "SKILLPATH_RUN_PROJECTIONS": "false",
    }
    log = tmp_path / "project.log"
    with reopened(env) as services:
        spec = DemoSpec(employees=25, modules=15, months=1, seed=7)
        seed_demo(services.app, spec)
        head = services.app.last_position()
        assert set(services.runner.positions().values()) == {0}

        first = _project(env, log)
        try:
            _positions_reach(services, head // 4, first)
        finally:
            first.kill()  # SIGKILL while it applies batches
            first.wait(10)
        assert first.returncode == -9
        stopped_at = services.runner.positions()
        assert 0 < min(stopped_at.values()) < head, "killed after it had finished: no crash"

        second = _project(env, log)
        try:
            _positions_reach(services, head, second)
        finally:
            second.terminate()
            second.wait(10)
        assert_recovered(services, published_in_log(services))
        assert len(published_in_log(services)) == spec.modules
