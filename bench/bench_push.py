"""Event-to-push latency of live KPI subscriptions, and how many subscribers one worker holds.

``--mode fanout``: two API workers (uvicorn processes) on one private PostgreSQL schema with
Redis pub/sub between them; worker A runs the projections, worker B only serves. The
subscribers (``kpiUpdated`` over graphql-transport-ws, raw ``websockets`` connections from one
client process) are split evenly over A and B. Each round completes one enrolment through A's
HTTP API; a subscriber's latency is the time from sending that mutation to receiving the push
that shows it (so it includes the HTTP write, the projection batch, Redis and the push).

Subscribers are distinct users by default (``--users distinct``: a token of its own per
subscriber, subjects spread over every role the access policy lets read KPIs), or all hold one
operator token (``--users shared``); ``--users both`` (the fan-out default) alternates the two
in sessions of fresh subscriptions, A B A B, and reports the ratio of their p99s. The fan-out
mode also runs the stock strawberry fan-out anchor (``../shared/anchors/sub_app.py`` with its
own client, the same number of subscribers) before and after, in the same run.

``--mode capacity``: one embedded worker (SQLite, in-process broadcaster); subscribers are
added in steps and each step runs the same rounds; the answer is the largest step whose p99
stays under 500 ms.

Everything runs on loopback and stops by itself: bounded rounds, bounded waits.

Run: ``.venv/bin/python -m bench.bench_push --mode fanout --subscribers 1000`` and
``.venv/bin/python -m bench.bench_push --mode capacity --steps 1000,2000,3000,4000,5000``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import redis
from websockets.asyncio.client import ClientConnection, connect

from app.access.rules import AGGREGATE_READERS
from app.auth.tokens import mint_token
from tests.conftest import fresh_postgres_schema, operator_token
from tests.worker_processes import Worker, worker, worker_env

REDIS_URL = "redis://127.0.0.1:6379/0"
ANCHORS = Path(__file__).resolve().parents[2] / "shared" / "anchors"
ROUND_TIMEOUT = 60.0
NUMERATOR = re.compile(r'"numerator":\s*([0-9.]+)')
#: Longer than the default SKILLPATH_PUSH_INTERVAL_SECONDS (0.25).
PACE_SECONDS = 0.3
QUERY = (
    "subscription($m: ID!) { kpiUpdated(filter: {moduleId: $m}) { position"
    " groups { figures { completionRate { numerator } } } } }"
)


class Subscriber:
    """One graphql-transport-ws connection with one kpiUpdated subscription."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.seen: dict[int, float] = {}  # completed count -> when first shown

    async def read(self, arrived: asyncio.Queue[None]) -> None:
        async for raw in self.socket:
            # A pattern, not a JSON parser: thousands of sockets share this one client
            # process, and its own parsing time would count as push latency.
            found = NUMERATOR.search(raw if isinstance(raw, str) else raw.decode())
            if found is None:
                continue
            done = int(float(found.group(1)))
            if done not in self.seen:
                self.seen[done] = time.perf_counter()
                arrived.put_nowait(None)


async def subscribe(url: str, module: str, token: str) -> Subscriber:
    socket = await connect(
        url,
        subprotocols=["graphql-transport-ws"],
        max_queue=None,  # type: ignore[list-item]
        open_timeout=30,
        ping_interval=None,
    )
    await socket.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    await socket.send(
        json.dumps(
            {
                "id": "kpis",
                "type": "subscribe",
                "payload": {"query": QUERY, "variables": {"m": module}},
            }
        )
    )
    return Subscriber(socket)


