"""How long ``skillpath seed`` takes: planning, the commands themselves, and the read models.

The demo organisation is written into a temporary SQLite file (removed afterwards) through
the real command methods, one atomic save per command, exactly as ``skillpath seed`` does.

Run: ``.venv/bin/python -m bench.bench_seed --employees 5000 --modules 2000``
(``--months``, ``--seed``, ``--engine memory`` for the in-memory store).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

from app.bootstrap import build_services
from app.seed import DemoSpec, plan_for, seed_demo
from app.settings import Settings


def _settings(engine: str, folder: str) -> Settings:
    if engine == "memory":
        return Settings(persistence="memory", seed_if_empty=False)
    path = str(Path(folder) / "seed.sqlite3")
    return Settings(persistence="sqlite", sqlite_path=path, seed_if_empty=False)


def run(spec: DemoSpec, engine: str) -> None:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"machine: {os.cpu_count()} cores; Python {platform.python_version()};"
        f" SQLite {sqlite3.sqlite_version}; load average before {load}"
    )
    started = time.perf_counter()
    plan = plan_for(spec)
    planned = time.perf_counter() - started
    folder = tempfile.mkdtemp(prefix="seed-benchmark-")
    try:
        services = build_services(_settings(engine, folder), start_projections=False)
        try:
            with tqdm(total=len(plan.steps), desc="seeding", unit="cmd") as bar:
                summary = seed_demo(services.app, spec, progress=bar.update)
            print(summary.describe(), flush=True)
            size = sum(f.stat().st_size for f in Path(folder).iterdir()) / 2**20
            started = time.perf_counter()
            events = services.runner.catch_up()
            projected = time.perf_counter() - started
        finally:
            services.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"{engine}: planned {len(plan.steps):,} commands in {planned:.1f} s; seeded in"
        f" {summary.seconds:.1f} s ({summary.commands / summary.seconds:,.0f} commands/s,"
        f" {summary.events / summary.seconds:,.0f} events/s); event store {size:,.0f} MiB;"
        f" read models caught up with {events:,} events in {projected:.1f} s;"
        f" load average after {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--employees", type=int, default=300)
    parser.add_argument("--modules", type=int, default=150)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--engine", choices=("sqlite", "memory"), default="sqlite")
    args = parser.parse_args()
    spec = DemoSpec(
        employees=args.employees, modules=args.modules, months=args.months, seed=args.seed
    )
    run(spec, args.engine)


if __name__ == "__main__":
    main()
