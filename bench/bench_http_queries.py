"""Queries as users meet them: real HTTP at 50 concurrent, beside the stock anchors.

One seeded SQLite database (the demo organisation), Skillpath served by uvicorn in its own
process (``--layout embedded``: projections in the same process; ``--layout production``:
API without projections and ``skillpath project`` in a process of its own), and the stock
strawberry anchor (``/work/shared/anchors/stock_strawberry_app.py``) served the same way.
wrk drives both, A B A B, ``--rounds`` pairs of ``--seconds`` each:

- small query: Skillpath ``{ __typename }`` and ``module(id) { id title }`` with an HR token
  against stock strawberry ``{ hello }`` (target: at least 3x its rate);
- ``employees(first: 50)`` with id, name, email, department and the role's title, as HR
  (who sees all of it), against stock strawberry serving the same 50 rows from memory
  (target: at least 2x its rate) and against the same payload as plain Starlette JSON
  (target: Skillpath's p99 at most 3x plain Starlette's p99).

Run: ``.venv/bin/python -m bench.bench_http_queries`` (``--layout``, ``--rounds``,
``--seconds``, ``--connections``, ``--employees``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from app.auth.tokens import mint_token
from app.bootstrap import build_services
from app.seed import DemoSpec, seed_demo
from app.settings import Settings
from bench.harness import print_machine
from bench.http_load import Pairs, alternate, anchor, load_average, process, uvicorn

SECRET = "bench-http-secret-0123456789abcdef"
EMPLOYEES = (
    "{ employees(first: 50) { edges { node { id name email department role { title } } } } }"
)
STOCK_EMPLOYEES = (
    "{ employees(first: 50) { edges { node { id name email department role { title } } } } }"
)


def seed(folder: Path, employees: int) -> tuple[Path, str]:
    path = folder / "http.sqlite3"
    settings = Settings(persistence="sqlite", sqlite_path=str(path), seed_if_empty=False,
                        jwt_secret=SECRET)  # fmt: skip
    services = build_services(settings)
    try:
        seed_demo(services.app, DemoSpec(employees=employees, modules=max(20, employees // 2)))
        assert services.read_models_reach(services.app.last_position(), 600)
        module = services.catalogue.page(first=1, after=None).items[0].id
    finally:
        services.close()
    return path, module


def environment(database: Path, folder: Path, *, projections: bool) -> dict[str, str]:
    return {
        **os.environ, "SKILLPATH_PERSISTENCE": "sqlite", "SKILLPATH_SQLITE_PATH": str(database),
        "SKILLPATH_JWT_SECRET": SECRET, "SKILLPATH_SEED_IF_EMPTY": "false",
        "SKILLPATH_RETRAIN_IN_BACKGROUND": "false", "SKILLPATH_MODEL_DIR": str(folder / "models"),
        "SKILLPATH_RUN_PROJECTIONS": "true" if projections else "false",
        # One token at thousands of requests a second: counted by the rate limit, never refused.
        "SKILLPATH_RATE_LIMIT_PER_MINUTE": "1000000000",
    }  # fmt: skip


@contextlib.contextmanager
def skillpath(layout: str, database: Path, folder: Path) -> Iterator[str]:
    """Skillpath's API in the chosen layout; yields the GraphQL URL."""
    env = environment(database, folder, projections=layout == "embedded")
    with contextlib.ExitStack() as stack:
        if layout == "production":
            stack.enter_context(process(
                [sys.executable, "-m", "app.cli", "project"],
                environment(database, folder, projections=True), folder / "project.log",
            ))  # fmt: skip
        url = stack.enter_context(uvicorn("app.main:create_app", env, folder / "api.log"))
        yield url + "/graphql"


def report(name: str, pairs: Pairs, target: str) -> None:
    print(
        f"{name}: {Pairs.median(pairs.a, 'rate'):,.0f} req/s against"
        f" {Pairs.median(pairs.b, 'rate'):,.0f} (ratio {pairs.rate_ratio():.2f});"
        f" p99 {Pairs.median(pairs.a, 'p99'):.1f} ms against {Pairs.median(pairs.b, 'p99'):.1f}"
        f" ms (ratio {pairs.p99_ratio():.2f}); {target}; load {load_average()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layout", choices=("embedded", "production"), default="embedded")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--employees", type=int, default=300)
    args = parser.parse_args()
    print_machine()
    folder = Path(tempfile.mkdtemp(prefix="bench-http-"))
    started = time.perf_counter()
    database, module = seed(folder, args.employees)
    print(f"seeded {args.employees} employees in {time.perf_counter() - started:.0f} s;"
          f" layout {args.layout}; {args.connections} connections")  # fmt: skip
    auth = "Bearer " + mint_token(SECRET.encode(), role="hr", subject="hr@skillpath")
    runs = {"rounds": args.rounds, "connections": args.connections, "seconds": args.seconds}
    with anchor(folder / "anchor.log") as stock, skillpath(args.layout, database, folder) as api:
        hello = (f"{stock}/graphql", {"query": "{ hello }"}, "")
        small = alternate((api, {"query": "{ __typename }"}, auth), hello, **runs)
        report("{ __typename } vs stock { hello }", small, "target ratio >= 3")
        one = {"query": f'{{ module(id: "{module}") {{ id title }} }}'}
        report("module(id) vs stock { hello }", alternate((api, one, auth), hello, **runs),
               "target ratio >= 3")  # fmt: skip
        page = (api, {"query": EMPLOYEES}, auth)
        stock_page = (f"{stock}/graphql", {"query": STOCK_EMPLOYEES}, "")
        report("employees(first: 50) vs stock strawberry", alternate(page, stock_page, **runs),
               "target rate ratio >= 2")  # fmt: skip
        plain = (f"{stock}/plain_emps", {}, "")
        report("employees(first: 50) vs plain Starlette", alternate(page, plain, **runs),
               "target p99 ratio <= 3")  # fmt: skip


if __name__ == "__main__":
    main()
