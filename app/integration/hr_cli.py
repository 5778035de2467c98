"""``skillpath import-hr FILE.csv``: an HRIS export into Skillpath, with a progress bar."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any
from uuid import UUID

from tqdm import tqdm

from app.aggregates import Actor
from app.bootstrap import Services
from app.commands.hr_import import ImportReport
from app.integration.hr_records import HrFileError, read_csv


def active_employees(services: Services) -> list[UUID]:
    """Everyone the directory shows as active (after it has caught up with the log)."""
    services.runner.catch_up()
    with services.gateway.transaction(write=False) as tx:
        rows = tx.rows("SELECT id FROM {employees} WHERE status = 'active' ORDER BY seq")
    return [UUID(row["id"]) for row in rows]


def run_import(services: Services, args: argparse.Namespace) -> int:
    """Exit 0 when every row was imported, 1 when some were refused, 2 for an unusable file."""
    path = Path(args.file)
    try:
        records, problems = read_csv(path.read_bytes())
    except OSError as error:
        print(f"skillpath: cannot read {path}: {error.strerror}", file=sys.stderr)
        return 2
    except HrFileError as error:
        print(f"skillpath: {path}: {error}; nothing was imported", file=sys.stderr)
        return 2
    active = active_employees(services) if args.mark_missing_as_left else []
    started = time.perf_counter()
    with tqdm(total=len(records), desc="importing", unit="row", file=sys.stderr) as bar:
        report = services.app.import_hr_records(
            records,
            actor=Actor(id=args.actor, role="hr"),
            problems=problems,
            dry_run=args.dry_run,
            mark_missing_as_left=args.mark_missing_as_left,
            active_employees=active,
            progress=bar.update,
        )
    print_report(report, time.perf_counter() - started)
    return 1 if report.problems else 0


def print_report(report: ImportReport, seconds: float) -> None:
    would = "would be " if report.dry_run else ""
    print(
        f"{len(report.hired)} {would}hired, {len(report.updated)} {would}updated,"
        f" {report.unchanged} unchanged, {len(report.left)} {would}marked as left,"
        f" {len(report.problems)} rows refused ({seconds:.1f}s)"
    )
    for hr_id, fields in report.updated.items():
        print(f"  {hr_id}: {', '.join(fields)} {would}changed")
    for problem in report.problems:
        print(f"  line {problem.line}: {problem.reason}")
    for note in report.notes:
        print(f"  note: {note}")
    if report.dry_run:
        print("Dry run: nothing was written.")


def add_command(sub: Any, run: Any) -> None:
    command = sub.add_parser(
        "import-hr", help="import employees, departments, managers and roles from an HRIS CSV"
    )
    command.add_argument(
        "file",
        help="UTF-8 CSV with columns employee_id, name, email, department, location, role"
        " (a role code), hire_date (YYYY-MM-DD), and optionally manager_id, years_experience",
    )
    command.add_argument("--dry-run", action="store_true", help="show what would change")
    command.add_argument(
        "--mark-missing-as-left",
        action="store_true",
        help="the file is a full export: mark active employees missing from it as left",
    )
    command.add_argument("--actor", default="hr-import", help="who the events name as actor")
    command.set_defaults(run=run)
