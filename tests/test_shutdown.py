"""Every long-running command stops cleanly on SIGTERM with exit 0: ``serve`` (after
uvicorn's graceful shutdown), ``project`` (after the batch in flight) and ``train
--follow``; and the server's logs are JSON lines carrying the request id."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.live_server import free_port

ROOT = Path(__file__).resolve().parent.parent


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLPATH_")}
    env.update(SKILLPATH_PERSISTENCE="sqlite", SKILLPATH_SQLITE_PATH=str(tmp_path / "sp.sqlite3"),
               SKILLPATH_MODEL_DIR=str(tmp_path / "models"), SKILLPATH_SEED_IF_EMPTY="false",
               SKILLPATH_RETRAIN_IN_BACKGROUND="false")  # fmt: skip
    return env


def _start(args: list[str], tmp_path: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=_env(tmp_path),
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _wait_for(condition: object, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while not condition():  # type: ignore[operator]
        assert process.poll() is None, log.read_text()[-2000:]
        assert time.monotonic() < deadline, log.read_text()[-2000:]
        time.sleep(0.1)


def _stopped(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()


def test_serve_stops_on_sigterm_with_exit_0_and_logs_json_with_the_request_id(
    tmp_path: Path,
) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    process = _start(["serve", "--no-seed", "--port", str(port)], tmp_path, log)
    url = f"http://127.0.0.1:{port}"

    def live() -> bool:
        try:
            return httpx.get(url + "/livez", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    _wait_for(live, process, log)
    # A refused request gets an access line by default (SKILLPATH_ACCESS_LOG=errors).
    answered = httpx.get(url + "/nowhere", headers={"X-Request-ID": "probe-0123456789"}, timeout=5)
    assert answered.status_code == 404
    assert answered.headers["x-request-id"] == "probe-0123456789"
    assert _stopped(process) == 0
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert any(line.get("requestId") == "probe-0123456789" for line in lines), lines[-5:]


@pytest.mark.parametrize(
    ("args", "ready"),
    [(["project"], "Following the event log"), (["train", "--follow"], "Retraining when")],
)
def test_a_worker_stops_on_sigterm_with_exit_0(args: list[str], ready: str, tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    process = _start(args, tmp_path, log)
    _wait_for(lambda: ready in log.read_text(), process, log)
    assert _stopped(process) == 0, log.read_text()[-2000:]
