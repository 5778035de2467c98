"""What the benchmarks share: engines, organisations built through commands, timing, the machine.

Every benchmark builds its own database (a temporary SQLite file, or its own PostgreSQL
schema in the database named by SKILLPATH_BENCH_POSTGRES_DB, default ``test``, dropped
afterwards), so a run never touches a developer's data and leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

from app.aggregates import Actor, RequiredSkill
from app.aggregates.learning_module import ModuleContent
from app.application import Skillpath
from app.settings import PostgresSettings, Settings

ENGINES = ("sqlite", "postgres")
BENCH_ACTOR = Actor(id="bench", role="admin")


# -- engines --------------------------------------------------------------------------------


def postgres_base() -> PostgresSettings:
    env = os.environ
    return PostgresSettings(
        host=env.get("SKILLPATH_BENCH_POSTGRES_HOST", "127.0.0.1"),
        port=int(env.get("SKILLPATH_BENCH_POSTGRES_PORT", "5432")),
        dbname=env.get("SKILLPATH_BENCH_POSTGRES_DB", "test"),
        user=env.get("SKILLPATH_BENCH_POSTGRES_USER", "postgres"),
        password=env.get("SKILLPATH_BENCH_POSTGRES_PASSWORD", ""),
        pool_size=4,
    )


def _admin(pg: PostgresSettings) -> psycopg.Connection[Any]:
    return psycopg.connect(
        host=pg.host, port=pg.port, dbname=pg.dbname, user=pg.user, password=pg.password,
        autocommit=True, connect_timeout=5,
    )  # fmt: skip


@contextlib.contextmanager
def engine_settings(engine: str, **overrides: Any) -> Iterator[Settings]:
    """Settings on a fresh, private database of this engine, removed afterwards."""
    if engine == "sqlite":
        folder = tempfile.mkdtemp(prefix="skillpath-bench-")
        try:
            path = str(Path(folder) / "bench.sqlite3")
            yield Settings(persistence="sqlite", sqlite_path=path, seed_if_empty=False, **overrides)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    elif engine == "postgres":
        base = postgres_base()
        admin = _admin(base)
        schema = f"sp_bench_{uuid.uuid4().hex[:12]}"
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            pg = PostgresSettings(**{**base.__dict__, "schema": schema})
            yield Settings(persistence="postgres", postgres=pg, seed_if_empty=False, **overrides)
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
            admin.close()
    else:
        raise ValueError(f"unknown engine {engine!r}")


# -- a small organisation, written through the application's commands -----------------------

DEPARTMENTS = ("Engineering", "Sales", "Finance", "People", "Operations", "Support")
SKILLS = ("sql", "python", "negotiation", "accounting", "coaching", "writing", "security")


@dataclass(frozen=True)
class Organisation:
    role_ids: list[uuid.UUID]
    employee_ids: list[uuid.UUID]
    module_ids: list[uuid.UUID]


def build_organisation(app: Skillpath, *, roles: int, employees: int, modules: int) -> Organisation:
    """Roles, hires and published modules, each one real command (one atomic save)."""
    role_ids = [
        app.define_role(
            code=f"role-{r}",
            title=f"Role {r}",
            source="bench",
            skills=[RequiredSkill(SKILLS[(r + k) % len(SKILLS)], 2 + k % 3, 3) for k in range(3)],
            actor=BENCH_ACTOR,
        ).id
        for r in range(roles)
    ]
    employee_ids = [
        app.hire_employee(
            name=f"Employee {e}",
            email=f"employee{e}@example.com",
            role_id=role_ids[e % roles],
            department=DEPARTMENTS[e % len(DEPARTMENTS)],
            manager_id=None,
            location="Berlin",
            years_experience=e % 20,
            hire_date=date(2020, 1 + e % 12, 1 + e % 28),
            actor=BENCH_ACTOR,
        ).id
        for e in range(employees)
    ]
    module_ids = [
        app.publish_module(module_content(m), actor=BENCH_ACTOR).id for m in range(modules)
    ]
    return Organisation(role_ids, employee_ids, module_ids)


def module_content(m: int) -> ModuleContent:
    return ModuleContent(
        title=f"Module {m}",
        description="A module of the benchmark catalogue.",
        topics=["bench", SKILLS[m % len(SKILLS)]],
        skills={SKILLS[m % len(SKILLS)]: 1 + m % 5},
        difficulty=1 + m % 5,
        media_type="video",
        minutes=10 + m % 50,
        language="en",
        prerequisite_ids=[],
    )


# -- timing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Sequential calls: how many, how long in total, and the latency distribution."""

    count: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies, 50) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies, 99) * 1000


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def timed(call: Callable[[int], object], count: int) -> Timing:
    latencies = []
    started = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        call(i)
        latencies.append(time.perf_counter() - t0)
    return Timing(count, time.perf_counter() - started, latencies)


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores, {memory}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgres": postgres_version(),
        "load": load,
    }


def postgres_version() -> str:
    try:
        with _admin(postgres_base()) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error as error:
        return f"unreachable ({error})".splitlines()[0]
    return str(row[0]) if row else "unknown"


def print_machine() -> None:
    info = machine()
    print(
        f"machine: {info['cpu']}; Python {info['python']}; SQLite {info['sqlite']};"
        f" PostgreSQL {info['postgres']}; load average {info['load']}"
    )


def ratio(value: float, reference: float) -> str:
    return f"{value / reference:.2f}" if reference else "n/a"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
