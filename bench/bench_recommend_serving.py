"""``recommendations(first: 10)`` with 10,000 modules over real HTTP, beside the same server's
``{ __typename }``, and the memory of the loaded model.

The organisation is built through real commands on a temporary SQLite database (10,000
modules, 500 employees with consent and a learning history) and a model is trained from the
read models. Then Skillpath is served by uvicorn in its own process, embedded (projections in
the API process) or in the production layout (``--layout production``: the API without
projections and ``skillpath project`` in a process of its own), and wrk drives it at
``--connections`` concurrent over loopback. Every request is an employee asking for their own
list with their own token (500 distinct users, taken in turn); each ranks all 10,000 modules,
applies the rules, writes its ``RecommendationIssued`` event durably and answers. The floor is
the same server answering ``{ __typename }`` to the same users, A B A B.

Targets: p99 of ``recommendations`` at most 2x the ``{ __typename }`` p99 of the same server,
and under 10 ms.

    .venv/bin/python -m bench.bench_recommend_serving [--layout production] [--rounds 4]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx

from app.aggregates import Enrollment
from app.auth.tokens import mint_token
from app.bootstrap import build_services
from app.recommend.catalogue import CatalogueIndex
from app.recommend.model import FitParameters
from app.settings import Settings
from bench.harness import BENCH_ACTOR, build_organisation, print_machine
from bench.http_load import (
    Pairs,
    alternate,
    load_average,
    process,
    uvicorn,
    write_requests,
)

MODULES, EMPLOYEES, HISTORY = 10_000, 500, 8
SECRET = "bench-recommend-secret-0123456789abcdef"
QUERY = """query($id: ID!) { recommendations(employeeId: $id, first: 10) {
  ... on RecommendationList { decisionId basis items { rank score module { id title }
                              reasons { kind text } } } } }"""


def build(folder: Path) -> tuple[Settings, list[str]]:
    """The organisation and a trained model on a SQLite file in ``folder``."""
    settings = Settings(
        persistence="sqlite", sqlite_path=str(folder / "serving.sqlite3"), seed_if_empty=False,
        jwt_secret=SECRET, model_dir=str(folder / "models"), retrain_in_background=False,
    )  # fmt: skip
    services = build_services(settings, start_projections=False)
    try:
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
                with contextlib.suppress(Exception):  # the same module drawn twice
                    app.enroll(employee_id=employee, module_id=module, source="self",
                               recommendation_id=None, actor=BENCH_ACTOR)  # fmt: skip
                    app.complete_enrollment(Enrollment.id_for(employee, module), actor=BENCH_ACTOR)
        services.runner.catch_up()
        print(f"organisation through commands: {time.perf_counter() - started:.0f} s")
        metadata = services.recommender.train(services.runner.position, params=FitParameters())
        print(f"trained {metadata.version}: {metadata.interactions} interactions,"
              f" fit {metadata.metrics['fit_seconds']} s")  # fmt: skip
        memory(services, metadata.version)
    finally:
        services.close()
    return settings, [str(e) for e in org.employee_ids]


def memory(services, version: str) -> None:  # type: ignore[no-untyped-def]
    """The artefact's arrays, and what loading it and indexing the catalogue allocate."""
    tracemalloc.start()
    model, _ = services.recommender.registry.load(version)
    index = CatalogueIndex(services.recommender.features.modules(), model)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"loaded model: arrays {model.nbytes() / 2**20:.1f} MiB; load + catalogue index"
          f" {current / 2**20:.1f} MiB held ({peak / 2**20:.1f} MiB peak) for {len(index)}"
          " modules")  # fmt: skip


def environment(settings: Settings, *, projections: bool) -> dict[str, str]:
    return {
        **os.environ, "SKILLPATH_PERSISTENCE": "sqlite",
        "SKILLPATH_SQLITE_PATH": settings.sqlite_path, "SKILLPATH_JWT_SECRET": SECRET,
        "SKILLPATH_SEED_IF_EMPTY": "false", "SKILLPATH_RETRAIN_IN_BACKGROUND": "false",
        "SKILLPATH_MODEL_DIR": settings.model_dir,
        "SKILLPATH_RUN_PROJECTIONS": "true" if projections else "false",
    }  # fmt: skip


@contextlib.contextmanager
def served(layout: str, settings: Settings, folder: Path) -> Iterator[str]:
    """Skillpath's API in ``layout``; yields the GraphQL URL."""
    with contextlib.ExitStack() as stack:
        if layout == "production":
            stack.enter_context(process(
                [sys.executable, "-m", "app.cli", "project"],
                environment(settings, projections=True), folder / "project.log",
            ))  # fmt: skip
        env = environment(settings, projections=layout == "embedded")
        url = stack.enter_context(uvicorn("app.main:create_app", env, folder / "api.log"))
        yield url + "/graphql"


def requests_of(
    employees: list[str], query: str, *, own_id: bool
) -> list[tuple[str, dict[str, object]]]:
    """One request per employee, with the employee's own token."""
    made = []
    for employee in employees:
        auth = "Bearer " + mint_token(SECRET.encode(), role="employee", subject=employee)
        body: dict[str, object] = {"query": query}
        if own_id:
            body["variables"] = {"id": employee}
        made.append((auth, body))
    return made


def checked(url: str, requests: list[tuple[str, dict[str, object]]]) -> None:
    """A sample answered as data, not errors (wrk sees only the status)."""
    for auth, body in requests[:20]:
        answer = httpx.post(url, json=body, headers={"Authorization": auth}, timeout=30).json()
        assert "errors" not in answer, answer
        found = answer["data"].get("recommendations")
        assert found is None or len(found["items"]) == 10, answer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layout", choices=("embedded", "production"), default="embedded")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    print_machine()
    folder = Path(tempfile.mkdtemp(prefix="bench-recommend-"))
    settings, employees = build(folder)
    recommend = requests_of(employees, QUERY, own_id=True)
    floor = requests_of(employees, "{ __typename }", own_id=False)
    runs = {"rounds": args.rounds, "connections": args.connections, "seconds": args.seconds}
    with served(args.layout, replace(settings), folder) as url:
        checked(url, recommend)
        checked(url, floor)
        pairs = alternate(
            (url, write_requests(folder / "recommend.txt", recommend), ""),
            (url, write_requests(folder / "typename.txt", floor), ""),
            **runs,
        )
    report(args.layout, args.connections, pairs)
    return 0


def report(layout: str, connections: int, pairs: Pairs) -> None:
    p99 = Pairs.median(pairs.a, "p99")
    print(
        f"recommendations(first: 10), {MODULES} modules, {layout}, {connections} concurrent,"
        f" {EMPLOYEES} distinct employees: {Pairs.median(pairs.a, 'rate'):,.0f} req/s,"
        f" p50 {Pairs.median(pairs.a, 'p50'):.1f} ms, p99 {p99:.1f} ms; same server"
        f" {{ __typename }}: {Pairs.median(pairs.b, 'rate'):,.0f} req/s, p99"
        f" {Pairs.median(pairs.b, 'p99'):.1f} ms; p99 ratio {pairs.p99_ratio():.2f}"
        f" (target <= 2; {'met' if pairs.p99_ratio() <= 2 else 'not met'}); p99 under 10 ms:"
        f" {'met' if p99 < 10 else 'not met'}; load {load_average()}"
    )


if __name__ == "__main__":
    sys.exit(main())
