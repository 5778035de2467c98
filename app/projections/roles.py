"""The competence model: roles and the skills (with levels) each requires."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.aggregates import Role
from app.persistence import SqlGateway, Transaction
from app.projections.engine import Projection, handles


class RoleProjection(Projection):
    name = "roles"
    tables = ("roles",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS {roles} ("
        " id TEXT PRIMARY KEY, seq BIGINT NOT NULL, code TEXT NOT NULL, title TEXT NOT NULL,"
        " source TEXT NOT NULL, required_skills TEXT NOT NULL, status TEXT NOT NULL,"
        " updated_at TEXT NOT NULL)",
        "CREATE UNIQUE INDEX IF NOT EXISTS roles_seq ON {roles} (seq)",
    )

    @handles(Role.RoleDefined)
    def defined(self, e: Role.RoleDefined, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {roles} (id, seq, code, title, source, required_skills, status,"
            " updated_at) VALUES (%s, (SELECT COALESCE(MAX(seq), 0) + 1 FROM {roles}), %s, %s,"
            " %s, %s, 'active', %s)",
            (
                str(e.originator_id), e.code, e.title, e.source, json.dumps(e.required_skills),
                e.timestamp.isoformat(),
            ),
        )  # fmt: skip

    @handles(Role.RoleRevised)
    def revised(self, e: Role.RoleRevised, tx: Transaction) -> None:
        tx.execute(
            "UPDATE {roles} SET title = %s, required_skills = %s, updated_at = %s WHERE id = %s",
            (e.title, json.dumps(e.required_skills), e.timestamp.isoformat(), str(e.originator_id)),
        )

    @handles(Role.RoleRetired)
    def retired(self, e: Role.RoleRetired, tx: Transaction) -> None:
        tx.execute(
            "UPDATE {roles} SET status = 'retired', updated_at = %s WHERE id = %s",
            (e.timestamp.isoformat(), str(e.originator_id)),
        )


@dataclass(frozen=True)
class RoleRow:
    id: str
    seq: int
    code: str
    title: str
    source: str
    required_skills: list[dict[str, Any]]
    status: str
    updated_at: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> RoleRow:
        row = dict(row)
        row["required_skills"] = json.loads(row["required_skills"])
        return cls(**row)


class RoleCatalogue:
    """Queries over the competence model."""

    def __init__(self, gateway: SqlGateway) -> None:
        self._gateway = gateway
        #: Decoded rows by id, each with the ``updated_at`` and status it was read at: a
        #: role's skills are decoded again only after it changed (a team asks for dozens).
        self._decoded: dict[str, tuple[tuple[str, str], RoleRow]] = {}

    def get_many(self, ids: Sequence[str]) -> dict[str, RoleRow]:
        if not ids:
            return {}
        marks = ", ".join(["%s"] * len(ids))
        with self._gateway.transaction(write=False) as tx:
            stamps = tx.rows(
                f"SELECT id, updated_at, status FROM {{roles}} WHERE id IN ({marks})", list(ids)
            )
            stale = [r["id"] for r in stamps
                     if self._decoded.get(r["id"], ((None, None),))[0]
                     != (r["updated_at"], r["status"])]  # fmt: skip
            if stale:
                marks = ", ".join(["%s"] * len(stale))
                for row in tx.rows(f"SELECT * FROM {{roles}} WHERE id IN ({marks})", stale):
                    decoded = RoleRow.from_row(row)
                    self._decoded[decoded.id] = ((decoded.updated_at, decoded.status), decoded)
        found = {}
        for r in stamps:
            cached = self._decoded.get(r["id"])
            if cached is not None:
                found[r["id"]] = cached[1]
        return found

    def get(self, role_id: str) -> RoleRow | None:
        return self.get_many([role_id]).get(role_id)

    def all(self, include_retired: bool = False) -> list[RoleRow]:
        where = "" if include_retired else " WHERE status = 'active'"
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows("SELECT * FROM {roles}" + where + " ORDER BY title, seq")
        return [RoleRow.from_row(r) for r in rows]
