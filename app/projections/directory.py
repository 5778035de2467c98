"""The employee directory: who works here, in which role and team, with which skills."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from app.aggregates import Employee
from app.persistence import SqlGateway, Transaction
from app.projections.engine import Projection, handles
from app.projections.paging import Page, page_query


class EmployeeDirectoryProjection(Projection):
    name = "employee_directory"
    tables = ("employee_skills", "employees")
    ddl = (
        "CREATE TABLE IF NOT EXISTS {employees} ("
        " id TEXT PRIMARY KEY, seq BIGINT NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL,"
        " role_id TEXT NOT NULL, department TEXT NOT NULL, manager_id TEXT, location TEXT NOT NULL,"
        " years_experience INTEGER NOT NULL, hire_date TEXT NOT NULL, status TEXT NOT NULL,"
        " left_on TEXT, productive_since TEXT, media_types TEXT NOT NULL, weekly_minutes INTEGER"
        " NOT NULL, goals TEXT NOT NULL, language TEXT NOT NULL, last_pulse_score INTEGER,"
        " role_changes INTEGER NOT NULL, updated_at TEXT NOT NULL)",
        "CREATE UNIQUE INDEX IF NOT EXISTS employees_seq ON {employees} (seq)",
        "CREATE INDEX IF NOT EXISTS employees_department ON {employees} (department, seq)",
        "CREATE INDEX IF NOT EXISTS employees_role ON {employees} (role_id, seq)",
        "CREATE INDEX IF NOT EXISTS employees_manager ON {employees} (manager_id)",
        "CREATE TABLE IF NOT EXISTS {employee_skills} ("
        " employee_id TEXT NOT NULL, skill TEXT NOT NULL, level INTEGER NOT NULL,"
        " source TEXT NOT NULL, assessed_at TEXT NOT NULL, PRIMARY KEY (employee_id, skill))",
    )

    @handles(Employee.Hired)
    def hired(self, e: Employee.Hired, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {employees} (id, seq, name, email, role_id, department, manager_id,"
            " location, years_experience, hire_date, status, media_types, weekly_minutes, goals,"
            " language, role_changes, updated_at) VALUES (%s,"
            " (SELECT COALESCE(MAX(seq), 0) + 1 FROM {employees}), %s, %s, %s, %s, %s, %s, %s,"
            " %s, 'active', '[]', 0, '[]', 'en', 0, %s)",
            (
                str(e.originator_id), e.name, e.email, str(e.role_id), e.department,
                _opt(e.manager_id), e.location, e.years_experience, e.hire_date.isoformat(),
                e.timestamp.isoformat(),
            ),
        )  # fmt: skip

    def _update(self, tx: Transaction, event: Any, assignments: str, *values: Any) -> None:
        tx.execute(
            f"UPDATE {{employees}} SET {assignments}, updated_at = %s WHERE id = %s",
            (*values, event.timestamp.isoformat(), str(event.originator_id)),
        )

    @handles(Employee.ProfileUpdated)
    def profile_updated(self, e: Employee.ProfileUpdated, tx: Transaction) -> None:
        self._update(
            tx, e, "media_types = %s, weekly_minutes = %s, goals = %s, language = %s",
            json.dumps(e.media_types), e.weekly_minutes, json.dumps(e.goals), e.language,
        )  # fmt: skip

    @handles(Employee.SkillAssessed)
    def skill_assessed(self, e: Employee.SkillAssessed, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {employee_skills} (employee_id, skill, level, source, assessed_at)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (employee_id, skill) DO UPDATE SET"
            " level = excluded.level, source = excluded.source, assessed_at = excluded.assessed_at",
            (str(e.originator_id), e.skill, e.level, e.source, e.occurred_at.isoformat()),
        )

    @handles(Employee.RoleChanged)
    def role_changed(self, e: Employee.RoleChanged, tx: Transaction) -> None:
        self._update(
            tx, e,
            "role_id = %s, department = %s, manager_id = %s, role_changes = role_changes + 1",
            str(e.role_id), e.department, _opt(e.manager_id),
        )  # fmt: skip

    @handles(Employee.DetailsChanged)
    def details_changed(self, e: Employee.DetailsChanged, tx: Transaction) -> None:
        self._update(
            tx, e, "name = %s, email = %s, location = %s, department = %s, manager_id = %s",
            e.name, e.email, e.location, e.department, _opt(e.manager_id),
        )  # fmt: skip

    @handles(Employee.ProductivityReached)
    def productivity_reached(self, e: Employee.ProductivityReached, tx: Transaction) -> None:
        self._update(tx, e, "productive_since = %s", e.reached_on.isoformat())

    @handles(Employee.PulseAnswered)
    def pulse_answered(self, e: Employee.PulseAnswered, tx: Transaction) -> None:
        self._update(tx, e, "last_pulse_score = %s", e.score)

    @handles(Employee.Left)
    def left(self, e: Employee.Left, tx: Transaction) -> None:
        self._update(tx, e, "status = 'left', left_on = %s", e.left_on.isoformat())


def _opt(value: object | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class EmployeeRow:
    """One employee as the directory knows them.

    A row read with only some columns (``EmployeeDirectory.page(columns=...)``) has None in
    the others. The JSON columns are decoded when first asked for, not when read.
    """

    id: str
    seq: int
    name: str
    email: str
    role_id: str
    department: str
    manager_id: str | None
    location: str
    years_experience: int
    hire_date: str
    status: str
    left_on: str | None
    productive_since: str | None
    weekly_minutes: int
    language: str
    last_pulse_score: int | None
    role_changes: int
    updated_at: str
    media_types_json: str = "[]"
    goals_json: str = "[]"

    @cached_property
    def media_types(self) -> list[str]:
        decoded: list[str] = json.loads(self.media_types_json)
        return decoded

    @cached_property
    def goals(self) -> list[str]:
        decoded: list[str] = json.loads(self.goals_json)
        return decoded

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> EmployeeRow:
        found = {**_NOT_READ, **row}
        found["media_types_json"] = found.pop("media_types") or "[]"
        found["goals_json"] = found.pop("goals") or "[]"
        return cls(**found)


#: Every column of the directory, None until read.
_NOT_READ: dict[str, Any] = {
    name: None for name in EmployeeRow.__dataclass_fields__ if not name.endswith("_json")
} | {"media_types": None, "goals": None}
EMPLOYEE_COLUMNS = frozenset(_NOT_READ)


@dataclass(frozen=True)
class SkillRow:
    employee_id: str
    skill: str
    level: int
    source: str
    assessed_at: str


class EmployeeDirectory:
    """Queries over the directory read model."""

    def __init__(self, gateway: SqlGateway) -> None:
        self._gateway = gateway

    def get_many(self, ids: Sequence[str]) -> dict[str, EmployeeRow]:
        if not ids:
            return {}
        marks = ", ".join(["%s"] * len(ids))
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(f"SELECT * FROM {{employees}} WHERE id IN ({marks})", list(ids))
        return {row["id"]: EmployeeRow.from_row(row) for row in rows}

    def get(self, employee_id: str) -> EmployeeRow | None:
        return self.get_many([employee_id]).get(employee_id)

    def page(
        self,
        *,
        first: int,
        after: int | None,
        department: str | None = None,
        role_id: str | None = None,
        manager_id: str | None = None,
        last: int | None = None,
        before: int | None = None,
        count: bool = True,
        columns: Sequence[str] | None = None,
    ) -> Page[EmployeeRow]:
        """A page in hiring order; ``count``: with the total; ``columns``: only those
        (``id`` and ``seq`` always), the others None in the rows."""
        if columns is not None:
            unknown = set(columns) - EMPLOYEE_COLUMNS
            if unknown:
                raise ValueError(f"no such directory columns: {sorted(unknown)}")
            columns = ["id", *columns]
        filters: dict[str, str | None] = {
            "department = %s": department,
            "role_id = %s": role_id,
            "manager_id = %s": manager_id,
        }
        return page_query(
            self._gateway, "employees", filters, first, after, EmployeeRow.from_row,
            last=last, before=before, count=count, columns=columns,
        )  # fmt: skip

    def reports_of(self, manager_id: str) -> list[EmployeeRow]:
        """The manager's direct reports, in hiring order."""
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                "SELECT * FROM {employees} WHERE manager_id = %s ORDER BY seq", (manager_id,)
            )
        return [EmployeeRow.from_row(row) for row in rows]

    def skills_of(self, employee_ids: Sequence[str]) -> dict[str, list[SkillRow]]:
        found: dict[str, list[SkillRow]] = {i: [] for i in employee_ids}
        if not employee_ids:
            return found
        marks = ", ".join(["%s"] * len(employee_ids))
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                f"SELECT * FROM {{employee_skills}} WHERE employee_id IN ({marks}) ORDER BY skill",
                list(employee_ids),
            )
        for row in rows:
            found[row["employee_id"]].append(SkillRow(**row))
        return found
