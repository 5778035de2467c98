"""Integration figures over real HTTP against a real uvicorn (docs/benchmarks.md):

- xAPI statements per second, ``POST /xapi/statements`` in batches of 100, on SQLite and
  PostgreSQL, beside raw event appends on the same engine in the same run (the anchor of
  ``/work/shared/anchors/es_bench.py``: a stock eventsourcing application saving 100 events
  a save), taking turns A B A B; target: at least 0.3x raw;
- ``skillpath import-hr`` of 5,000 rows (the real command in its own process), and a second
  run of the same file, which must write nothing;
- webhook delivery lag from an event to a local receiver, p50 and p99, with the server's
  own delivery worker.

Run: ``.venv/bin/python -m bench.bench_integration [--rounds 3] [--batches 10]``
(``--only xapi|import|webhooks`` and ``--engine sqlite|postgres`` narrow it).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import csv
import hashlib
import hmac
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from app.auth.tokens import mint_token
from app.bootstrap import build_services
from app.integration.xapi import PROGRESS_EXTENSION
from app.settings import Settings
from bench.harness import build_organisation, engine_settings, median, percentile, print_machine
from bench.http_load import ROOT, free_port, load_average, uvicorn

SECRET = "skillpath-bench-secret-0123456789abcdef"
MASTER_KEY = base64.b64encode(hashlib.sha256(b"bench").digest()).decode()
HOOK_SECRET = "bench-hook-secret-0123456789"
ADL = "http://adlnet.gov/expapi/verbs/"


class Learner(Aggregate):
    """The raw side: a stock aggregate with one event per fact, as es_bench.py has."""

    @event("Started")
    def __init__(self, name: str) -> None:
        self.name = name

    @event("Progressed")
    def progress(self, percent: int) -> None:
        pass


def environment(settings: Settings, folder: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ, "SKILLPATH_JWT_SECRET": SECRET, "SKILLPATH_SEED_IF_EMPTY": "false",
        "SKILLPATH_RETRAIN_IN_BACKGROUND": "false", "SKILLPATH_MODEL_DIR": str(folder / "m"),
        "SKILLPATH_MASTER_KEY": MASTER_KEY, "SKILLPATH_PERSISTENCE": settings.persistence,
    }  # fmt: skip
    if settings.persistence == "sqlite":
        env["SKILLPATH_SQLITE_PATH"] = settings.sqlite_path
    else:
        pg = settings.postgres
        env.update(
            SKILLPATH_POSTGRES_HOST=pg.host, SKILLPATH_POSTGRES_PORT=str(pg.port),
            SKILLPATH_POSTGRES_DB=pg.dbname, SKILLPATH_POSTGRES_USER=pg.user,
            SKILLPATH_POSTGRES_PASSWORD=pg.password, SKILLPATH_POSTGRES_SCHEMA=pg.schema,
        )  # fmt: skip
    env.update(extra)
    return env


def seeded(settings: Settings, employees: int, modules: int) -> tuple[list[str], list[str]]:
    services = build_services(
        Settings(**{**settings.__dict__, "master_key": MASTER_KEY}), start_projections=False
    )
    try:
        org = build_organisation(services.app, roles=5, employees=employees, modules=modules)
        services.runner.catch_up()
    finally:
        services.close()
    emails = [f"employee{e}@example.com" for e in range(employees)]
    return emails, [str(m) for m in org.module_ids]


def statements(pairs: Iterator[tuple[str, str]], count: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC).isoformat()
    batch = []
    for _ in range(count):
        email, module = next(pairs)
        batch.append({
            "id": str(uuid.uuid4()),
            "actor": {"mbox": f"mailto:{email}"},
            "verb": {"id": ADL + "progressed"},
            "object": {"id": f"https://lms.example/modules/{module}"},
            "result": {"extensions": {PROGRESS_EXTENSION: 50}},
            "timestamp": now,
        })  # fmt: skip
    return batch


def xapi_rate(http: httpx.Client, pairs: Iterator[tuple[str, str]], batches: int) -> float:
    bodies = [statements(pairs, 100) for _ in range(batches)]
    started = time.perf_counter()
    for body in bodies:
        response = http.post("/xapi/statements", json=body)
        if response.status_code != 200:
            raise RuntimeError(response.text[:500])
    return batches * 100 / (time.perf_counter() - started)


def raw_rate(app: Application[Any], batches: int) -> float:
    started = time.perf_counter()
    for b in range(batches):
        learner = Learner(name=f"l{b}")
        for j in range(99):
            learner.progress(percent=j)
        app.save(learner)
    return batches * 100 / (time.perf_counter() - started)


def raw_application(settings: Settings, folder: Path) -> Application[Any]:
    if settings.persistence == "sqlite":
        return Application(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                "SQLITE_DBNAME": str(folder / "raw.sqlite3")})  # fmt: skip
    pg = settings.postgres
    return Application(env={
        "PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": pg.dbname,
        "POSTGRES_HOST": pg.host, "POSTGRES_PORT": str(pg.port), "POSTGRES_USER": pg.user,
        "POSTGRES_PASSWORD": pg.password, "POSTGRES_SCHEMA": pg.schema,
    })  # fmt: skip


def bench_xapi(engine: str, rounds: int, batches: int) -> None:
    with engine_settings(engine) as settings, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        emails, modules = seeded(settings, employees=400, modules=60)
        pairs = iter([(e, m) for m in modules for e in emails])
        token = mint_token(SECRET.encode(), role="integration", subject="lms-bench")
        env = environment(settings, folder, SKILLPATH_RUN_WEBHOOKS="false")
        raw = raw_application(settings, folder)
        with uvicorn("app.main:create_app", env, folder / "api.log") as url, httpx.Client(
            base_url=url, timeout=120,
            headers={"Authorization": f"Bearer {token}", "X-Experience-API-Version": "1.0.3"},
        ) as http:  # fmt: skip
            xapi_rate(http, pairs, 2)  # warm-up
            raw_rate(raw, 2)
            ours, theirs = [], []
            for _ in range(rounds):
                ours.append(xapi_rate(http, pairs, batches))
                theirs.append(raw_rate(raw, batches))
        ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
        verdict = "met" if median(ratios) >= 0.3 else "not met"
        print(f"xAPI on {engine}: {median(ours):,.0f} statements/s (batches of 100, over HTTP);"
              f" raw appends {median(theirs):,.0f} events/s (100-event saves, in process);"
              f" ratio {median(ratios):.2f}x (per pair: {', '.join(f'{r:.2f}' for r in ratios)});"
              f" target >= 0.3x: {verdict}; load {load_average()}")  # fmt: skip


def hr_file(path: Path, rows: int) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["employee_id", "name", "email", "department", "location", "role",
                         "hire_date", "manager_id"])  # fmt: skip
        for r in range(rows):
            manager = "" if r % 10 == 0 else f"H{r - r % 10}"
            writer.writerow([f"H{r}", f"Person {r}", f"person{r}@hr.example", f"Dept {r % 12}",
                             "Oslo", f"role-{r % 5}", "2023-03-01", manager])  # fmt: skip


def bench_import(engine: str, rows: int) -> None:
    with engine_settings(engine) as settings, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seeded(settings, employees=1, modules=1)
        file = folder / "export.csv"
        hr_file(file, rows)
        env = environment(settings, folder)
        times = []
        for _ in range(2):
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "app.cli", "import-hr", str(file)],
                                  cwd=ROOT, env=env, capture_output=True, text=True)  # fmt: skip
            times.append(time.perf_counter() - started)
            summary = done.stdout.strip().splitlines()[0] if done.stdout.strip() else done.stderr
            print(f"  import-hr run {len(times)} on {engine}: {summary}")
        print(f"import-hr of {rows:,} rows on {engine}: first run {times[0]:.1f}s"
              f" ({rows / times[0]:,.0f} rows/s), second run {times[1]:.1f}s; load"
              f" {load_average()}")  # fmt: skip


@contextlib.contextmanager
def receiver() -> Iterator[tuple[str, list[float]]]:
    """A webhook receiver checking signatures; yields its URL and the lags it measured (ms)."""
    lags: list[float] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            arrived = datetime.now(UTC)
            mac = "sha256=" + hmac.new(HOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
            if mac == self.headers.get("X-Skillpath-Signature"):
                occurred = datetime.fromisoformat(json.loads(body)["occurredAt"])
                lags.append((arrived - occurred).total_seconds() * 1000)
            self.send_response(204 if mac == self.headers.get("X-Skillpath-Signature") else 401)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hooks", lags
    finally:
        server.shutdown()


def bench_webhooks(engine: str, events: int) -> None:
    with engine_settings(engine) as settings, tempfile.TemporaryDirectory() as tmp, receiver() as (
        hook, lags,
    ):  # fmt: skip
        folder = Path(tmp)
        emails, modules = seeded(settings, employees=100, modules=20)
        pairs = iter([(e, m) for m in modules for e in emails])
        env = environment(settings, folder)
        hr = mint_token(SECRET.encode(), role="hr", subject="hr@bench")
        lms = mint_token(SECRET.encode(), role="integration", subject="lms-bench")
        with uvicorn("app.main:create_app", env, folder / "api.log") as url, httpx.Client(
            base_url=url, timeout=60
        ) as http:  # fmt: skip
            registered = http.post("/graphql", headers={"Authorization": f"Bearer {hr}"}, json={
                "query": "mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) {"
                         " __typename } }",
                "variables": {"i": {"url": hook, "secret": HOOK_SECRET,
                                    "eventKinds": ["XapiStatement.Recorded"]}},
            })  # fmt: skip
            assert "WebhookPayload" in registered.text, registered.text
            headers = {"Authorization": f"Bearer {lms}", "X-Experience-API-Version": "1.0.3"}
            for _ in range(events):  # one statement at a time, as an LMS sends them live
                http.post("/xapi/statements", json=statements(pairs, 1), headers=headers)
                time.sleep(0.02)
            deadline = time.monotonic() + 30
            while len(lags) < events and time.monotonic() < deadline:
                time.sleep(0.1)
        print(f"webhook lag on {engine} ({len(lags)}/{events} delivered, signatures checked):"
              f" p50 {percentile(lags, 50):.0f} ms, p99 {percentile(lags, 99):.0f} ms;"
              f" load {load_average()}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--only", choices=["xapi", "import", "webhooks"])
    parser.add_argument("--engine", choices=["sqlite", "postgres"], action="append")
    args = parser.parse_args()
    print_machine()
    for engine in args.engine or ("sqlite", "postgres"):
        if args.only in (None, "xapi"):
            bench_xapi(engine, args.rounds, args.batches)
        if args.only in (None, "import"):
            bench_import(engine, args.rows)
        if args.only in (None, "webhooks"):
            bench_webhooks(engine, args.events)


if __name__ == "__main__":
    main()
