"""`enroll` over real HTTP, one request at a time, beside raw eventsourcing one-event saves.

For each engine (temporary SQLite files; private schemas in PostgreSQL's ``test`` database)
the run measures, in turns of ``--chunk`` calls so that load from elsewhere on a shared
machine weighs on both alike:

1. raw: a plain ``eventsourcing.application.Application`` (the library's own recorder, no
   hash chain, no encryption) saving one new aggregate per call whose creation event has the
   shape of ``Enrollment.Enrolled`` (two ids, source, an optional id, business time, actor),
   on a database of its own with the same engine: the store's one-event save rate, as the
   anchor ``../shared/anchors/es_bench.py`` measures it;
2. API: ``enroll`` mutations sent by one client over real HTTP (keep-alive, loopback) to
   Skillpath served by uvicorn in its own process, with an HR token, projections following
   the log in the server as in embedded mode, each enrolling a new (employee, module) pair
   and answered only once its events are durable.

Then the same mutations with ``--concurrency`` requests in flight. Target: ``enroll`` one
request at a time at least 0.5x raw one-event saves, on SQLite and PostgreSQL.

Run: ``.venv/bin/python -m bench.bench_enroll`` (``--count``, ``--engines``, ``--concurrency``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from app.auth.tokens import mint_token
from app.persistence import eventsourcing_env
from bench.harness import ENGINES, Timing, engine_settings, print_machine, ratio, timed
from bench.http_load import load_average, uvicorn
from tests.conftest import fresh_postgres_schema
from tests.worker_processes import worker_env

SECRET = "bench-enroll-secret-0123456789abcdef"
ENROLL = """mutation Enroll($input: EnrollInput!) { enroll(input: $input) {
  __typename ... on EnrollmentPayload { position enrollmentId } ... on UserError { message } } }"""


class RawEnrollment(Aggregate):
    """A stand-in aggregate whose creation event is shaped like ``Enrollment.Enrolled``."""

    def __init__(
        self,
        employee_id: UUID,
        module_id: UUID,
        source: str,
        recommendation_id: UUID | None,
        occurred_at: datetime,
        actor: dict[str, str],
    ) -> None:
        self.employee_id = employee_id
        self.module_id = module_id


class RawAppends:
    """The plain library: one new aggregate, one save, per call."""

    def __init__(self, env: dict[str, str]) -> None:
        self.app = Application[UUID](env={**env, "AGGREGATE_CACHE_MAXSIZE": "0"})
        self._employee, self._module = uuid4(), uuid4()

    def save(self, _: int) -> None:
        self.app.save(
            RawEnrollment(self._employee, self._module, "self", None, datetime.now(UTC), RAW_ACTOR)
        )


RAW_ACTOR = {"id": "bench", "role": "admin"}


@contextlib.contextmanager
def server(engine: str, folder: Path) -> Iterator[str]:
    """Skillpath on a fresh database of ``engine``, served by uvicorn; yields the base URL."""
    with contextlib.ExitStack() as stack:
        if engine == "postgres":
            env = worker_env(stack.enter_context(fresh_postgres_schema()))
        else:
            env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLPATH_")}
            env.update(SKILLPATH_PERSISTENCE="sqlite", SKILLPATH_SEED_IF_EMPTY="false",
                       SKILLPATH_SQLITE_PATH=str(folder / "enroll.sqlite3"))  # fmt: skip
        env.update(SKILLPATH_JWT_SECRET=SECRET, SKILLPATH_RETRAIN_IN_BACKGROUND="false",
                   SKILLPATH_MODEL_DIR=str(folder / "models"))  # fmt: skip
        yield stack.enter_context(uvicorn("app.main:create_app", env, folder / f"{engine}.log"))


class Client:
    """HR's client over real HTTP: the organisation, then one enrolment per call."""

    def __init__(self, url: str) -> None:
        self.url = url + "/graphql"
        token = mint_token(SECRET.encode(), role="hr", subject="hr@bench.example")
        self.headers = {"Authorization": f"Bearer {token}"}
        self.http = httpx.Client(headers=self.headers, timeout=60)
        self.pairs: Iterator[tuple[str, str]] = iter(())

    def one(self, query: str, **variables: Any) -> dict[str, Any]:
        body = self.http.post(self.url, json={"query": query, "variables": variables}).json()
        assert "errors" not in body, body
        found: dict[str, Any] = next(iter(body["data"].values()))
        return found

    def organisation(self, employees: int, modules: int) -> None:
        role = self.one(
            'mutation { defineRole(input: {code: "dev", title: "Developer", requiredSkills:'
            ' [{skill: "sql", level: 3}]}) { ... on RolePayload { roleId } } }'
        )["roleId"]
        people = [
            self.one(
                'mutation($r: ID!, $e: String!) { hireEmployee(input: {name: "Learner",'
                ' email: $e, roleId: $r, department: "IT", location: "Oslo", hireDate:'
                ' "2024-01-02"}) { ... on EmployeePayload { employeeId } } }',
                r=role, e=f"learner{i}@bench.example",
            )["employeeId"]
            for i in range(employees)
        ]  # fmt: skip
        catalogue = [
            self.one(
                "mutation($t: String!) { publishModule(input: {title: $t, skills: [{skill:"
                ' "sql", level: 2}], difficulty: 2, mediaType: COURSE, minutes: 30})'
                " { ... on ModulePayload { moduleId } } }",
                t=f"Module {m}",
            )["moduleId"]
            for m in range(modules)
        ]
        self.pairs = iter([(e, m) for e in people for m in catalogue])

    def variables(self) -> dict[str, Any]:
        employee, module = next(self.pairs)
        return {"input": {"employeeId": employee, "moduleId": module}}

    def enroll(self, _: int) -> None:
        outcome = self.one(ENROLL, **self.variables())
        if outcome["__typename"] != "EnrollmentPayload":
            raise RuntimeError(f"enroll was refused: {outcome}")

    async def in_flight(self, count: int, workers: int) -> Timing:
        latencies: list[float] = []
        async with httpx.AsyncClient(headers=self.headers, timeout=60) as http:

            async def worker() -> None:
                for _ in range(count // workers):
                    body = {"query": ENROLL, "variables": self.variables()}
                    started = time.perf_counter()
                    answer = (await http.post(self.url, json=body)).json()
                    latencies.append(time.perf_counter() - started)
                    assert answer["data"]["enroll"]["__typename"] == "EnrollmentPayload", answer

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(workers)))
        return Timing(len(latencies), time.perf_counter() - started, latencies)


