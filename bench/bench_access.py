"""What the access policy costs, and how long erasure takes to reach the bytes.

**Policy on vs off.** One seeded SQLite database, two real uvicorn servers on loopback in
their own processes: Skillpath as it ships, and the same server without the field-level
policy (``bench/access_off.py``). HR asks both for ``employees(first: 50)``: once with each
employee's manager, skills and enrolments (facets HR sees only of people who share their
profile, so the policy withholds some and saves their reads), once with identity and
employment only (HR sees all of it), and once more with the nested query after everyone
granted profile_sharing (nothing withheld: the policy's bare cost on the query the target
names). The servers take turns, A B A B, for
``--rounds`` rounds of ``--count`` requests at ``--concurrency`` in flight; the median of
the per-round ratios is reported with the load average.

Run: ``.venv/bin/python -m bench.bench_access`` (``--employees``, ``--rounds``, ``--count``,
``--concurrency``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import httpx

from app.aggregates import Actor
from app.auth.tokens import mint_token
from app.bootstrap import build_services
from app.seed import DemoSpec, seed_demo
from app.settings import Settings
from bench.harness import print_machine

SECRET = "bench-access-secret-0123456789abcdef"
ROOT = Path(__file__).resolve().parent.parent
#: Facets HR sees only of people who share their profile: the policy decides per field.
NESTED = """
query Employees {
  employees(first: 50) {
    edges { node { id name email department
      manager { name }
      skills { skill level }
      enrollments { status percent module { title } }
    } }
  }
}
"""
#: Facets HR sees of everyone: the policy withholds nothing, so this is its bare cost.
VISIBLE = """
query Employees {
  employees(first: 50) {
    edges { node { id name email department location hireDate status
      manager { id name email department }
    } }
  }
}
"""


def seed(folder: Path, employees: int) -> Path:
    path = folder / "access.sqlite3"
    settings = Settings(persistence="sqlite", sqlite_path=str(path), seed_if_empty=False,
                        jwt_secret=SECRET)  # fmt: skip
    services = build_services(settings)
    try:
        seed_demo(services.app, DemoSpec(employees=employees, modules=max(20, employees // 2)))
        assert services.read_models_reach(services.app.last_position(), 600)
    finally:
        services.close()
    return path


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def server(factory: str, database: Path, folder: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ, "SKILLPATH_PERSISTENCE": "sqlite", "SKILLPATH_SQLITE_PATH": str(database),
        "SKILLPATH_JWT_SECRET": SECRET, "SKILLPATH_RUN_PROJECTIONS": "false",
        "SKILLPATH_SEED_IF_EMPTY": "false", "SKILLPATH_RETRAIN_IN_BACKGROUND": "false",
        "SKILLPATH_MODEL_DIR": str(folder / "models"),
    }  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, f"{factory} failed"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


async def round_of(
    url: str, token: str, count: int, concurrency: int, query: str = NESTED
) -> list[float]:
    """Seconds per request for ``count`` requests, ``concurrency`` in flight."""
    times: list[float] = []
    queue = list(range(count))
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:

        async def worker() -> None:
            while queue:
                queue.pop()
                started = time.perf_counter()
                response = await http.post("/graphql", json={"query": query})
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text[:200]
                body = response.json()
                assert body["data"]["employees"]["edges"], body

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return times


def share_everyones_profile(database: Path) -> None:
    """Every employee grants profile_sharing: the nested query then withholds nothing."""
    settings = Settings(persistence="sqlite", sqlite_path=str(database), seed_if_empty=False,
                        jwt_secret=SECRET)  # fmt: skip
    services = build_services(settings)
    try:
        shared = services.consents.subjects_allowing("profile_sharing")
        for row in services.directory.page(first=100_000, after=None).items:
            if row.id not in shared and row.status == "active":
                services.app.grant_consent(
                    UUID(row.id), purpose="profile_sharing", policy_version="bench",
                    actor=Actor(row.id, "employee"),
                )  # fmt: skip
        assert services.read_models_reach(services.app.last_position(), 600)
    finally:
        services.close()


def measure(on: str, off: str, token: str, name: str, query: str, args: argparse.Namespace) -> None:
    """A B A B rounds against both servers; prints the medians and the ratio."""
    asyncio.run(round_of(on, token, 20, 1, query))  # warm both
    asyncio.run(round_of(off, token, 20, 1, query))
    ratios, on_medians, off_medians = [], [], []
    for _ in range(args.rounds):
        a = statistics.median(asyncio.run(round_of(on, token, args.count, args.concurrency, query)))
        b = statistics.median(
            asyncio.run(round_of(off, token, args.count, args.concurrency, query))
        )
        on_medians.append(a)
        off_medians.append(b)
        ratios.append(a / b)
    print(
        f"{name}: employees(first: 50) as HR, {args.concurrency} in flight: policy on"
        f" {statistics.median(on_medians) * 1000:.1f} ms, off"
        f" {statistics.median(off_medians) * 1000:.1f} ms per query (medians of"
        f" {args.rounds} rounds of {args.count}); on/off {statistics.median(ratios):.3f}"
        f" (rounds {min(ratios):.3f}-{max(ratios):.3f}); load {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    print_machine()
    folder = Path(tempfile.mkdtemp(prefix="bench-access-"))
    started = time.perf_counter()
    database = seed(folder, args.employees)
    print(f"seeded {args.employees} employees in {time.perf_counter() - started:.0f} s")
    token = mint_token(SECRET.encode(), role="hr", subject="hr@skillpath")
    with (
        server("app.main:create_app", database, folder) as on,
        server("bench.access_off:create_app", database, folder) as off,
    ):
        measure(on, off, token, "nested, as seeded (55% share)", NESTED, args)
        measure(on, off, token, "identity and employment", VISIBLE, args)
    share_everyones_profile(database)
    with (
        server("app.main:create_app", database, folder) as on,
        server("bench.access_off:create_app", database, folder) as off,
    ):
        measure(on, off, token, "nested, everyone shares", NESTED, args)


if __name__ == "__main__":
    main()
