"""Trust benchmarks: the cost of sealing personal fields, the chain walk, one erasure.

Three measures, per engine (a temporary SQLite file; a private PostgreSQL schema):

1. ``encryption``: mutation throughput with personal fields sealed (the product) and stored
   in clear (the same application with the eventsourcing library's plain mapper), in the
   same run, taking turns round by round so that load from elsewhere weighs on both. A
   round is, per employee, five commands through the application, each one atomic save:
   hire (name and e-mail sealed), update the profile (goals sealed), enrol, record
   progress, give feedback (comment sealed).
2. ``verify``: ``skillpath verify``'s walk (``Audit.verify``) over a log of about
   ``--events`` events built as ``bench.bench_replay`` builds it.
3. ``erasure``: one employee with ``--subject-events`` events among others'; the time from
   ``requestErasure`` to read models showing the marker (key deleted, ErasureRequested and
   Erased recorded, the erasure projection applied), and for comparison a full rebuild of
   every read model from the first event.

Run: ``.venv/bin/python -m bench.bench_trust`` (``--measures``, ``--engines``, sizes).
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper

from app.aggregates import Actor, RequiredSkill
from app.application import Skillpath
from app.bootstrap import build_services, master_key_for
from app.consent.envelope import ERASED
from app.persistence import eventsourcing_env
from app.projections.replay import replay
from bench.bench_replay import build_log
from bench.harness import BENCH_ACTOR, ENGINES, engine_settings, module_content, print_machine

LEARNER = Actor(id="bench-learner", role="employee")


class ClearTextSkillpath(Skillpath):
    """The reference: the same application, personal fields stored in clear."""

    def construct_mapper(self) -> Mapper[UUID]:
        super().construct_mapper()  # keys and secrets as usual; only the mapper differs
        return Mapper(transcoder=self.construct_transcoder())


def mutation_round(app: Skillpath, employees: int) -> tuple[int, float, float]:
    """Five commands per employee; returns (commands, wall seconds, this process's CPU
    seconds), the latter much less disturbed by other processes on a shared machine."""
    role = app.define_role(
        code="bench", title="Bench", source="", skills=[RequiredSkill("sql", 2)],
        actor=BENCH_ACTOR,
    ).id  # fmt: skip
    module = app.publish_module(module_content(1), actor=BENCH_ACTOR).id
    started, cpu = time.perf_counter(), time.process_time()
    for n in range(employees):
        person = app.hire_employee(
            name=f"Employee Number {n}", email=f"employee.{n}@example.com", role_id=role,
            department="Engineering", manager_id=None, location="Berlin", years_experience=3,
            hire_date=date(2021, 3, 1), actor=BENCH_ACTOR,
        ).id  # fmt: skip
        app.update_profile(
            person, media_types=["video"], weekly_minutes=90,
            goals=["lead the data platform team", "learn Rust"], language="en", actor=LEARNER,
        )  # fmt: skip
        enrollment = app.enroll(
            employee_id=person, module_id=module, source="self", recommendation_id=None,
            actor=LEARNER,
        ).id  # fmt: skip
        app.record_progress(
            enrollment, percent=50, minutes=None, position_minutes=None, actor=LEARNER
        )
        app.give_feedback(
            enrollment, rating=4, comment="clear examples, the second half was too fast",
            actor=LEARNER,
        )  # fmt: skip
    return employees * 5, time.perf_counter() - started, time.process_time() - cpu


def bench_encryption(engine: str, employees: int, rounds: int) -> dict[str, Any]:
    """Rounds in pairs, the order flipped every round (ABBA), compared pair by pair."""
    rates: dict[str, list[float]] = {"sealed": [], "clear": []}
    cpu: dict[str, list[float]] = {"sealed": [], "clear": []}
    variants: list[tuple[str, type[Skillpath]]] = [
        ("sealed", Skillpath), ("clear", ClearTextSkillpath)
    ]  # fmt: skip
    for number in range(rounds):
        for variant, cls in variants if number % 2 == 0 else variants[::-1]:
            with engine_settings(engine) as settings:
                app = cls(env=eventsourcing_env(settings), master_key=master_key_for(settings))
                try:
                    commands, seconds, cpu_seconds = mutation_round(app, employees)
                finally:
                    app.close()
            rates[variant].append(commands / seconds)
            cpu[variant].append(cpu_seconds / commands * 1000)
    ratios = [s / c for s, c in zip(rates["sealed"], rates["clear"], strict=True)]
    return {
        "sealed": statistics.median(rates["sealed"]),
        "clear": statistics.median(rates["clear"]),
        "cost": 1 - statistics.median(ratios),
        "cpu_sealed": statistics.median(cpu["sealed"]),
        "cpu_clear": statistics.median(cpu["clear"]),
        "rates": rates,
    }


def bench_verify(engine: str, events: int) -> dict[str, Any]:
    with engine_settings(engine) as settings:
        services = build_services(settings, start_projections=False)
        try:
            build_log(services.app, events, 200)
            report = services.audit.verify()
        finally:
            services.close()
    assert report.intact, report.describe()
    return {"events": report.checked, "seconds": report.seconds,
            "per_second": report.events_per_second}  # fmt: skip


def subject_with_history(app: Skillpath, subject_events: int, others: int) -> UUID:
    """One employee with about ``subject_events`` events, and others with a few each."""
    role = app.define_role(
        code="bench", title="Bench", source="", skills=[RequiredSkill("sql", 2)],
        actor=BENCH_ACTOR,
    ).id  # fmt: skip
    modules = [app.publish_module(module_content(m), actor=BENCH_ACTOR).id for m in range(130)]

    def hire(n: int) -> UUID:
        return app.hire_employee(
            name=f"Person {n}", email=f"person.{n}@example.com", role_id=role,
            department="Sales", manager_id=None, location="Oslo", years_experience=2,
            hire_date=date(2022, 1, 3), actor=BENCH_ACTOR,
        ).id  # fmt: skip

    for n in range(others):
        person = hire(n)
        app.update_profile(person, media_types=["video"], weekly_minutes=60,
                           goals=[f"goal of person {n}"], language="en", actor=LEARNER)  # fmt: skip
    subject = hire(others)
    app.grant_consent(subject, purpose="personalisation", policy_version="v1", actor=LEARNER)
    written = 3  # hire, e-mail claim, the ledger's opening... and its grant
    for module in modules:
        if written >= subject_events:
            break
        enrollment = app.enroll(employee_id=subject, module_id=module, source="self",
                                recommendation_id=None, actor=LEARNER).id  # fmt: skip
        for step in (20, 40, 60, 80):
            app.record_progress(enrollment, percent=step, minutes=None, position_minutes=None,
                                actor=LEARNER)  # fmt: skip
        app.complete_enrollment(enrollment, actor=LEARNER)
        app.give_feedback(enrollment, rating=3, comment=f"feedback of the subject on {module}",
                          actor=LEARNER)  # fmt: skip
        app.update_profile(subject, media_types=["video"], weekly_minutes=90,
                           goals=[f"goal {written}"], language="en", actor=LEARNER)  # fmt: skip
        written += 8
    return subject


def bench_erasure(engine: str, subject_events: int, others: int) -> dict[str, Any]:
    with engine_settings(engine) as settings:
        services = build_services(settings, start_projections=False)
        try:
            subject = subject_with_history(services.app, subject_events, others)
            services.runner.catch_up()
            total = services.app.last_position()
            started = time.perf_counter()
            services.app.request_erasure(subject, actor=BENCH_ACTOR)
            services.runner.catch_up()
            seconds = time.perf_counter() - started
            row = services.directory.get(str(subject))
            assert row is not None and row.name == ERASED, row
            subject_count = sum(
                len(list(services.app.events.get(UUID(s.stream_id))))
                for s in services.audit.streams.of(str(subject))
            )
            rebuild = replay(services.runner)
        finally:
            services.close()
    return {"subject_events": subject_count, "log": total, "seconds": seconds,
            "rebuild": rebuild.seconds, "identical": rebuild.identical}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", nargs="+", default=["encryption", "verify", "erasure"],
                        choices=["encryption", "verify", "erasure"])  # fmt: skip
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--employees", type=int, default=200, help="per encryption round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--events", type=int, default=100_000, help="log size for verify")
    parser.add_argument("--subject-events", type=int, default=1_000)
    parser.add_argument("--others", type=int, default=2_000)
    args = parser.parse_args()
    print_machine()
    for engine in args.engines:
        if "encryption" in args.measures:
            e = bench_encryption(engine, args.employees, args.rounds)
            runs = " ".join(f"{s:,.0f}/{c:,.0f}" for s, c in zip(*e["rates"].values(), strict=True))
            print(f"{engine:8} mutations/s sealed {e['sealed']:,.0f}  clear {e['clear']:,.0f}"
                  f"  cost of sealing {e['cost']:.1%}  (rounds sealed/clear: {runs})")  # fmt: skip
            cpu_cost = e["cpu_sealed"] / e["cpu_clear"] - 1
            print(f"{engine:8} this process's CPU per mutation: sealed {e['cpu_sealed']:.2f} ms"
                  f"  clear {e['cpu_clear']:.2f} ms  (+{cpu_cost:.1%})")  # fmt: skip
        if "verify" in args.measures:
            v = bench_verify(engine, args.events)
            print(f"{engine:8} verify {v['events']:,} events in {v['seconds']:.2f}s:"
                  f" {v['per_second']:,.0f} events/s")  # fmt: skip
        if "erasure" in args.measures:
            r = bench_erasure(engine, args.subject_events, args.others)
            print(f"{engine:8} erasure of one subject with {r['subject_events']:,} events"
                  f" (log of {r['log']:,}): {r['seconds']:.3f}s to read models showing"
                  f" {ERASED}; a full rebuild for comparison {r['rebuild']:.2f}s"
                  f" (identical: {r['identical']})")  # fmt: skip


if __name__ == "__main__":
    main()
