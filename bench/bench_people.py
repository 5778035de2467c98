"""People development over real HTTP: teamSkillMatrix and internalCandidates, and the
O*NET import of all 1,110 roles.

One SQLite database: the O*NET roles imported through ``import_onet`` (timed, with a
progress bar), 5,000 employees on rated O*NET roles, each assessed in the 35 O*NET skills
(175,000 assessments, 250 employees per save), 70% sharing their profile, and one manager
with a team of 50. Skillpath is served by uvicorn in its own process (embedded layout) and
the stock strawberry anchor the same way; wrk drives both, A B A B:

- ``teamSkillMatrix(managerId)`` of the 50-person team, as that manager;
- ``internalCandidates(roleId, first: 20)`` over the 5,000 employees, as HR;

each against stock strawberry ``{ hello }``. Target: p99 under 50 ms each.

Run: ``.venv/bin/python -m bench.bench_people`` (``--employees``, ``--connections``,
``--rounds``, ``--seconds``).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import date
from pathlib import Path
from uuid import UUID

from eventsourcing.domain import Aggregate
from tqdm import tqdm

from app.aggregates import SYSTEM, Actor, Employee, Role
from app.aggregates.employee import EmailClaim
from app.auth.tokens import mint_token
from app.bootstrap import Services, build_services
from app.competence.importer import import_onet
from app.competence.model import competence_model
from app.competence.onet import read_onet
from app.consent.ledger import ConsentLedger
from app.settings import Settings
from bench.bench_http_queries import SECRET, skillpath
from bench.harness import print_machine
from bench.http_load import ROOT, Pairs, alternate, anchor, load_average

ONET = ROOT.parent / "shared" / "data" / "onet"
HR = Actor("hr@skillpath", "hr")
TEAM = 50


def import_roles(services: Services) -> tuple[list[UUID], float]:
    """All O*NET roles, timed; the rated ones are returned for the employees."""
    started = time.perf_counter()
    reading = read_onet(ONET)
    with tqdm(total=len(reading.roles), desc="O*NET roles", unit="role") as bar:
        report = import_onet(services.app, reading, actor=SYSTEM, progress=bar.update)
    seconds = time.perf_counter() - started
    print(f"O*NET import: {report.describe()} in {seconds:.1f} s (reading and checking the"
          f" files included); load {load_average()}")  # fmt: skip
    again = time.perf_counter()
    rerun = import_onet(services.app, ONET, actor=SYSTEM)
    print(f"O*NET re-run: {rerun.defined} defined, {rerun.revised} revised, {rerun.unchanged:,}"
          f" unchanged in {time.perf_counter() - again:.1f} s")  # fmt: skip
    rated = [Role.id_for(r.code) for r in reading.roles if r.skills]
    return rated, seconds


#: Employees written per save: one transaction holds their hires, email claims, 35
#: assessments each and their consent ledgers (the events the commands would write).
CHUNK = 250


def populate(services: Services, roles: list[UUID], employees: int, rng: random.Random) -> UUID:
    """Employees with every O*NET skill assessed; returns the manager of the 50-person team.

    The events are those ``hire_employee``, ``assess_skill`` and ``grant_consent`` write, made
    on the aggregates directly and saved ``CHUNK`` employees per transaction (the commands
    save one aggregate per transaction: 15,000 transactions for 5,000 people)."""
    app = services.app
    skills = [s.skill for s in competence_model() if s.framework == "onet"]
    manager = app.hire_employee(
        name="Team Manager", email="manager@example.com", role_id=roles[0], department="Data",
        manager_id=None, location="Oslo", years_experience=10, hire_date=date(2020, 1, 1),
        actor=HR,
    ).id  # fmt: skip
    with tqdm(total=employees, desc="employees", unit="person") as bar:
        for start in range(0, employees, CHUNK):
            batch: list[Aggregate] = []
            for n in range(start, min(employees, start + CHUNK)):
                employee = Employee.hire(
                    name=f"Person {n}", email=f"person{n}@example.com",
                    role_id=rng.choice(roles), department=f"Department {n % 12}",
                    manager_id=manager if n < TEAM else None,
                    location=rng.choice(("Oslo", "Bergen", "Berlin")),
                    years_experience=rng.randint(0, 30), hire_date=date(2021, 1, 1), actor=HR,
                )  # fmt: skip
                for skill in skills:
                    employee.assess_skill(skill=skill, level=rng.randint(0, 5), actor=HR,
                                          source=rng.choice(("self", "manager", "quiz")),
                                          occurred_at=None)  # fmt: skip
                batch += [employee, EmailClaim.claim(employee.email, employee.id,
                                                     app.email_claim_secret)]  # fmt: skip
                if rng.random() < 0.7 or n < TEAM * 0.7:
                    ledger = ConsentLedger.open(employee.id)
                    ledger.grant(
                        purpose="profile_sharing", policy_version="v1",
                        actor=Actor(str(employee.id), "employee"), occurred_at=None,
                    )  # fmt: skip
                    batch.append(ledger)
            app._store(*batch)
            bar.update(min(CHUNK, employees - start))
    with tqdm(total=app.last_position(), desc="read models", unit="event") as bar:
        services.runner.catch_up(progress=bar.update)
    return manager


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--folder", type=Path, default=None,
                        help="keep the seeded database here; a second run reuses it")  # fmt: skip
    parser.add_argument("--seed-only", action="store_true", help="seed, then stop")
    args = parser.parse_args()
    print_machine()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="bench-people-"))
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "people.sqlite3"
    seeded = folder / "seeded.json"
    if seeded.exists():
        ids = json.loads(seeded.read_text())
        manager, target_role = UUID(ids["manager"]), UUID(ids["role"])
        print(f"reusing {database} ({ids['employees']:,} employees)")
    else:
        settings = Settings(persistence="sqlite", sqlite_path=str(database),
                            seed_if_empty=False, jwt_secret=SECRET)  # fmt: skip
        services = build_services(settings, start_projections=False)
        rng = random.Random(11)
        try:
            roles, _ = import_roles(services)
            started = time.perf_counter()
            manager = populate(services, roles, args.employees, rng)
            print(f"{args.employees:,} employees x 35 skills seeded in"
                  f" {time.perf_counter() - started:.0f} s (events and read models); load"
                  f" {load_average()}")  # fmt: skip
            target_role = roles[len(roles) // 2]
        finally:
            services.close()
        seeded.write_text(json.dumps({"manager": str(manager), "role": str(target_role),
                                      "employees": args.employees}))  # fmt: skip
    if args.seed_only:
        return
    matrix = {"query": f'{{ teamSkillMatrix(managerId: "{manager}") {{ __typename ... on'
                       " TeamSkillMatrix { membersNotSharing skills members { employeeId"
                       " readiness levels required gaps } } } }"}  # fmt: skip
    candidates = {"query": f'{{ internalCandidates(roleId: "{target_role}", first: 20) {{'
                           " __typename ... on InternalCandidates { candidates { employeeId"
                           " readiness reasons } } } }"}  # fmt: skip
    as_manager = "Bearer " + mint_token(SECRET.encode(), role="manager", subject=str(manager))
    as_hr = "Bearer " + mint_token(SECRET.encode(), role="hr", subject="hr@skillpath")
    runs = {"rounds": args.rounds, "connections": args.connections, "seconds": args.seconds}
    with anchor(folder / "anchor.log") as stock, skillpath("embedded", database, folder) as api:
        hello = (f"{stock}/graphql", {"query": "{ hello }"}, "")
        for name, body, auth in (("teamSkillMatrix (50 members)", matrix, as_manager),
                                 (f"internalCandidates ({args.employees:,} x 35)", candidates,
                                  as_hr)):  # fmt: skip
            pairs = alternate((api, body, auth), hello, **runs)
            p99 = Pairs.median(pairs.a, "p99")
            print(
                f"{name}: {Pairs.median(pairs.a, 'rate'):,.0f} req/s, p50"
                f" {Pairs.median(pairs.a, 'p50'):.1f} ms, p99 {p99:.1f} ms at"
                f" {args.connections} connections; stock {{ hello }}"
                f" {Pairs.median(pairs.b, 'rate'):,.0f} req/s, p99"
                f" {Pairs.median(pairs.b, 'p99'):.1f} ms; target p99 < 50 ms:"
                f" {'met' if p99 < 50 else 'not met'}; load {load_average()}"
            )
            single = alternate((api, body, auth), hello, rounds=args.rounds, connections=1,
                               seconds=args.seconds)  # fmt: skip
            p99 = Pairs.median(single.a, "p99")
            print(f"{name} one at a time: p50 {Pairs.median(single.a, 'p50'):.1f} ms, p99"
                  f" {p99:.1f} ms; stock p99 {Pairs.median(single.b, 'p99'):.1f} ms; target:"
                  f" {'met' if p99 < 50 else 'not met'}")  # fmt: skip


if __name__ == "__main__":
    main()
