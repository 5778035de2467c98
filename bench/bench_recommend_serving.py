"""``recommendations(first: 10)`` through GraphQL with 10,000 modules, beside a bare
``model.predict`` for the same user, and the memory of the loaded model.

The organisation is built through real commands on a temporary SQLite database (10,000
modules, 500 employees with consent and a learning history), a model is trained from the
read models, and then each request ranks all 10,000 modules, applies the rules, writes its
``RecommendationIssued`` event and answers over GraphQL (in-process ASGI, no sockets),
with the projection thread following the log as in the server, and an operator's bearer
token checked on each request.

    .venv/bin/python bench/bench_recommend_serving.py [--requests 500]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.aggregates import Enrollment
from app.bootstrap import build_services
from app.main import create_app
from app.recommend.catalogue import CatalogueIndex
from app.recommend.model import FitParameters
from app.recommend.training import collect_training_data
from bench.harness import (
    BENCH_ACTOR,
    AsgiClient,
    build_organisation,
    engine_settings,
    operator_headers,
    print_machine,
    timed,
    timed_async,
)

MODULES, EMPLOYEES, HISTORY = 10_000, 500, 8
QUERY = """query($id: ID!) { recommendations(employeeId: $id, first: 10) {
  ... on RecommendationList { decisionId basis items { rank score module { id title }
                              reasons { kind text } } } } }"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    print_machine()
    with engine_settings("sqlite") as base:
        settings = replace(base, model_dir=str(Path(base.sqlite_path).parent / "models"))
        services = build_services(settings, start_projections=False)
        try:
            run(services, settings, args.requests)
        finally:
            services.close()
    return 0


def run(services, settings, requests: int) -> None:  # type: ignore[no-untyped-def]
    app = services.app
    started = time.perf_counter()
    org = build_organisation(app, roles=20, employees=EMPLOYEES, modules=MODULES)
    rng = random.Random(5)
    for employee in org.employee_ids:
        app.grant_consent(employee, purpose="personalisation", policy_version="1",
                          actor=BENCH_ACTOR)  # fmt: skip
        role_bias = hash(employee) % 20
        for _ in range(HISTORY):
            module = org.module_ids[(role_bias * 500 + rng.randrange(800)) % MODULES]
            try:
                app.enroll(employee_id=employee, module_id=module, source="self",
                           recommendation_id=None, actor=BENCH_ACTOR)  # fmt: skip
            except Exception:  # the same module drawn twice: already enrolled
                continue
            app.complete_enrollment(Enrollment.id_for(employee, module), actor=BENCH_ACTOR)
    services.runner.catch_up()
    print(f"organisation through commands: {time.perf_counter() - started:.0f}s")
    params = FitParameters()
    metadata = services.recommender.train(services.runner.position, params=params)
    print(f"trained {metadata.version}: {metadata.interactions} interactions,"
          f" fit {metadata.metrics['fit_seconds']}s")  # fmt: skip

    # Memory: the artefact's arrays, and what loading it and indexing the catalogue allocate.
    tracemalloc.start()
    model, _ = services.recommender.registry.load(metadata.version)
    index = CatalogueIndex(services.recommender.features.modules(), model)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"loaded model: arrays {model.nbytes() / 2**20:.1f} MiB; load + catalogue index"
          f" {current / 2**20:.1f} MiB held ({peak / 2**20:.1f} MiB peak) for {len(index)}"
          " modules")  # fmt: skip

    services.runner.start()
    employees = [str(e) for e in org.employee_ids]
    client = AsgiClient(create_app(settings, services), headers=operator_headers(services))

    async def one(i: int) -> None:
        body = await client.graphql("/graphql", QUERY, {"id": employees[i % len(employees)]})
        assert len(body["data"]["recommendations"]["items"]) == 10, body

    async def measure() -> None:
        await timed_async(one, 30)  # warm-up: caches, first loads
        graphql = await timed_async(one, requests)
        print(f"recommendations(first: 10) via GraphQL, {MODULES} modules: p50"
              f" {graphql.p50_ms:.2f} ms, p99 {graphql.p99_ms:.2f} ms ({requests} requests,"
              f" {graphql.per_second:.0f}/s, each writing its decision event)")  # fmt: skip
        # The same with the projections following in another process (production).
        services.runner.stop()
        alone = await timed_async(one, requests)
        print(f"  the same without the projection thread in this process: p50"
              f" {alone.p50_ms:.2f} ms, p99 {alone.p99_ms:.2f} ms")  # fmt: skip

    asyncio.run(measure())
    breakdown(services, employees, requests)
    bare_predict(services, params, employees[0], requests)


def breakdown(services, employees: list[str], requests: int) -> None:  # type: ignore[no-untyped-def]
    """The same work without GraphQL: ranking alone, and ranking plus the logged decision."""
    recommender = services.recommender
    ids = [UUID(e) for e in employees]
    rank = timed(lambda i: recommender.rank_for(recommender.learner(ids[i % len(ids)]), 10),
                 requests)  # fmt: skip
    logged = timed(lambda i: recommender.recommend(ids[i % len(ids)], first=10, goal=None,
                                                   actor=BENCH_ACTOR), requests)  # fmt: skip
    print(f"without GraphQL: reading the learner + ranking p50 {rank.p50_ms:.2f} ms, p99"
          f" {rank.p99_ms:.2f} ms; plus writing the decision event p50 {logged.p50_ms:.2f} ms,"
          f" p99 {logged.p99_ms:.2f} ms")  # fmt: skip


def bare_predict(services, params: FitParameters, employee: str, requests: int) -> None:  # type: ignore[no-untyped-def]
    """LightFM's own predict over all modules for the same user, on the training matrices."""
    data = collect_training_data(services.recommender.sources, datetime.now(UTC))
    active = services.recommender.active
    lightfm = active.model.as_lightfm(params)
    user = data.user_ids.index(employee)
    items = np.arange(len(data.item_ids), dtype=np.int32)
    users = np.full(len(items), user, dtype=np.int32)
    call = lambda _: lightfm.predict(  # noqa: E731
        users, items, user_features=data.user_features, item_features=data.item_features
    )
    timed(call, 10)
    bare = timed(call, requests)
    print(f"bare model.predict for the same user over {len(items)} modules: p50"
          f" {bare.p50_ms:.2f} ms, p99 {bare.p99_ms:.2f} ms")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
