"""The module catalogue: what can be learned, its skills, and whether it is still offered."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.aggregates import LearningModule
from app.persistence import SqlGateway, Transaction
from app.projections.engine import Projection, handles
from app.projections.paging import Page, page_query


class ModuleCatalogueProjection(Projection):
    name = "module_catalogue"
    tables = ("module_skills", "modules")
    ddl = (
        "CREATE TABLE IF NOT EXISTS {modules} ("
        " id TEXT PRIMARY KEY, seq BIGINT NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL,"
        " topics TEXT NOT NULL, skills TEXT NOT NULL, difficulty INTEGER NOT NULL,"
        " media_type TEXT NOT NULL, minutes INTEGER NOT NULL, language TEXT NOT NULL,"
        " prerequisite_ids TEXT NOT NULL, status TEXT NOT NULL, flag_reason TEXT,"
        " retire_reason TEXT, revision INTEGER NOT NULL, search_text TEXT NOT NULL,"
        " published_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
        "CREATE UNIQUE INDEX IF NOT EXISTS modules_seq ON {modules} (seq)",
        "CREATE TABLE IF NOT EXISTS {module_skills} ("
        " module_id TEXT NOT NULL, skill TEXT NOT NULL, level INTEGER NOT NULL,"
        " PRIMARY KEY (module_id, skill))",
        "CREATE INDEX IF NOT EXISTS module_skills_skill ON {module_skills} (skill, module_id)",
    )

    @handles(LearningModule.Published)
    def published(self, e: LearningModule.Published, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {modules} (id, seq, title, description, topics, skills, difficulty,"
            " media_type, minutes, language, prerequisite_ids, status, revision, search_text,"
            " published_at, updated_at) VALUES (%s, (SELECT COALESCE(MAX(seq), 0) + 1 FROM"
            " {modules}), %s, %s, %s, %s, %s, %s, %s, %s, %s, 'published', 0, %s, %s, %s)",
            (str(e.originator_id), *_content(e), e.timestamp.isoformat(), e.timestamp.isoformat()),
        )
        self._set_skills(tx, str(e.originator_id), e.skills)

    @handles(LearningModule.Revised)
    def revised(self, e: LearningModule.Revised, tx: Transaction) -> None:
        tx.execute(
            "UPDATE {modules} SET title = %s, description = %s, topics = %s, skills = %s,"
            " difficulty = %s, media_type = %s, minutes = %s, language = %s,"
            " prerequisite_ids = %s, search_text = %s, status = 'published', flag_reason = NULL,"
            " revision = revision + 1, updated_at = %s WHERE id = %s",
            (*_content(e), e.timestamp.isoformat(), str(e.originator_id)),
        )
        self._set_skills(tx, str(e.originator_id), e.skills)

    def _set_skills(self, tx: Transaction, module_id: str, skills: dict[str, int]) -> None:
        tx.execute("DELETE FROM {module_skills} WHERE module_id = %s", (module_id,))
        tx.executemany(
            "INSERT INTO {module_skills} (module_id, skill, level) VALUES (%s, %s, %s)",
            [(module_id, skill, level) for skill, level in skills.items()],
        )

    @handles(LearningModule.FlaggedForRevision)
    def flagged(self, e: LearningModule.FlaggedForRevision, tx: Transaction) -> None:
        tx.execute(
            "UPDATE {modules} SET status = 'flagged', flag_reason = %s, updated_at = %s"
            " WHERE id = %s",
            (e.reason, e.timestamp.isoformat(), str(e.originator_id)),
        )

    @handles(LearningModule.Retired)
    def retired(self, e: LearningModule.Retired, tx: Transaction) -> None:
        tx.execute(
            "UPDATE {modules} SET status = 'retired', retire_reason = %s, updated_at = %s"
            " WHERE id = %s",
            (e.reason, e.timestamp.isoformat(), str(e.originator_id)),
        )


def _content(e: LearningModule.Published | LearningModule.Revised) -> tuple[Any, ...]:
    search = " ".join([e.title, e.description, *e.topics, *e.skills]).lower()
    return (
        e.title, e.description, json.dumps(e.topics), json.dumps(e.skills), e.difficulty,
        e.media_type, e.minutes, e.language, json.dumps([str(p) for p in e.prerequisite_ids]),
        search,
    )  # fmt: skip


@dataclass(frozen=True)
class ModuleRow:
    """One module as the catalogue knows it."""

    id: str
    seq: int
    title: str
    description: str
    topics: list[str]
    skills: dict[str, int]
    difficulty: int
    media_type: str
    minutes: int
    language: str
    prerequisite_ids: list[str]
    status: str
    flag_reason: str | None
    retire_reason: str | None
    revision: int
    published_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ModuleRow:
        row = dict(row)
        row.pop("search_text", None)
        for column in ("topics", "skills", "prerequisite_ids"):
            row[column] = json.loads(row[column])
        return cls(**row)


class ModuleCatalogue:
    """Queries over the catalogue read model."""

    def __init__(self, gateway: SqlGateway) -> None:
        self._gateway = gateway

    def get_many(self, ids: Sequence[str]) -> dict[str, ModuleRow]:
        if not ids:
            return {}
        marks = ", ".join(["%s"] * len(ids))
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(f"SELECT * FROM {{modules}} WHERE id IN ({marks})", list(ids))
        return {row["id"]: ModuleRow.from_row(row) for row in rows}

    def get(self, module_id: str) -> ModuleRow | None:
        return self.get_many([module_id]).get(module_id)

    def page(
        self,
        *,
        first: int,
        after: int | None,
        skill: str | None = None,
        search: str | None = None,
        include_retired: bool = False,
        last: int | None = None,
        before: int | None = None,
        count: bool = True,
    ) -> Page[ModuleRow]:
        filters: dict[str, Any] = {
            "id IN (SELECT module_id FROM {module_skills} WHERE skill = %s)": (
                skill.strip().lower() if skill else None
            ),
            "search_text LIKE %s": f"%{_escape_like(search.strip().lower())}%" if search else None,
            "status <> %s": None if include_retired else "retired",
        }
        return page_query(
            self._gateway, "modules", filters, first, after, ModuleRow.from_row,
            last=last, before=before, count=count,
        )  # fmt: skip


def _escape_like(term: str) -> str:
    # The search term is matched literally: % and _ are not wildcards for the user.
    return term.replace("%", "").replace("_", " ")
