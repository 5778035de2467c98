"""Events/s of the KPI projection during a replay from zero, per engine.

Seeds the demo organisation (``app.seed``, real commands: hires, profiles, enrolments,
progress, quizzes, feedback, pulses, moves) into a private database (a temporary SQLite file;
its own schema in PostgreSQL's ``test`` database, dropped afterwards), brings every read model
up to date, then drops the KPI read model alone and rebuilds it from the first event with a
runner that has only the KPI projection. Reports events read per second, and checks that the
rebuilt KPI tables equal the ones before (digest) so the figure is for a correct replay.

Run: ``.venv/bin/python -m bench.bench_kpis_replay`` (``--employees``, ``--months``,
``--engines``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

from app.bootstrap import build_services
from app.projections.engine import ProjectionRunner
from app.projections.kpi_facts import KpiProjection
from app.projections.replay import read_model_digest
from app.seed import DemoSpec, seed_demo
from app.settings import PostgresSettings, Settings


@contextlib.contextmanager
def private_settings(engine: str) -> Iterator[Settings]:
    """A fresh database of ``engine`` for this run only, removed afterwards."""
    if engine == "sqlite":
        folder = tempfile.mkdtemp(prefix="skillpath-bench-")
        try:
            path = str(Path(folder) / "bench.sqlite3")
            yield Settings(persistence="sqlite", sqlite_path=path, seed_if_empty=False)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    base = PostgresSettings(
        dbname=os.environ.get("SKILLPATH_BENCH_POSTGRES_DB", "test"), pool_size=4
    )
    admin = psycopg.connect(
        host=base.host, port=base.port, dbname=base.dbname, user=base.user, autocommit=True
    )
    schema = f"sp_bench_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        pg = PostgresSettings(**{**base.__dict__, "schema": schema})
        yield Settings(persistence="postgres", postgres=pg, seed_if_empty=False)
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


def measure(engine: str, spec: DemoSpec) -> dict[str, Any]:
    with private_settings(engine) as settings:
        services = build_services(settings, start_projections=False)
        try:
            seed_demo(services.app, spec)
            while services.runner.catch_up():
                pass
            runner = ProjectionRunner(
                services.app,
                services.gateway,
                [KpiProjection()],
                batch_size=settings.projection_batch_size,
            )
            before = read_model_digest(runner)
            runner.drop_tables()
            runner.create_tables()
            started = time.perf_counter()
            events = runner.catch_up()
            seconds = time.perf_counter() - started
            identical = read_model_digest(runner) == before
        finally:
            services.close()
    return {
        "engine": engine,
        "events": events,
        "seconds": seconds,
        "events_per_second": events / seconds,
        "identical": identical,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--employees", type=int, default=300)
    parser.add_argument("--modules", type=int, default=150)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--engines", default="sqlite,postgres")
    args = parser.parse_args()
    spec = DemoSpec(employees=args.employees, modules=args.modules, months=args.months)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.2f}"
    )
    for engine in args.engines.split(","):
        result = measure(engine, spec)
        print(
            f"{engine}: KPI projection replayed {result['events']:,} events in"
            f" {result['seconds']:.2f}s = {result['events_per_second']:,.0f} events/s;"
            f" identical to before: {result['identical']}"
        )


if __name__ == "__main__":
    main()