class Api:
    def __init__(self, url: str, token: str, secret: str) -> None:
        self.token, self.secret = token, secret
        self.http = httpx.Client(
            base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )
        #: Enrolment id -> the learner's own token (only learners complete their enrolments).
        self.learners: dict[str, str] = {}

    def one(self, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else None
        body = self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        ).json()
        assert "errors" not in body, body
        found: dict[str, Any] = next(iter(body["data"].values()))
        assert len(found) == 1, found
        return found

    def enrolments(self, count: int) -> tuple[str, list[str]]:
        """A module and ``count`` people enrolled in it; returns the enrolment ids."""
        tag = uuid.uuid4().hex[:8]
        role = self.one(
            'mutation($c: String!) { defineRole(input: {code: $c, title: "Dev",'
            ' requiredSkills: [{skill: "sql", level: 3}]}) { ... on RolePayload'
            " { roleId } } }",
            c=f"dev-{tag}",
        )["roleId"]
        module = self.one(
            'mutation { publishModule(input: {title: "SQL", skills: [{skill:'
            ' "sql", level: 2}], difficulty: 2, mediaType: COURSE, minutes: 30})'
            " { ... on ModulePayload { moduleId } } }"
        )["moduleId"]
        enrolled = []
        for index in range(count):
            person = self.one(
                'mutation($r: ID!, $e: String!) { hireEmployee(input: {name: "P", email: $e,'
                ' roleId: $r, department: "IT", location: "Oslo", hireDate: "2024-01-02"})'
                " { ... on EmployeePayload { employeeId } } }",
                r=role,
                e=f"p{index}-{tag}@example.org",
            )["employeeId"]
            enrollment = self.one(
                "mutation($e: ID!, $m: ID!) { enroll(input: {employeeId: $e, moduleId: $m}) {"
                " ... on EnrollmentPayload { enrollmentId } } }",
                e=person,
                m=module,
            )["enrollmentId"]
            enrolled.append(enrollment)
            self.learners[enrollment] = mint_token(
                self.secret.encode(), role="employee", subject=person
            )
        return module, enrolled

    def complete(self, enrollment: str) -> None:
        self.one(
            "mutation($id: ID!) { completeEnrollment(input: {enrollmentId: $id}) {"
            " ... on EnrollmentPayload { position } } }",
            token=self.learners[enrollment],
            id=enrollment,
        )


class Bench:
    """Subscribers on some workers, and rounds of one mutation each."""

    def __init__(self, api: Api, module: str, enrolments: list[str]) -> None:
        self.api, self.module, self.enrolments = api, module, enrolments
        self.subscribers: list[Subscriber] = []
        self.readers: list[asyncio.Task[None]] = []
        self.arrived: asyncio.Queue[None] = asyncio.Queue()
        self.done = 0

    async def add(self, urls: list[str], tokens: list[str]) -> None:
        """Open one more subscription per token, spread over ``urls``, and wait for first
        pushes. Distinct tokens are distinct users, each authorised on its own."""
        start, count = len(self.subscribers), len(tokens)
        for offset in range(0, count, 200):
            batch = [
                subscribe(urls[(start + i) % len(urls)], self.module, tokens[i])
                for i in range(offset, min(count, offset + 200))
            ]
            for subscriber in await asyncio.gather(*batch):
                self.subscribers.append(subscriber)
                self.readers.append(asyncio.create_task(subscriber.read(self.arrived)))
        await self._until(lambda s: self.done in s.seen)

    async def _until(self, ready: Any) -> None:
        deadline = time.monotonic() + ROUND_TIMEOUT
        while not all(ready(s) for s in self.subscribers):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                missing = sum(1 for s in self.subscribers if not ready(s))
                raise TimeoutError(f"{missing} subscribers got no push within {ROUND_TIMEOUT}s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.get(), remaining)

    async def rounds(self, count: int) -> list[float]:
        """Latencies (ms) of every subscriber in ``count`` rounds."""
        latencies: list[float] = []
        # This client holds thousands of sockets: a full collection of its own heap would
        # stall its reading and count as push latency. The workers collect as usual.
        gc.collect()
        gc.freeze()
        for _ in range(count):
            # Events spaced wider than the coalescing interval, so each push measures the
            # path from write to socket; a burst would be coalesced (and wait for its slot).
            await asyncio.sleep(PACE_SECONDS)
            enrollment = self.enrolments[self.done]
            sent = time.perf_counter()
            await asyncio.to_thread(self.api.complete, enrollment)
            self.done += 1
            await self._until(lambda s: any(n >= self.done for n in s.seen))
            for subscriber in self.subscribers:
                first = min(t for n, t in subscriber.seen.items() if n >= self.done)
                latencies.append((first - sent) * 1000)
        return latencies

    async def close(self) -> None:
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*(s.socket.close() for s in self.subscribers), return_exceptions=True)
        self.subscribers, self.readers = [], []


