"""`skillpath replay` events/s beside the raw notification-log read rate, per engine.

For each engine (a temporary SQLite file; a private schema in PostgreSQL's ``test`` database)
the run builds about ``--events`` real domain events, then measures on that log:

1. raw read: ``recorder.select_notifications`` in pages of the projection batch size (500)
   from the first event to the last, the rows only;
2. read and decode: the same pages turned into domain events by the application's mapper
   (decryption of personal fields included), which any replay must do;
3. replay: what ``skillpath replay`` runs (``app.projections.replay.replay``): drop every read
   model, create it again and follow the log from zero; its own timer, which excludes the
   digests it takes before and after to prove the rebuilt read models identical.

Raw read and replay alternate (A B A B, ``--rounds``); the verdict is the median of each
round's replay ÷ raw-read ratio, with the load average before and after each engine.

The log is built by the aggregates' own command methods (so every event is a real domain
event with its invariants checked) and saved with ``Skillpath.save(*aggregates)`` in batches
of ``--batch`` aggregates, which is much faster than one command per save; consent rules are
respected (no fine-grained activity fields, since nobody granted activity tracking).

Run: ``.venv/bin/python -m bench.bench_replay`` (``--events``, ``--engines``).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate

from app.aggregates import Employee, Enrollment, LearningModule, Role
from app.aggregates.employee import MEDIA_TYPES, EmailClaim
from app.aggregates.role import RequiredSkill
from app.application import Skillpath
from app.bootstrap import build_services
from app.projections.replay import replay
from bench.harness import (
    BENCH_ACTOR,
    DEPARTMENTS,
    ENGINES,
    SKILLS,
    engine_settings,
    module_content,
    print_machine,
)

ROLES, MODULES, ENROLMENTS_PER_EMPLOYEE, PROGRESS_STEPS = 20, 200, 8, 5
#: Events of one employee: hire, e-mail claim, profile, 4 skills, 2 pulses; then per
#: enrolment: enrolled, progress steps, quiz, completed or dropped, feedback.
EVENTS_PER_EMPLOYEE = 9 + ENROLMENTS_PER_EMPLOYEE * (PROGRESS_STEPS + 4)
PAGE = 500


def employee_history(app: Skillpath, number: int, roles: list[Role]) -> list[Aggregate]:
    employee = Employee.hire(
        name=f"Employee {number}",
        email=f"employee{number}@example.com",
        role_id=roles[number % len(roles)].id,
        department=DEPARTMENTS[number % len(DEPARTMENTS)],
        manager_id=None,
        location="Berlin",
        years_experience=number % 30,
        hire_date=date(2020, 1 + number % 12, 1 + number % 28),
        actor=BENCH_ACTOR,
    )
    employee.update_profile(
        media_types=list(MEDIA_TYPES[number % 3 : number % 3 + 2]),
        weekly_minutes=60 + number % 120,
        goals=["grow"],
        language="en",
        actor=BENCH_ACTOR,
    )
    for k in range(4):
        skill = SKILLS[(number + k) % len(SKILLS)]
        employee.assess_skill(
            skill=skill, level=(number + k) % 6, source="self", actor=BENCH_ACTOR, occurred_at=None
        )
    for k in range(2):
        employee.answer_pulse(score=(number + k) % 11, actor=BENCH_ACTOR, occurred_at=None)
    claim = EmailClaim.claim(employee.email, employee.id, app.email_claim_secret)
    return [employee, claim]


def learning_history(
    employee: Employee, number: int, modules: list[LearningModule]
) -> Iterator[Enrollment]:
    for k in range(ENROLMENTS_PER_EMPLOYEE):
        module = modules[(number * ENROLMENTS_PER_EMPLOYEE + k) % len(modules)]
        enrollment = Enrollment.open(
            employee=employee,
            module=module,
            source="self",
            recommendation_id=None,
            actor=BENCH_ACTOR,
            occurred_at=None,
        )
        for step in range(1, PROGRESS_STEPS + 1):
            enrollment.record_progress(
                percent=step * 15,
                minutes=None,
                position_minutes=None,
                actor=BENCH_ACTOR,
                occurred_at=None,
            )
        enrollment.record_quiz_attempt(
            score=40 + (number + k) % 60, actor=BENCH_ACTOR, occurred_at=None
        )
        if (number + k) % 4:
            enrollment.complete(actor=BENCH_ACTOR, occurred_at=None)
        else:
            enrollment.drop(position_minutes=None, actor=BENCH_ACTOR, occurred_at=None)
        enrollment.give_feedback(
            rating=1 + (number + k) % 5, comment="", actor=BENCH_ACTOR, occurred_at=None
        )
        yield enrollment


def build_log(app: Skillpath, events: int, batch: int) -> float:
    """About ``events`` domain events; returns the seconds it took."""
    started = time.perf_counter()
    roles = [
        Role.define(
            code=f"role-{r}",
            title=f"Role {r}",
            source="bench",
            skills=[RequiredSkill(SKILLS[(r + k) % len(SKILLS)], 3, 3) for k in range(3)],
            actor=BENCH_ACTOR,
        )
        for r in range(ROLES)
    ]
    modules = [LearningModule.publish(module_content(m), BENCH_ACTOR) for m in range(MODULES)]
    app.save(*roles, *modules)
    employees = max(1, math.ceil((events - ROLES - MODULES) / EVENTS_PER_EMPLOYEE))
    pending: list[Aggregate] = []
    for number in range(employees):
        history = employee_history(app, number, roles)
        pending.extend(history)
        employee = history[0]
        assert isinstance(employee, Employee)
        pending.extend(learning_history(employee, number, modules))
        if len(pending) >= batch:
            app.save(*pending)
            pending = []
    if pending:
        app.save(*pending)
    return time.perf_counter() - started


def read_log(app: Skillpath, *, decode: bool) -> tuple[int, float]:
    """Every notification of the log in pages; with ``decode``, as domain events."""
    started = time.perf_counter()
    count, start = 0, 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=PAGE)
        if not page:
            break
        if decode:
            for notification in page:
                app.mapper.to_domain_event(notification)
        count += len(page)
        start = page[-1].id + 1
    return count, time.perf_counter() - started


def bench_engine(engine: str, events: int, batch: int, rounds: int) -> dict[str, Any]:
    """Build the log, then ``rounds`` times: raw read (A), decode, replay (B), A B A B."""
    with engine_settings(engine, projection_batch_size=PAGE) as settings:
        services = build_services(settings, start_projections=False)
        try:
            build_seconds = build_log(services.app, events, batch)
            total = services.app.last_position()
            raws, decodes, replays, ratios, identical, replayed = [], [], [], [], True, 0
            for _ in range(rounds):
                raw_count, raw_seconds = read_log(services.app, decode=False)
                decoded_count, decoded_seconds = read_log(services.app, decode=True)
                report = replay(services.runner)
                raws.append(raw_count / raw_seconds)
                decodes.append(decoded_count / decoded_seconds)
                replays.append(report.events_per_second)
                ratios.append(replays[-1] / raws[-1])
                identical = identical and report.identical
                replayed = report.events
        finally:
            services.close()
    return {
        "events": total,
        "build": total / build_seconds,
        "raw": statistics.median(raws),
        "decoded": statistics.median(decodes),
        "replay": statistics.median(replays),
        "ratios": ratios,
        "replayed": replayed,
        "identical": identical,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=200, help="aggregates per save")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--rounds", type=int, default=2, help="raw read and replay, A B A B")
    args = parser.parse_args()
    print_machine()
    print(f"replay: about {args.events:,} events; log pages of {PAGE}")
    print(f"{'engine':9} {'measure':34} {'events/s':>10} {'÷ raw read':>11}")
    for engine in args.engines:
        load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
        figures = bench_engine(engine, args.events, args.batch, args.rounds)
        raw = figures["raw"]
        rows = [
            (f"building the log ({figures['events']:,} events)", figures["build"]),
            ("raw notification-log read", raw),
            ("read and decode to domain events", figures["decoded"]),
            (f"replay ({figures['replayed']:,} events)", figures["replay"]),
        ]
        for measure, rate in rows:
            print(f"{engine:9} {measure:34} {rate:10,.0f} {rate / raw:11.3f}")
        verdict = "identical" if figures["identical"] else "DIFFERENT"
        print(f"{engine:9} read models after replay: {verdict} to those before")
        pairs = ", ".join(f"{r:.3f}" for r in figures["ratios"])
        print(
            f"{engine:9} replay ÷ raw read per round (A B A B): {pairs};"
            f" median {statistics.median(figures['ratios']):.3f};"
            f" load average before {load_before},"
            f" after {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )


if __name__ == "__main__":
    main()
