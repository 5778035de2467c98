"""Programme steering as HR meets it: real HTTP against a real uvicorn, beside the anchors.

A company of ``--employees`` (default 5,000) in 20 departments with 12 months of learning
and pulse history is written through the real command methods into a SQLite file, and the
read models (KPI history included) catch up. Then, with Skillpath served by uvicorn in its
own process and the stock strawberry anchor served the same way, wrk drives A B A B:

- ``kpiHistory`` for 12 months x every KPI x 20 departments, as HR (target: p99 < 50 ms);
- ``pilotComparison`` of a 15-person pilot cohort against the rest (5,000 people) over the
  last 90 days, with bootstrap intervals (target: p99 < 300 ms);
- the anchors: stock strawberry ``{ hello }`` and ``/plain_emps`` at the same concurrency.

Then ``skillpath report --month`` for the last full month is timed as a process (no target:
the time is reported).

Run: ``.venv/bin/python -m bench.bench_steering`` (``--employees``, ``--rounds``,
``--seconds``, ``--connections``; ``--reuse FOLDER`` measures a company seeded before).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from uuid import UUID

from app.aggregates import Actor, RequiredSkill
from app.aggregates.learning_module import ModuleContent
from app.aggregates.programme_phases import criterion
from app.auth.tokens import mint_token
from app.bootstrap import build_services
from app.kpis.windows import last_days
from app.programmes.comparison import poisson_weights
from app.programmes.people_facts import PERSON_KPIS
from app.schema.kpi_history import KpiHistoryGrouping, KpiInterval, history_spec
from app.settings import Settings
from bench.bench_http_queries import SECRET, environment
from bench.bulk import batched
from bench.harness import print_machine
from bench.http_load import Pairs, alternate, anchor, load_average, uvicorn

HR = Actor(id="hr@skillpath", role="hr")
DEPARTMENTS = [f"Department {i:02d}" for i in range(1, 21)]
HISTORY = """{ kpiHistory(groupBy: DEPARTMENT, interval: MONTH) { minGroupSize series {
  kpi key change target { description targetValue } periods values } } }"""
PILOT = """query($p: ID!) { pilotComparison(programmeId: $p, window: {kind: LAST_90_DAYS}) {
  cohortSize comparisonSize kpis { kpi cohort { value low high people }
  comparison { value low high people } difference { value low high } } } }"""


def at(day: date) -> datetime:
    """Noon of ``day``, or a minute ago if that is later than now (nothing in the future)."""
    return min(datetime.combine(day, clock(12), tzinfo=UTC),
               datetime.now(UTC) - timedelta(minutes=1))  # fmt: skip


def seed(folder: Path, employees: int) -> tuple[Path, str, float]:
    """The company, its history and a pilot programme; returns (database, programme, seconds)."""
    path = folder / "steering.sqlite3"
    settings = Settings(persistence="sqlite", sqlite_path=str(path), seed_if_empty=False,
                        jwt_secret=SECRET, run_projections=False)  # fmt: skip
    services = build_services(settings, start_projections=False)
    started = time.perf_counter()
    rng = random.Random(15)
    app = services.app
    today = datetime.now(UTC).date()
    try:
        role = app.define_role(code="staff", title="Staff", source="",
                               skills=[RequiredSkill("sql", 2)], actor=HR).id  # fmt: skip
        modules = [app.publish_module(ModuleContent(
            title=f"Module {i}", description="Bench module", topics=["Data"], skills={"sql": 2},
            difficulty=2, media_type="video", minutes=rng.choice((20, 45, 60, 90)),
            language="en", prerequisite_ids=[]), actor=HR).id for i in range(40)]  # fmt: skip
        people: list[UUID] = []
        with batched(app, 400):
            for i in range(employees):
                hire(app, rng, role, modules, today, i, people)
        written = time.perf_counter()
        programme = app.define_programme(name="Personalised learning", department=None,
                                         actor=HR).id  # fmt: skip
        app.define_programme_phase(
            programme, kind="pilot", name="Pilot", starts_on=today - timedelta(days=90),
            ends_on=today + timedelta(days=90),
            success_criteria=[criterion("completion_rate", "at_least", 0.8, 6, "c")],
            exit_criteria=[], actor=HR,
        )  # fmt: skip
        services.runner.catch_up()
        print(f"  {app.last_position():,} events written in {written - started:.0f} s, read"
              f" models caught up in {time.perf_counter() - written:.0f} s")  # fmt: skip
        picks = services.programmes.suggest_cohort(str(programme), 15)
        app.confirm_pilot_cohort(programme, employee_ids=[p.candidate.employee_id for p in picks],
                                 suggested_ids=[], min_size=5, actor=HR)  # fmt: skip
        services.runner.catch_up()
    finally:
        services.close()
    return path, str(programme), time.perf_counter() - started


def hire(app: Any, rng: random.Random, role: UUID, modules: list[UUID], today: date, i: int,
         people: list[UUID]) -> None:  # fmt: skip
    """One employee with consent, two enrolments (completed or dropped) and two pulses."""
    hired = today - timedelta(days=rng.randint(20, 900))
    person = app.hire_employee(
        name=f"Bench {i}", email=f"bench{i}@example.com", role_id=role,
        department=DEPARTMENTS[i % len(DEPARTMENTS)], manager_id=None, location="Oslo",
        years_experience=rng.randint(0, 20), hire_date=hired, actor=HR,
    ).id  # fmt: skip
    me = Actor(id=str(person), role="employee")
    app.grant_consent(person, purpose="personalisation", policy_version="v1", actor=me)
    start = max(hired, today - timedelta(days=364))
    for _ in range(2):
        day = start + timedelta(days=rng.randint(0, (today - start).days))
        enrolment = app.enroll(employee_id=person, module_id=rng.choice(modules),
                               source="self", recommendation_id=None, actor=me,
                               occurred_at=at(day)).id  # fmt: skip
        finish = min(today, day + timedelta(days=rng.randint(0, 20)))
        if rng.random() < 0.6:
            app.complete_enrollment(enrolment, actor=me, occurred_at=at(finish))
        else:
            app.drop_enrollment(enrolment, position_minutes=None, actor=me,
                                occurred_at=at(finish))  # fmt: skip
    for _ in range(2):
        day = start + timedelta(days=rng.randint(0, (today - start).days))
        app.answer_pulse(person, score=rng.randint(3, 10), actor=me,
                         occurred_at=at(day))  # fmt: skip
    people.append(person)


def cold(database: Path, programme: str, runs: int = 5) -> None:
    """In-process medians of the first answer after an event (nothing kept yet): what a
    reader waits for while the read models move, which the HTTP figures (asked again and
    again of a quiet company) do not show."""
    settings = Settings(persistence="sqlite", sqlite_path=str(database), seed_if_empty=False,
                        jwt_secret=SECRET, run_projections=False)  # fmt: skip
    services = build_services(settings, start_projections=False)
    try:
        spec = history_spec(None, KpiHistoryGrouping.DEPARTMENT, KpiInterval.MONTH, None, None)
        window = last_days(90, datetime.now(UTC).date())
        found: dict[str, list[float]] = {"history": [], "comparison": []}
        for _ in range(runs):
            started = time.perf_counter()
            services.trends._history(spec.kpis, spec.scope, spec.interval, spec.start, spec.end)
            found["history"].append(time.perf_counter() - started)
            services.programmes._facts_cache.clear()
            poisson_weights.cache_clear()
            started = time.perf_counter()
            book = services.programmes
            book._compare(programme, book.programme(programme), window, "rest", PERSON_KPIS)
            found["comparison"].append(time.perf_counter() - started)
        print("cold, in-process, median of", runs, ": " + ", ".join(
            f"{k} {statistics.median(v) * 1000:.0f} ms" for k, v in found.items()
        ) + f"; load {load_average()}")  # fmt: skip
    finally:
        services.close()


def report(name: str, pairs: Pairs, target: str) -> None:
    print(
        f"{name}: p50 {Pairs.median(pairs.a, 'p50'):.1f} ms, p99"
        f" {Pairs.median(pairs.a, 'p99'):.1f} ms, {Pairs.median(pairs.a, 'rate'):,.1f} req/s;"
        f" anchor p99 {Pairs.median(pairs.b, 'p99'):.1f} ms,"
        f" {Pairs.median(pairs.b, 'rate'):,.0f} req/s; {target}; load {load_average()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--reuse", type=Path, default=None,
                        help="a folder a previous run seeded (its steering.sqlite3)")  # fmt: skip
    args = parser.parse_args()
    print_machine()
    if args.reuse is not None:
        folder, database = args.reuse, args.reuse / "steering.sqlite3"
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            programme = db.execute("SELECT programme_id FROM kpi_programmes").fetchone()[0]
        print(f"reusing the company seeded in {folder}; {args.connections} connection(s)")
    else:
        folder = Path(tempfile.mkdtemp(prefix="bench-steering-"))
        database, programme, seconds = seed(folder, args.employees)
        print(f"seeded {args.employees} employees, 20 departments, 12 months in"
              f" {seconds:.0f} s; {args.connections} connection(s)")  # fmt: skip
    auth = "Bearer " + mint_token(SECRET.encode(), role="hr", subject="hr@skillpath")
    runs = {"rounds": args.rounds, "connections": args.connections, "seconds": args.seconds}
    env = environment(database, folder, projections=True)
    with anchor(folder / "anchor.log") as stock, \
            uvicorn("app.main:create_app", env, folder / "api.log") as api:  # fmt: skip
        hello = (f"{stock}/graphql", {"query": "{ hello }"}, "")
        plain = (f"{stock}/plain_emps", {}, "")
        history = (f"{api}/graphql", {"query": HISTORY}, auth)
        report("kpiHistory 12 months x 11 KPIs x 20 departments (vs stock { hello })",
               alternate(history, hello, **runs), "target p99 < 50 ms")  # fmt: skip
        pilot = (f"{api}/graphql", {"query": PILOT, "variables": {"p": programme}}, auth)
        report(f"pilotComparison 15 vs {args.employees - 15} (vs plain Starlette 50 rows)",
               alternate(pilot, plain, **runs), "target p99 < 300 ms")  # fmt: skip
    cold(database, programme)
    month = (datetime.now(UTC).date().replace(day=1) - timedelta(days=1)).isoformat()[:7]
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "app.cli", "report", "--month", month, "--out",
                    str(folder / "reports")], env={**env, **os.environ, **{
                        k: v for k, v in env.items() if k.startswith("SKILLPATH_")}},
                   check=True, capture_output=True)  # fmt: skip
    print(f"skillpath report --month {month} for {args.employees} employees:"
          f" {time.perf_counter() - started:.1f} s (process start included); load"
          f" {load_average()}")  # fmt: skip


if __name__ == "__main__":
    main()
