"""`enroll` mutations through GraphQL beside the raw eventsourcing append rate, per engine.

For each engine (temporary SQLite files; private schemas in PostgreSQL's ``test`` database)
the run measures, in one process:

1. raw: a plain ``eventsourcing.application.Application`` (the library's own recorder, no
   hash chain, no encryption) saving one new aggregate per call whose creation event has the
   shape of ``Enrollment.Enrolled`` (two ids, source, an optional id, business time, actor),
   on a database of its own with the same settings: the library's append rate there;
2. API: ``enroll`` mutations posted as HTTP requests to the real ASGI app (``create_app``, in
   this process, with an operator's bearer token, projections following the log in their
   thread as in embedded mode), each enrolling a new (employee, module) pair.

Raw saves and sequential mutations take turns in chunks of ``--chunk``, so load from
elsewhere on a shared machine weighs on both alike; then mutations run with
``--concurrency`` requests in flight. The harness speaks ASGI to the app directly (``--harness
asgi``, see ``bench.harness.AsgiClient``) or goes through httpx's ASGI transport (``--harness
httpx``, which adds about a millisecond of client work per request in this process).

Run: ``.venv/bin/python -m bench.bench_enroll`` (``--count``, ``--engines``, ``--concurrency``,
``--harness``).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from app.bootstrap import build_services
from app.main import create_app
from app.persistence import eventsourcing_env
from bench.harness import (
    ENGINES,
    AsgiClient,
    Timing,
    build_organisation,
    engine_settings,
    http_client,
    operator_headers,
    post_graphql,
    print_machine,
    ratio,
    timed,
    timed_async,
)

ENROLL = """
mutation Enroll($input: EnrollInput!) {
  enroll(input: $input) {
    __typename
    ... on EnrollmentPayload { position enrollmentId }
    ... on ValidationError { field message }
    ... on NotFound { field message }
    ... on Conflict { message }
  }
}
"""


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


async def measure(
    raw_settings: Any, settings: Any, args: argparse.Namespace
) -> tuple[Timing, Timing, Timing | None]:
    """Raw saves and sequential mutations in turns, then mutations with requests in flight."""
    raw = RawAppends(eventsourcing_env(raw_settings))
    services = build_services(settings)
    try:
        employees = max(20, (3 * args.count + 400) // 40 + 1)
        org = build_organisation(services.app, roles=4, employees=employees, modules=40)
        pairs = iter([(e, m) for e in org.employee_ids for m in org.module_ids])
        app = create_app(settings, services)
        headers = operator_headers(services)
        asgi = AsgiClient(app, headers=headers)
        async with http_client(app, headers) as http:

            async def enroll(_: int) -> None:
                employee, module = next(pairs)
                variables = {"input": {"employeeId": str(employee), "moduleId": str(module)}}
                if args.harness == "httpx":
                    body = await post_graphql(http, "/graphql", ENROLL, variables)
                else:
                    body = await asgi.graphql("/graphql", ENROLL, variables)
                outcome = body["data"]["enroll"]
                if outcome["__typename"] != "EnrollmentPayload":
                    raise RuntimeError(f"enroll was refused: {outcome}")

            timed(raw.save, 200)  # warm up: connections, caches, first-request costs
            await timed_async(enroll, 200)
            raw_parts, api_parts = [], []
            for _ in range(max(1, args.count // args.chunk)):
                raw_parts.append(timed(raw.save, args.chunk))
                api_parts.append(await timed_async(enroll, args.chunk))
            parallel = None
            if args.concurrency > 1:
                parallel = await concurrent(enroll, args.count, args.concurrency)
        return combined(raw_parts), combined(api_parts), parallel
    finally:
        services.close()
        raw.app.close()


def combined(parts: list[Timing]) -> Timing:
    return Timing(
        sum(p.count for p in parts),
        sum(p.seconds for p in parts),
        [latency for p in parts for latency in p.latencies],
    )


async def concurrent(call: Any, count: int, workers: int) -> Timing:
    latencies: list[float] = []
    per_worker = count // workers

    async def worker() -> None:
        for i in range(per_worker):
            t0 = time.perf_counter()
            await call(i)
            latencies.append(time.perf_counter() - t0)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return Timing(per_worker * workers, time.perf_counter() - started, latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="mutations per engine and mode")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--concurrency", type=int, default=4, help="0 or 1: sequential only")
    parser.add_argument("--harness", choices=("asgi", "httpx"), default="asgi")
    parser.add_argument("--chunk", type=int, default=100, help="calls per turn")
    args = parser.parse_args()
    print_machine()
    print(f"enroll: {args.count} mutations per engine and mode; harness: {args.harness}")
    header = f"{'engine':9} {'mode':26} {'ops/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'÷ raw':>6}"
    print(header)
    for engine in args.engines:
        with engine_settings(engine) as raw_settings, engine_settings(engine) as settings:
            raw, sequential, parallel = asyncio.run(measure(raw_settings, settings, args))
        rows = [("raw eventsourcing append", raw), ("enroll via GraphQL", sequential)]
        if parallel is not None:
            rows.append((f"enroll via GraphQL, {args.concurrency} in flight", parallel))
        for mode, timing in rows:
            print(
                f"{engine:9} {mode:26} {timing.per_second:8.0f} {timing.p50_ms:7.2f}"
                f" {timing.p99_ms:7.2f} {ratio(timing.per_second, raw.per_second):>6}"
            )


if __name__ == "__main__":
    main()