#: Roles that may subscribe to live KPIs (the access policy's aggregate readers).
READER_ROLES = tuple(sorted(AGGREGATE_READERS))


def subscriber_tokens(secret: str, count: int, users: str) -> list[str]:
    """``count`` bearer tokens: one operator's token for all (``shared``), or one token per
    subscriber (``distinct``): distinct subjects across every role the policy lets read KPIs,
    as the dashboards of HR, leadership, the works council and auditors would hold them."""
    if users == "shared":
        return [operator_token(secret)] * count
    return [
        mint_token(
            secret.encode(),
            role=READER_ROLES[i % len(READER_ROLES)],
            subject=f"reader-{i}@bench.example",
        )
        for i in range(count)
    ]


def anchor(subscribers: int, messages: int) -> str:
    """The stock strawberry fan-out (``../shared/anchors/sub_app.py``) with the anchor's own
    client, over real WebSockets on loopback; returns the client's summary line."""
    folder = ANCHORS.resolve()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "sub_app:app", "--app-dir", str(folder), "--port",
         "8770", "--log-level", "warning", "--ws-per-message-deflate", "false"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.post("http://127.0.0.1:8770/publish", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the anchor did not start"
                time.sleep(0.1)
        run = subprocess.run(
            [sys.executable, str(folder / "sub_client.py"), str(subscribers), str(messages)],
            capture_output=True, text=True, timeout=300, check=True,
        )  # fmt: skip
        return run.stdout.strip().splitlines()[-1]
    finally:
        server.terminate()
        server.wait(10)


def anchor_p99(line: str) -> float:
    found = re.search(r"p99=([0-9.]+)ms", line)
    assert found is not None, line
    return float(found.group(1))


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {ordered[-1]:.0f} ms (n={len(ordered)})"


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


@contextlib.contextmanager
def fanout_workers(prefix: str) -> Iterator[tuple[Worker, Worker]]:
    common = {
        "SKILLPATH_BROADCAST": "redis",
        "SKILLPATH_REDIS_URL": REDIS_URL,
        "SKILLPATH_REDIS_CHANNEL_PREFIX": prefix,
        "SKILLPATH_MIN_GROUP_SIZE": "1",
    }
    with tempfile.TemporaryDirectory(prefix="skillpath-bench-logs-") as folder:
        logs = Path(folder)
        with fresh_postgres_schema() as settings:
            a_env = worker_env(settings, SKILLPATH_RUN_PROJECTIONS="true", **common)
            b_env = worker_env(settings, SKILLPATH_RUN_PROJECTIONS="false", **common)
            with worker(a_env, logs, "a") as a, worker(b_env, logs, "b") as b:
                yield a, b


async def fanout(subscribers: int, rounds: int, users: str, pairs: int) -> None:
    """Sessions of ``subscribers`` fresh subscriptions each; with ``users=both`` the sessions
    alternate shared token and distinct users, A B A B, on the same two workers."""
    kinds = ["shared", "distinct"] * pairs if users == "both" else [users] * pairs
    prefix = f"sp-bench-{uuid.uuid4().hex[:8]}"
    results: dict[str, list[float]] = {"shared": [], "distinct": []}
    with fanout_workers(prefix) as (a, b):
        api = Api(a.url, a.token, a.secret)
        module, enrolments = await asyncio.to_thread(api.enrolments, rounds * len(kinds))
        bench = Bench(api, module, enrolments)
        for kind in kinds:
            tokens = subscriber_tokens(a.secret, subscribers, kind)
            try:
                await bench.add([a.ws_url, b.ws_url], tokens)
                latencies = await bench.rounds(rounds)
            finally:
                await bench.close()
            results[kind].append(p99(latencies))
            print(
                f"fan-out, {subscribers} {kind} subscribers over 2 workers via Redis,"
                f" {rounds} events, load {os.getloadavg()[0]:.1f}: {percentiles(latencies)}"
            )
    for kind, values in results.items():
        if values:
            print(f"{kind}: median p99 {statistics.median(values):.0f} ms over {len(values)}")
    if results["shared"] and results["distinct"]:
        ratios = [d / s for s, d in zip(results["shared"], results["distinct"], strict=False)]
        print(f"distinct ÷ shared p99, median of pairs: {statistics.median(ratios):.2f}")


async def capacity(steps: list[int], rounds: int, limit_ms: float, users: str) -> None:
    with tempfile.TemporaryDirectory(prefix="skillpath-bench-") as folder:
        await _capacity(folder, steps, rounds, limit_ms, users)


async def _capacity(
    folder: str, steps: list[int], rounds: int, limit_ms: float, users: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLPATH_")}
    env.update(
        SKILLPATH_PERSISTENCE="sqlite",
        SKILLPATH_SQLITE_PATH=f"{folder}/bench.sqlite3",
        SKILLPATH_SEED_IF_EMPTY="false",
        SKILLPATH_MIN_GROUP_SIZE="1",
        SKILLPATH_BROADCAST="memory",
        SKILLPATH_JWT_SECRET=f"bench-secret-{uuid.uuid4().hex}",
    )
    held = 0
    with worker(env, Path(folder), "single") as single:
        api = Api(single.url, single.token, single.secret)
        module, enrolments = await asyncio.to_thread(api.enrolments, (rounds + 1) * len(steps))
        bench = Bench(api, module, enrolments)
        tokens = subscriber_tokens(single.secret, max(steps), users)
        try:
            for step in steps:
                await bench.add([single.ws_url], tokens[len(bench.subscribers) : step])
                # One unmeasured event first: the worker's heap has just grown by a thousand
                # connections, and its first full garbage collection after that is a one-off.
                await bench.rounds(1)
                latencies = await bench.rounds(rounds)
                print(
                    f"one worker, {step} {users} subscribers, load"
                    f" {os.getloadavg()[0]:.1f}: {percentiles(latencies)}"
                )
                if p99(latencies) >= limit_ms:
                    break
                held = step
        finally:
            await bench.close()
    print(f"largest step with p99 under {limit_ms:.0f} ms: {held} subscribers")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=("fanout", "capacity"), required=True)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--steps", default="1000,2000,3000,4000,5000")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--limit-ms", type=float, default=500.0)
    parser.add_argument(
        "--users", choices=("both", "shared", "distinct"), default="both",
        help="one token for every subscriber, a token per subscriber, or both A B A B",
    )  # fmt: skip
    parser.add_argument("--pairs", type=int, default=2, help="fan-out sessions of each kind")
    parser.add_argument("--anchor-messages", type=int, default=10)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.2f}"
    )
    if args.mode == "fanout":
        before = anchor(args.subscribers, args.anchor_messages)
        print(f"anchor (stock strawberry fan-out), before: {before}")
        asyncio.run(fanout(args.subscribers, args.rounds, args.users, args.pairs))
        after = anchor(args.subscribers, args.anchor_messages)
        print(f"anchor (stock strawberry fan-out), after: {after}")
        middle = statistics.median([anchor_p99(before), anchor_p99(after)])
        print(f"anchor p99, median: {middle:.0f} ms")
    else:
        steps = [int(s) for s in args.steps.split(",")]
        users = "distinct" if args.users == "both" else args.users
        asyncio.run(capacity(steps, args.rounds, args.limit_ms, users))
    redis.Redis.from_url(REDIS_URL).close()


if __name__ == "__main__":
    main()
