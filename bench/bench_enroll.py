"""`enroll` mutations through GraphQL beside the raw eventsourcing append rate, per engine.

For each engine (a temporary SQLite file; a private schema in PostgreSQL's ``test`` database)
the run measures, in this order and on the same database:

1. raw: a plain ``eventsourcing.application.Application`` saving one new aggregate per call
   whose creation event has the shape of ``Enrollment.Enrolled`` (two ids, source, an optional
   id, business time, actor): the library's own append rate on this engine;
2. API: ``enroll`` mutations posted as HTTP requests to the real ASGI app (``create_app``, in
   this process, projections following the log in their thread as in embedded mode), each
   enrolling a new (employee, module) pair; sequentially, then with a few requests in flight.
   The harness speaks ASGI to the app directly (``--harness asgi``, see
   ``bench.harness.AsgiClient``) or goes through httpx's ASGI transport (``--harness
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


def raw_append(env: dict[str, str], count: int) -> Timing:
    """The plain library: one new aggregate, one save, per call."""
    raw = Application[UUID](env={**env, "AGGREGATE_CACHE_MAXSIZE": "0"})
    actor = {"id": "bench", "role": "admin"}
    employee, module = uuid4(), uuid4()

    def save(_: int) -> None:
        raw.save(RawEnrollment(employee, module, "self", None, datetime.now(UTC), actor))

    try:
        timed(save, min(200, count))  # warm up: connections, statement caches
        return timed(save, count)
    finally:
        raw.close()


async def api_enroll(
    settings: Any, count: int, concurrency: int, harness: str
) -> tuple[Timing, Timing | None]:
    """``enroll`` over HTTP: sequential, then ``concurrency`` requests in flight."""
    services = build_services(settings)
    try:
        employees = max(20, (2 * count + 400) // 40 + 1)
        org = build_organisation(services.app, roles=4, employees=employees, modules=40)
        pairs = iter([(e, m) for e in org.employee_ids for m in org.module_ids])
        app = create_app(settings, services)
        asgi = AsgiClient(app)
        async with http_client(app) as http:

            async def enroll(_: int) -> None:
                employee, module = next(pairs)
                variables = {"input": {"employeeId": str(employee), "moduleId": str(module)}}
                if harness == "httpx":
                    body = await post_graphql(http, "/graphql", ENROLL, variables)
                else:
                    body = await asgi.graphql("/graphql", ENROLL, variables)
                outcome = body["data"]["enroll"]
                if outcome["__typename"] != "EnrollmentPayload":
                    raise RuntimeError(f"enroll was refused: {outcome}")

            await timed_async(enroll, 200)  # warm up: caches, pools, first-request costs
            sequential = await timed_async(enroll, count)
            parallel = None
            if concurrency > 1:
                parallel = await concurrent(enroll, count, concurrency)
        return sequential, parallel
    finally:
        services.close()


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
    args = parser.parse_args()
    print_machine()
    print(f"enroll: {args.count} mutations per engine and mode; harness: {args.harness}")
    header = f"{'engine':9} {'mode':26} {'ops/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'÷ raw':>6}"
    print(header)
    for engine in args.engines:
        with engine_settings(engine) as settings:
            raw = raw_append(eventsourcing_env(settings), args.count)
            sequential, parallel = asyncio.run(
                api_enroll(settings, args.count, args.concurrency, args.harness)
            )
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
