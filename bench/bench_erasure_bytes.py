"""Erasure down to the bytes: the time from ``requestErasure`` to no marker in any file.

Embedded mode on a temporary SQLite data directory: ``--employees`` employees with
personalisation consent, a profile and ``--completions`` completed modules each (of
``--modules``), written through the application's commands; ``--subjects`` of them carry
unique markers in their name, e-mail, goal and feedback comment. Two model versions are
trained (both hold every subject), and the projections follow the log in their thread.
Then the subjects are erased one at a time, each timed from the start of
``request_erasure`` to:

1. ``returned``: the command returned (every purpose withdrawn, ``ErasureRequested``, key
   deleted and the key table compacted, ``Erased``; the current model version rebuilt
   without the subject, older versions holding them removed);
2. ``caught up``: the read models reach the erasure's position (the erasure projection has
   overwritten the personal columns and truncated the write-ahead log);
3. ``clean``: the start of the first read of every file of the data directory (database,
   ``-wal``, ``-shm``, ``master.key``, every model version) that finds none of the
   subject's markers, in UTF-8, UTF-16 or UTF-32, ignoring case: the files were clean by
   then. They are read again until they are (at most ``--timeout`` seconds); how long
   one full read takes is reported apart.

``--without-models`` erases with no model version on disk, for comparison.

Run: ``.venv/bin/python -m bench.bench_erasure_bytes`` (``--help`` for the sizes).
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import time
from datetime import date
from pathlib import Path
from uuid import UUID

from app.aggregates import Actor, RequiredSkill
from app.bootstrap import Services, build_services
from app.recommend.model import FitParameters
from bench.harness import BENCH_ACTOR, engine_settings, module_content, print_machine

LEARNER = Actor(id="bench-learner", role="employee")
ENCODINGS = ("utf-8", "utf-16-le", "utf-32-le")


@dataclasses.dataclass(frozen=True)
class Subject:
    employee_id: UUID
    markers: tuple[str, ...]


def markers_of(n: int) -> tuple[str, ...]:
    """Four strings nothing else in the data contains (letters only: case-insensitive)."""
    rng = random.Random(n)
    tag = "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(10))
    return (f"Name{tag} Quill", f"mail{tag}@example.com", f"goal {tag} kraken",
            f"feedback {tag} about the narrator")  # fmt: skip


def build(services: Services, employees: int, modules: int, completions: int,
          subjects: int) -> list[Subject]:  # fmt: skip
    """The organisation through the commands; returns the marked subjects."""
    app = services.app
    role = app.define_role(
        code="bench", title="Bench", source="", skills=[RequiredSkill("sql", 2)],
        actor=BENCH_ACTOR,
    ).id  # fmt: skip
    module_ids = [app.publish_module(module_content(m), actor=BENCH_ACTOR).id
                  for m in range(modules)]  # fmt: skip
    rng = random.Random(7)
    marked: list[Subject] = []
    for n in range(employees):
        marker = markers_of(n) if n < subjects else None
        name, email, goal, comment = marker or (
            f"Person {n}",
            f"person.{n}@example.com",
            f"goal of person {n}",
            "fine",
        )
        person = app.hire_employee(
            name=name, email=email, role_id=role, department="Sales", manager_id=None,
            location="Oslo", years_experience=n % 15, hire_date=date(2022, 1, 3),
            actor=BENCH_ACTOR,
        ).id  # fmt: skip
        app.grant_consent(person, purpose="personalisation", policy_version="v1", actor=LEARNER)
        app.update_profile(person, media_types=["video"], weekly_minutes=90, goals=[goal],
                           language="en", actor=LEARNER)  # fmt: skip
        for module in rng.sample(module_ids, completions):
            enrollment = app.enroll(employee_id=person, module_id=module, source="self",
                                    recommendation_id=None, actor=LEARNER).id  # fmt: skip
            app.complete_enrollment(enrollment, actor=LEARNER)
            app.give_feedback(enrollment, rating=4, comment=comment, actor=LEARNER)
        if marker is not None:
            marked.append(Subject(person, marker))
    return marked


def files_holding(folder: Path, markers: tuple[str, ...]) -> tuple[list[str], int, int]:
    """(files holding a marker, files read, bytes read)."""
    needles = [m.lower().encode(e) for m in markers for e in ENCODINGS]
    holding, files, size = [], 0, 0
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        try:
            data = path.read_bytes().lower()
        except FileNotFoundError:  # a model version removed while we looked
            continue
        files += 1
        size += len(data)
        if any(needle in data for needle in needles):
            holding.append(str(path.relative_to(folder)))
    return holding, files, size


def bench(employees: int, modules: int, completions: int, subjects: int,
          params: FitParameters, timeout: float, without_models: bool) -> None:  # fmt: skip
    with engine_settings("sqlite") as base:
        folder = Path(base.sqlite_path).parent
        settings = dataclasses.replace(
            base, model_dir=str(folder / "models"), retrain_min_interactions=0
        )
        services = build_services(settings)
        try:
            started = time.perf_counter()
            marked = build(services, employees, modules, completions, subjects)
            assert services.read_models_reach(services.app.last_position(), timeout=600)
            print(f"built {services.app.last_position():,} events in"
                  f" {time.perf_counter() - started:.1f}s")  # fmt: skip
            for _ in range(0 if without_models else 2):
                services.recommender.train(services.runner.position, params=params)
            versions = services.recommender.registry.versions()
            print(f"{len(versions)} model versions, {versions[-1].users if versions else 0}"
                  " users each")  # fmt: skip
            rows = []
            for subject in marked:
                before, _, _ = files_holding(folder, subject.markers)
                assert before, "the markers were never written to the files"
                t0 = time.perf_counter()
                erasure = services.app.request_erasure(subject.employee_id, actor=BENCH_ACTOR)
                returned = time.perf_counter() - t0
                assert services.read_models_reach(erasure.position, timeout=60)
                caught_up = time.perf_counter() - t0
                scans = 0
                while True:
                    scan_started = time.perf_counter()
                    holding, files, size = files_holding(folder, subject.markers)
                    scan = time.perf_counter() - scan_started
                    scans += 1
                    if not holding or time.perf_counter() - t0 > timeout:
                        break
                clean = scan_started - t0
                assert not holding, f"still holding a marker after {timeout}s: {holding}"
                rows.append((returned, caught_up, clean, scan, scans, files, size))
                print(
                    f"  returned {returned * 1000:7.1f} ms  caught up {caught_up * 1000:7.1f}"
                    f" ms  clean {clean * 1000:7.1f} ms  (scans {scans}, one scan"
                    f" {scan * 1000:.1f} ms over {files} files, {size / 2**20:.1f} MiB)"
                )
        finally:
            services.close()
    for label, column in (("returned", 0), ("caught up", 1), ("clean", 2), ("one scan", 3)):
        values = [r[column] * 1000 for r in rows]
        print(f"{label:10} median {statistics.median(values):7.1f} ms  max {max(values):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=1_000)
    parser.add_argument("--modules", type=int, default=200)
    parser.add_argument("--completions", type=int, default=8, help="per employee")
    parser.add_argument("--subjects", type=int, default=10, help="erased, one at a time")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--components", type=int, default=FitParameters.components)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--without-models", action="store_true")
    args = parser.parse_args()
    print_machine()
    params = FitParameters(epochs=args.epochs, components=args.components)
    bench(args.employees, args.modules, args.completions, args.subjects, params, args.timeout,
          args.without_models)  # fmt: skip
    print_machine()


if __name__ == "__main__":
    main()
