"""Subscriptions with the stock ``graphql-ws`` JavaScript client (npm), run by node against a
running server: the client a browser dashboard or a Node service would use."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from queue import Empty, Queue
from typing import Any

import pytest

from app.bootstrap import Services
from tests.conftest import operator_token
from tests.kpi_support import Company
from tests.live_server import push_services, serving

JS = Path(__file__).parent / "js"
KPIS = (
    "subscription { kpiUpdated { position groups { figures { completionRate { value"
    " denominator } } } } }"
)
LINE_TIMEOUT = 20


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    with push_services(tmp_path) as services:
        yield services


class NodeSubscriber:
    """``node subscribe.mjs``: one JSON line per message; every read is bounded."""

    def __init__(self, url: str, query: str, variables: dict[str, Any] | None = None) -> None:
        node = shutil.which("node")
        assert node, "node is required (scripts/test-prerequisites.sh)"
        assert (JS / "node_modules" / "graphql-ws").is_dir(), "run scripts/test-prerequisites.sh"
        self.process = subprocess.Popen(
            [node, "subscribe.mjs", url, json.dumps(query), json.dumps(variables or {})],
            cwd=JS, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "SKILLPATH_TOKEN": operator_token()},
        )  # fmt: skip
        self.lines: Queue[str] = Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def message(self) -> dict[str, Any]:
        try:
            line = self.lines.get(timeout=LINE_TIMEOUT)
        except Empty:
            self.process.kill()
            _, errors = self.process.communicate(timeout=5)
            raise AssertionError(
                f"no message from the graphql-ws client; stderr: {errors}"
            ) from None
        found: dict[str, Any] = json.loads(line)
        return found

    def stop(self) -> None:
        self.process.kill()
        self.process.communicate(timeout=5)


@pytest.fixture
def url(services: Services) -> Iterator[str]:
    with serving(services) as base:
        yield base.replace("http", "ws") + "/graphql"


def test_graphql_ws_client_receives_the_figures_and_their_change(
    services: Services, url: str
) -> None:
    company = Company(services.app)
    enrollment = company.enroll(company.people["Sales"][0], 1)
    assert services.read_models_reach(services.app.last_position(), 20)
    subscriber = NodeSubscriber(url, KPIS)
    try:
        first = subscriber.message()["next"]["kpiUpdated"]
        assert first["groups"][0]["figures"]["completionRate"]["value"] == 0.0
        position = company.complete(enrollment, 0)
        push = subscriber.message()["next"]["kpiUpdated"]
        while push["groups"][0]["figures"]["completionRate"]["value"] == 0.0:
            push = subscriber.message()["next"]["kpiUpdated"]
        assert push["groups"][0]["figures"]["completionRate"]["value"] == 1.0
        assert push["position"] >= position
    finally:
        subscriber.stop()


def test_graphql_ws_client_gets_an_error_frame_for_a_bad_argument(url: str) -> None:
    subscriber = NodeSubscriber(
        url, "subscription($p: Int) { events(fromPosition: $p) { position } }", {"p": -3}
    )
    try:
        errors = subscriber.message()["error"]
        assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "fromPosition"}
    finally:
        subscriber.stop()
