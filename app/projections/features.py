"""Feature read models for the recommender: employees, modules and role requirements.

Kept apart from the directory and the catalogue so that training reads three compact tables
in three scans, and so that serving can tell cheaply (``feature_versions``) whether its
in-memory copy of the catalogue is stale.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.aggregates import Employee, LearningModule, Role
from app.consent.ledger import ConsentLedger
from app.persistence import SqlGateway, Transaction
from app.projections.batching import BatchTransaction
from app.projections.engine import Projection, handles


class FeatureProjection(Projection):
    name = "recommender_features"
    tables = ("employee_features", "module_features", "role_requirements", "feature_versions")
    ddl = (
        "CREATE TABLE IF NOT EXISTS {employee_features} ("
        " employee_id TEXT PRIMARY KEY, role_id TEXT NOT NULL, department TEXT NOT NULL,"
        " years_experience INTEGER NOT NULL, skills TEXT NOT NULL, media_types TEXT NOT NULL,"
        " weekly_minutes INTEGER NOT NULL, goals TEXT NOT NULL, language TEXT NOT NULL,"
        " active INTEGER NOT NULL)",
        "CREATE INDEX IF NOT EXISTS employee_features_role ON {employee_features} (role_id)",
        "CREATE TABLE IF NOT EXISTS {module_features} ("
        " module_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, title TEXT NOT NULL,"
        " skills TEXT NOT NULL,"
        " topics TEXT NOT NULL, difficulty INTEGER NOT NULL, media_type TEXT NOT NULL,"
        " minutes INTEGER NOT NULL, language TEXT NOT NULL, prerequisite_ids TEXT NOT NULL,"
        " retired INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {role_requirements} ("
        " role_id TEXT PRIMARY KEY, title TEXT NOT NULL, required_skills TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {feature_versions} ("
        " name TEXT PRIMARY KEY, version BIGINT NOT NULL)",
    )

    def _bump(self, tx: Transaction, name: str) -> None:
        tx.execute(
            "INSERT INTO {feature_versions} AS fv (name, version) VALUES (%s, 1)"
            " ON CONFLICT (name) DO UPDATE SET version = fv.version + 1",
            (name,),
        )

    # -- employees ----------------------------------------------------------------------

    @handles(Employee.Hired)
    def hired(self, e: Employee.Hired, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {employee_features} (employee_id, role_id, department, years_experience,"
            " skills, media_types, weekly_minutes, goals, language, active)"
            " VALUES (%s, %s, %s, %s, '{}', '[]', 0, '[]', 'en', 1)",
            (str(e.originator_id), str(e.role_id), e.department, e.years_experience),
        )
        if isinstance(tx, BatchTransaction):
            tx.memo("features.skills")[str(e.originator_id)] = "{}"

    def _employee(self, tx: Transaction, e: Any, assignments: str, *values: Any) -> None:
        tx.execute(
            f"UPDATE {{employee_features}} SET {assignments} WHERE employee_id = %s",
            (*values, str(e.originator_id)),
        )

    @handles(Employee.ProfileUpdated)
    def profile_updated(self, e: Employee.ProfileUpdated, tx: Transaction) -> None:
        self._employee(
            tx, e, "media_types = %s, weekly_minutes = %s, goals = %s, language = %s",
            json.dumps(e.media_types), e.weekly_minutes, json.dumps(e.goals), e.language,
        )  # fmt: skip

    @handles(Employee.SkillAssessed)
    def skill_assessed(self, e: Employee.SkillAssessed, tx: Transaction) -> None:
        employee_id = str(e.originator_id)
        # In a batch, the skills this projection wrote or read before are remembered.
        memo = tx.memo("features.skills") if isinstance(tx, BatchTransaction) else {}
        if employee_id in memo:
            current = memo[employee_id]
        else:
            current = tx.scalar(
                "SELECT skills FROM {employee_features} WHERE employee_id = %s", (employee_id,)
            )
        skills = json.loads(current or "{}")
        skills[e.skill] = e.level
        encoded = json.dumps(skills, sort_keys=True)
        self._employee(tx, e, "skills = %s", encoded)
        if current is not None:  # no row, nothing written: read again (as without a batch)
            memo[employee_id] = encoded

    def apply_batch(self, events: Sequence[tuple[int, Any]], tx: Transaction) -> None:
        if isinstance(tx, BatchTransaction):
            # The skills of everyone assessed in the batch, in one read before any write.
            wanted = sorted({str(e.originator_id) for _, e in events
                             if type(e) is Employee.SkillAssessed})  # fmt: skip
            memo = tx.memo("features.skills")
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                for row in tx.rows(
                    "SELECT employee_id, skills FROM {employee_features} WHERE employee_id IN ("
                    + ", ".join(["%s"] * len(chunk)) + ")",
                    chunk,
                ):  # fmt: skip
                    memo[row["employee_id"]] = row["skills"]
        super().apply_batch(events, tx)

    @handles(Employee.RoleChanged)
    def role_changed(self, e: Employee.RoleChanged, tx: Transaction) -> None:
        self._employee(tx, e, "role_id = %s, department = %s", str(e.role_id), e.department)

    @handles(Employee.DetailsChanged)
    def details_changed(self, e: Employee.DetailsChanged, tx: Transaction) -> None:
        self._employee(tx, e, "department = %s", e.department)

    @handles(Employee.Left)
    def left(self, e: Employee.Left, tx: Transaction) -> None:
        self._employee(tx, e, "active = 0")

    # -- modules ------------------------------------------------------------------------

    @handles(LearningModule.Published)
    def published(self, e: LearningModule.Published, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {module_features} (module_id, seq, title, skills, topics, difficulty,"
            " media_type, minutes, language, prerequisite_ids, retired) VALUES (%s,"
            " (SELECT COALESCE(MAX(seq), 0) + 1 FROM {module_features}),"
            " %s, %s, %s, %s, %s, %s, %s, %s, 0)",
            (str(e.originator_id), *_module_content(e)),
        )
        self._bump(tx, "modules")

    @handles(LearningModule.Revised)
    def revised(self, e: LearningModule.Revised, tx: Transaction) -> None:
        tx.execute(
            "UPDATE {module_features} SET title = %s, skills = %s, topics = %s, difficulty = %s,"
            " media_type = %s, minutes = %s, language = %s, prerequisite_ids = %s"
            " WHERE module_id = %s",
            (*_module_content(e), str(e.originator_id)),
        )
        self._bump(tx, "modules")

    @handles(LearningModule.Retired)
    def retired(self, e: LearningModule.Retired, tx: Transaction) -> None:
        tx.execute(
            "UPDATE {module_features} SET retired = 1 WHERE module_id = %s",
            (str(e.originator_id),),
        )
        self._bump(tx, "modules")

    # -- consent ------------------------------------------------------------------------

    # Who may be personalised decides which subjects a served model may still use; serving
    # rereads it only when this counter moves (app/recommend/forgetting.py).
    @handles(ConsentLedger.Granted, ConsentLedger.Withdrawn, ConsentLedger.ErasureRequested)
    def consent_changed(self, e: Any, tx: Transaction) -> None:
        self._bump(tx, "consents")

    # -- roles --------------------------------------------------------------------------

    @handles(Role.RoleDefined)
    def role_defined(self, e: Role.RoleDefined, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {role_requirements} (role_id, title, required_skills) VALUES (%s, %s, %s)",
            (str(e.originator_id), e.title, json.dumps(e.required_skills)),
        )
        self._bump(tx, "roles")

    @handles(Role.RoleRevised)
    def role_revised(self, e: Role.RoleRevised, tx: Transaction) -> None:
        tx.execute(
            "UPDATE {role_requirements} SET title = %s, required_skills = %s WHERE role_id = %s",
            (e.title, json.dumps(e.required_skills), str(e.originator_id)),
        )
        self._bump(tx, "roles")


def _module_content(e: LearningModule.Published | LearningModule.Revised) -> tuple[Any, ...]:
    return (
        e.title, json.dumps(e.skills, sort_keys=True), json.dumps(e.topics), e.difficulty,
        e.media_type, e.minutes, e.language, json.dumps([str(p) for p in e.prerequisite_ids]),
    )  # fmt: skip


@dataclass(frozen=True)
class EmployeeFeatures:
    """What the recommender knows about one employee."""

    employee_id: str
    role_id: str
    department: str
    years_experience: int
    skills: dict[str, int]
    media_types: list[str]
    weekly_minutes: int
    goals: list[str]
    language: str
    active: bool

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> EmployeeFeatures:
        return cls(
            employee_id=row["employee_id"],
            role_id=row["role_id"],
            department=row["department"],
            years_experience=int(row["years_experience"]),
            skills=json.loads(row["skills"]),
            media_types=json.loads(row["media_types"]),
            weekly_minutes=int(row["weekly_minutes"]),
            goals=json.loads(row["goals"]),
            language=row["language"],
            active=bool(row["active"]),
        )


@dataclass(frozen=True)
class ModuleFeatures:
    """What the recommender knows about one module."""

    module_id: str
    seq: int
    title: str
    skills: dict[str, int]
    topics: list[str]
    difficulty: int
    media_type: str
    minutes: int
    language: str
    prerequisite_ids: list[str]
    retired: bool

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ModuleFeatures:
        return cls(
            module_id=row["module_id"],
            seq=int(row["seq"]),
            title=row["title"],
            skills=json.loads(row["skills"]),
            topics=json.loads(row["topics"]),
            difficulty=int(row["difficulty"]),
            media_type=row["media_type"],
            minutes=int(row["minutes"]),
            language=row["language"],
            prerequisite_ids=json.loads(row["prerequisite_ids"]),
            retired=bool(row["retired"]),
        )


@dataclass(frozen=True)
class RoleRequirements:
    role_id: str
    title: str
    required_skills: list[dict[str, Any]]

    def levels(self) -> dict[str, int]:
        return {s["skill"]: int(s["level"]) for s in self.required_skills}


class FeatureBook:
    """Queries over the recommender's feature read models."""

    def __init__(self, gateway: SqlGateway) -> None:
        self._gateway = gateway

    def employee(self, employee_id: str) -> EmployeeFeatures | None:
        with self._gateway.transaction(write=False) as tx:
            row = tx.row("SELECT * FROM {employee_features} WHERE employee_id = %s", (employee_id,))
        return None if row is None else EmployeeFeatures.from_row(row)

    def employees(self) -> list[EmployeeFeatures]:
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows("SELECT * FROM {employee_features} ORDER BY employee_id")
        return [EmployeeFeatures.from_row(r) for r in rows]

    def modules(self) -> list[ModuleFeatures]:
        """Every module ever published (retired ones too), in publishing order."""
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows("SELECT * FROM {module_features} ORDER BY seq")
        return [ModuleFeatures.from_row(r) for r in rows]

    def roles(self) -> dict[str, RoleRequirements]:
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows("SELECT * FROM {role_requirements}")
        return {
            r["role_id"]: RoleRequirements(
                r["role_id"], r["title"], json.loads(r["required_skills"])
            )
            for r in rows
        }

    def versions(self) -> dict[str, int]:
        """Change counters of the catalogue, the competence model and consents."""
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows("SELECT name, version FROM {feature_versions}")
        return {r["name"]: int(r["version"]) for r in rows}
