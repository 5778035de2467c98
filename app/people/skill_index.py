"""An in-memory index of the skill read model, for questions over the whole workforce.

``internalCandidates`` ranks every employee who shares their profile against a role: with
5,000 people and 35 skills that is 175,000 levels, too many to read per request. The index
holds them as a matrix (people x skills) and catches up with the read model by reading only
the rows whose ``seq`` is newer than the last it saw, so a request costs two indexed queries
and one vectorised computation. It is a cache of the read model, never a source of truth.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.persistence import SqlGateway


@dataclass(frozen=True)
class PersonFacts:
    """What mobility and matching need to know of a person besides their levels."""

    employee_id: str
    role_id: str
    department: str
    manager_id: str | None
    location: str
    years_experience: int
    language: str
    active: bool
    sharing: bool


@dataclass(frozen=True)
class Requirement:
    """A required skill: level 1-5 and importance 1-5."""

    skill: str
    level: int
    importance: int


class SkillIndex:
    """Levels of everyone, as a matrix, kept up to date from the read model on demand."""

    def __init__(self, gateway: SqlGateway) -> None:
        self._gateway = gateway
        self._lock = threading.Lock()
        self._people_seq = 0
        self._levels_seq = 0
        self.people: list[PersonFacts] = []
        self._row_of: dict[str, int] = {}
        self._col_of: dict[str, int] = {}
        self._levels: npt.NDArray[np.float32] = np.zeros((0, 0), dtype=np.float32)
        # Derived from ``people`` when it changes: who is active and sharing, each person's
        # role as a number, and the active reports of each manager (rows of the matrix).
        self._derived_for = -1
        self._changes = 0
        self._open: npt.NDArray[np.bool_] = np.zeros(0, dtype=bool)
        self._role_codes: npt.NDArray[np.int32] = np.zeros(0, dtype=np.int32)
        self._code_of: dict[str, int] = {}
        self._reports: dict[str, list[int]] = {}

    # -- catching up --------------------------------------------------------------------

    def refresh(self) -> None:
        with self._lock:
            with self._gateway.transaction(write=False) as tx:
                people = tx.rows(
                    "SELECT * FROM {skill_people} WHERE seq > %s ORDER BY seq",
                    (self._people_seq,),
                )
                levels = tx.rows(
                    "SELECT employee_id, skill, level, seq FROM {skill_levels} WHERE seq > %s"
                    " ORDER BY seq",
                    (self._levels_seq,),
                )
            for row in people:
                self._person(row)
                self._people_seq = max(self._people_seq, int(row["seq"]))
            if people:
                self._changes += 1
            if levels:
                self._grow({row["skill"] for row in levels})
            for row in levels:
                person = self._row_of.get(row["employee_id"])
                if person is not None:
                    self._levels[person, self._col_of[row["skill"]]] = row["level"]
                self._levels_seq = max(self._levels_seq, int(row["seq"]))

    def _person(self, row: dict[str, object]) -> None:
        facts = PersonFacts(
            employee_id=str(row["employee_id"]),
            role_id=str(row["role_id"]),
            department=str(row["department"]),
            manager_id=None if row["manager_id"] is None else str(row["manager_id"]),
            location=str(row["location"]),
            years_experience=int(row["years_experience"]),  # type: ignore[call-overload]
            language=str(row["language"]),
            active=bool(row["active"]),
            sharing=bool(row["sharing"]),
        )
        found = self._row_of.get(facts.employee_id)
        if found is not None:
            self.people[found] = facts
            return
        self._row_of[facts.employee_id] = len(self.people)
        self.people.append(facts)
        if len(self.people) > self._levels.shape[0]:
            rows = max(64, 2 * self._levels.shape[0])
            grown = np.zeros((rows, self._levels.shape[1]), dtype=np.float32)
            grown[: self._levels.shape[0]] = self._levels
            self._levels = grown

    def _grow(self, skills: set[str]) -> None:
        new = sorted(skills - self._col_of.keys())
        if not new:
            return
        for skill in new:
            self._col_of[skill] = len(self._col_of)
        if len(self._col_of) > self._levels.shape[1]:
            columns = max(len(self._col_of), 2 * self._levels.shape[1], 16)
            grown = np.zeros((self._levels.shape[0], columns), dtype=np.float32)
            grown[:, : self._levels.shape[1]] = self._levels
            self._levels = grown

    def _derive(self) -> None:
        """Rebuild what is derived from ``people`` once after each change (under the lock)."""
        if self._derived_for == self._changes:
            return
        people = self.people
        self._open = np.array([p.active and p.sharing for p in people], dtype=bool)
        codes: dict[str, int] = {}
        self._role_codes = np.array(
            [codes.setdefault(p.role_id, len(codes)) for p in people], dtype=np.int32
        )
        self._code_of = codes
        reports: dict[str, list[int]] = {}
        for row, p in enumerate(people):
            if p.active and p.manager_id is not None:
                reports.setdefault(p.manager_id, []).append(row)
        self._reports = reports
        self._derived_for = self._changes

    # -- questions ----------------------------------------------------------------------

    def open_outside(self, role_id: str) -> npt.NDArray[np.bool_]:
        """Per person: active, sharing their profile and not holding ``role_id``."""
        with self._lock:
            self._derive()
            code = self._code_of.get(role_id, -1)
            found: npt.NDArray[np.bool_] = self._open & (self._role_codes != code)
            return found

    def reports_of(self, manager_id: str) -> list[PersonFacts]:
        """The manager's active direct reports."""
        with self._lock:
            self._derive()
            return [self.people[row] for row in self._reports.get(manager_id, [])]

    def level_rows(self, employee_ids: list[str], skills: list[str]) -> list[list[int]]:
        """Levels of each person (rows) in each skill (columns), as plain ints."""
        rows = [self._row_of.get(e, -1) for e in employee_ids]
        found = np.zeros((len(rows), len(skills)), dtype=np.int64)
        columns = [(j, self._col_of[s]) for j, s in enumerate(skills) if s in self._col_of]
        known = [i for i, row in enumerate(rows) if row >= 0]
        if known and columns:
            picked = self._levels[np.ix_([rows[i] for i in known], [c for _, c in columns])]
            found[np.ix_(known, [j for j, _ in columns])] = picked
        result: list[list[int]] = found.tolist()
        return result

    def level(self, employee_id: str, skill: str) -> int:
        row, col = self._row_of.get(employee_id), self._col_of.get(skill)
        return 0 if row is None or col is None else int(self._levels[row, col])

    def levels_of(self, employee_id: str, skills: list[str]) -> dict[str, int]:
        return {skill: self.level(employee_id, skill) for skill in skills}

    def readiness(self, needs: list[Requirement]) -> npt.NDArray[np.float64]:
        """Every person's readiness for these needs: the importance-weighted share of each
        required level they reach (1.0: every requirement met)."""
        count = len(self.people)
        needs = [n for n in needs if n.level > 0]
        if not needs:
            return np.ones(count)
        required = np.array([n.level for n in needs], dtype=np.float32)
        weights = np.array([n.importance for n in needs], dtype=np.float64)
        columns = [self._col_of.get(n.skill) for n in needs]
        held = np.zeros((count, len(needs)), dtype=np.float32)
        for i, column in enumerate(columns):
            if column is not None:
                held[:, i] = self._levels[:count, column]
        reached = np.minimum(held, required) / required
        result: npt.NDArray[np.float64] = (reached @ weights) / weights.sum()
        return result