def measure(engine: str, args: argparse.Namespace) -> list[tuple[str, Timing]]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-enroll-") as folder,
        engine_settings(engine) as raw_settings,
        server(engine, Path(folder)) as url,
    ):
        raw = RawAppends(eventsourcing_env(raw_settings))
        client = Client(url)
        try:
            calls = 200 + 2 * args.count
            client.organisation(employees=calls // 40 + 1, modules=40)
            timed(raw.save, 200)  # warm up: connections, caches, first-request costs
            timed(client.enroll, 200)
            raw_parts, api_parts = [], []
            for _ in range(max(1, args.count // args.chunk)):
                raw_parts.append(timed(raw.save, args.chunk))
                api_parts.append(timed(client.enroll, args.chunk))
            rows = [("raw one-event saves", combined(raw_parts)),
                    ("enroll over HTTP, one at a time", combined(api_parts))]  # fmt: skip
            if args.concurrency > 1:
                parallel = asyncio.run(client.in_flight(args.count, args.concurrency))
                rows.append((f"enroll over HTTP, {args.concurrency} in flight", parallel))
            return rows
        finally:
            client.http.close()
            raw.app.close()


def combined(parts: list[Timing]) -> Timing:
    return Timing(
        sum(p.count for p in parts),
        sum(p.seconds for p in parts),
        [latency for p in parts for latency in p.latencies],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="mutations per engine and mode")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--concurrency", type=int, default=4, help="0 or 1: one at a time only")
    parser.add_argument("--chunk", type=int, default=100, help="calls per turn")
    args = parser.parse_args()
    print_machine()
    print(f"enroll: {args.count} mutations per engine and mode, over real HTTP")
    print(f"{'engine':9} {'mode':34} {'ops/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'÷ raw':>6}")
    for engine in args.engines:
        rows = measure(engine, args)
        raw = rows[0][1]
        for mode, timing in rows:
            print(
                f"{engine:9} {mode:34} {timing.per_second:8.0f} {timing.p50_ms:7.2f}"
                f" {timing.p99_ms:7.2f} {ratio(timing.per_second, raw.per_second):>6}"
            )
        print(f"load {load_average()}")


if __name__ == "__main__":
    main()
