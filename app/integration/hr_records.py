"""Rows of an HRIS export, checked before anything is written: each row on its own (values,
dates, lengths), then the file as a whole (duplicate ids and emails, managers that are
nowhere, manager cycles). Every refusal names the row's line and the reason.

Pure: no storage. ``app/commands/hr_import.py`` applies the rows that pass.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from app.commands.clean_text import text_fault

#: The columns an export must have; ``manager_id`` and ``years_experience`` may be empty.
REQUIRED_COLUMNS = (
    "employee_id", "name", "email", "department", "location", "role", "hire_date",
)  # fmt: skip
OPTIONAL_COLUMNS = ("manager_id", "years_experience")
MAX_FIELD = 200


class HrFileError(ValueError):
    """The file as a whole cannot be read (encoding, columns); nothing is imported."""


@dataclass(frozen=True)
class HrRecord:
    """One person as the HR system exports them; ``employee_id`` is the HR system's id."""

    line: int
    employee_id: str
    name: str
    email: str
    department: str
    location: str
    role: str
    hire_date: date
    manager_id: str | None = None
    years_experience: int = 0


@dataclass(frozen=True)
class RowProblem:
    """A row that was not imported, and why."""

    line: int
    employee_id: str | None
    reason: str


def _clean(value: str | None, column: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValueError(f"{column} is empty")
    if len(value) > MAX_FIELD:
        raise ValueError(f"{column} is longer than {MAX_FIELD} characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError(f"{column} contains control characters")
    # What no read model can store (C1 controls, lone surrogates): refused here, with the
    # row, rather than by the save (and so in a dry run too).
    fault = text_fault(value)
    if fault is not None:
        raise ValueError(f"{column} {fault}")
    return value


def _reported_id(value: str | None) -> str | None:
    """The row's HR id as a report may show it: none when it is no clean text itself."""
    value = (value or "").strip()
    if not value or len(value) > MAX_FIELD or text_fault(value) is not None:
        return None
    if any(ord(ch) < 32 for ch in value):
        return None
    return value


def record_of(line: int, row: dict[str, str | None]) -> HrRecord:
    """One row as a record; ``ValueError`` says what is wrong with it."""
    email = _clean(row.get("email"), "email").lower()
    if "@" not in email or email.startswith("@") or "." not in email.rsplit("@", 1)[-1]:
        raise ValueError("email is not a valid email address")
    raw_date = _clean(row.get("hire_date"), "hire_date")
    try:
        hire_date = date.fromisoformat(raw_date)
    except ValueError:
        raise ValueError(f"hire_date {raw_date!r} is not a date (YYYY-MM-DD)") from None
    if hire_date > (datetime.now(UTC) + timedelta(minutes=5)).date():
        raise ValueError("hire_date is in the future")
    years_raw = _clean(row.get("years_experience"), "years_experience", required=False)
    try:
        years = int(years_raw) if years_raw else 0
    except ValueError:
        raise ValueError(f"years_experience {years_raw!r} is not a whole number") from None
    if not 0 <= years <= 70:
        raise ValueError("years_experience must be between 0 and 70")
    manager = _clean(row.get("manager_id"), "manager_id", required=False) or None
    employee_id = _clean(row.get("employee_id"), "employee_id")
    if manager == employee_id:
        raise ValueError("an employee cannot manage themselves")
    return HrRecord(
        line=line,
        employee_id=employee_id,
        name=_clean(row.get("name"), "name"),
        email=email,
        department=_clean(row.get("department"), "department"),
        location=_clean(row.get("location"), "location"),
        role=_clean(row.get("role"), "role").lower(),
        hire_date=hire_date,
        manager_id=manager,
        years_experience=years,
    )


def read_csv(data: bytes) -> tuple[list[HrRecord], list[RowProblem]]:
    """The records of a UTF-8 CSV export and the rows that are wrong on their own."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise HrFileError(
            f"the file is not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start});"
            " export it as UTF-8"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise HrFileError(f"the file has no column {', '.join(missing)}")
    reader.fieldnames = columns
    rows: list[tuple[int, dict[str, str | None]]] = []
    try:
        for row in reader:
            # The line a row ends on, as an editor numbers it (the header is line 1).
            rows.append((reader.line_num, row))
    except csv.Error as error:
        raise HrFileError(f"the file is not valid CSV at line {reader.line_num}: {error}") from None
    return check_rows(rows)


def check_rows(
    rows: list[tuple[int, dict[str, str | None]]],
) -> tuple[list[HrRecord], list[RowProblem]]:
    """Rows as records, and the rows refused on their own or for the file's sake."""
    records: list[HrRecord] = []
    problems: list[RowProblem] = []
    for line, row in rows:
        if None in row:  # csv puts surplus cells under the None key
            problems.append(
                RowProblem(line, _reported_id(row.get("employee_id")), "the row has extra cells")
            )
            continue
        try:
            records.append(record_of(line, row))
        except ValueError as error:
            problems.append(RowProblem(line, _reported_id(row.get("employee_id")), str(error)))
    good, refused = _file_checks(records)
    return good, sorted(problems + refused, key=lambda p: p.line)


def _file_checks(records: list[HrRecord]) -> tuple[list[HrRecord], list[RowProblem]]:
    problems: list[RowProblem] = []
    bad: set[int] = set()
    for what in ("employee_id", "email"):
        lines: dict[str, list[int]] = defaultdict(list)
        for record in records:
            lines[getattr(record, what)].append(record.line)
        for record in records:
            seen = lines[getattr(record, what)]
            if len(seen) > 1:
                others = ", ".join(str(n) for n in seen if n != record.line)
                named = what.replace("_", " ")
                reason = f"the {named} is also on line {others}"
                problems.append(RowProblem(record.line, record.employee_id, reason))
                bad.add(record.line)
    by_id = {r.employee_id: r for r in records if r.line not in bad}
    for record in by_id.values():
        cycle = _cycle_from(record, by_id)
        if cycle:
            path = " -> ".join([*cycle, cycle[0]])
            problems.append(RowProblem(record.line, record.employee_id, f"manager cycle: {path}"))
            bad.add(record.line)
    return [r for r in records if r.line not in bad], problems


def _cycle_from(record: HrRecord, by_id: dict[str, HrRecord]) -> list[str]:
    """The manager cycle ``record`` is part of, or an empty list."""
    path: list[str] = []
    current: HrRecord | None = record
    while current is not None and current.employee_id not in path:
        path.append(current.employee_id)
        current = by_id.get(current.manager_id or "")
    if current is None or current.employee_id != record.employee_id:
        return []
    return path


def managers_first(records: list[HrRecord]) -> list[HrRecord]:
    """The records ordered so that a manager in the file comes before their reports."""
    by_id = {r.employee_id: r for r in records}
    ordered: list[HrRecord] = []
    placed: set[str] = set()

    for record in records:
        chain: list[HrRecord] = []
        current: HrRecord | None = record
        # Up the management chain to the first one placed (cycles were refused before).
        while current is not None and current.employee_id not in placed and current not in chain:
            chain.append(current)
            current = by_id.get(current.manager_id or "")
        for link in reversed(chain):
            placed.add(link.employee_id)
            ordered.append(link)
    return ordered
