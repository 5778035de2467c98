"""Suggested tags for modules, over the catalogue and role read models.

The vocabulary is rebuilt only when the catalogue or the roles change (their row count and
last update are the key), so asking for suggestions costs one scoring pass.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from app.aggregates import LearningModule
from app.competence.model import competence_model
from app.persistence import SqlGateway
from app.tagging.suggest import (
    SKILL,
    TOPIC,
    CatalogueEntry,
    RoleEntry,
    SkillEntry,
    Suggestion,
    Vocabulary,
)

#: How many suggestions of each kind a query may ask for.
MAX_LIMIT = 20


class TaggingError(ValueError):
    """A request for suggestions Skillpath refuses; ``field`` names the argument."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class TagSuggestions:
    """What Skillpath suggests for one module (or a draft), and HR's last answer."""

    module_id: str | None
    topics: list[Suggestion]
    skills: list[Suggestion]
    #: The tags the module carries now (a draft: none).
    current_topics: tuple[str, ...] = ()
    current_skills: tuple[str, ...] = ()
    #: HR's last review: ``accepted``, ``rejected``, ``added`` as ``kind:label``.
    review: dict[str, list[str]] | None = None

    def as_event(self) -> list[dict[str, Any]]:
        """The suggestions as a review event records them."""
        return [
            {"kind": s.kind, "label": s.label, "confidence": s.confidence}
            for s in self.topics + self.skills
        ]


class ModuleTagBook:
    """Queries for suggested topics and skills."""

    def __init__(self, app: Any, gateway: SqlGateway) -> None:
        self._app = app
        self._gateway = gateway
        self._lock = threading.Lock()
        self._cached: tuple[tuple[Any, ...], Vocabulary] | None = None

    def vocabulary(self) -> Vocabulary:
        """The vocabulary of the catalogue and competence model as they are now."""
        with self._gateway.transaction(write=False) as tx:
            key = tuple(
                (row["n"], row["last"])
                for row in (
                    tx.rows("SELECT COUNT(*) AS n, MAX(updated_at) AS last FROM {modules}")[0],
                    tx.rows("SELECT COUNT(*) AS n, MAX(updated_at) AS last FROM {roles}")[0],
                )
            )
            with self._lock:
                if self._cached is not None and self._cached[0] == key:
                    return self._cached[1]
            modules = tx.rows(
                "SELECT id, title, description, topics, skills FROM {modules}"
                " WHERE status <> 'retired'"
            )
            roles = tx.rows("SELECT title, required_skills FROM {roles} WHERE status <> 'retired'")
        vocabulary = Vocabulary(
            [
                CatalogueEntry(
                    r["id"],
                    r["title"],
                    r["description"],
                    json.loads(r["topics"]),
                    list(json.loads(r["skills"])),
                )
                for r in modules
            ],
            [SkillEntry(s.skill, s.title, s.description, s.framework) for s in competence_model()],
            [
                RoleEntry(r["title"], [s["skill"] for s in json.loads(r["required_skills"])])
                for r in roles
            ],
        )
        with self._lock:
            self._cached = (key, vocabulary)
        return vocabulary

    def for_draft(self, title: str, description: str, limit: int = 5) -> TagSuggestions:
        """Suggestions for a module not yet published."""
        _check_limit(limit)
        found = self.vocabulary().suggest(title, description, limit=limit)
        return TagSuggestions(None, found[TOPIC], found[SKILL])

    def for_module(self, module_id: str, limit: int = 5) -> TagSuggestions | None:
        """Suggestions for a published module (scored without its own tags), or None."""
        _check_limit(limit)
        try:
            module = self._app.repository.get(UUID(module_id))
        except AggregateNotFoundError:
            return None
        if not isinstance(module, LearningModule):
            return None
        content = module.content
        found = self.vocabulary().suggest(
            content.title, content.description, limit=limit, leave_out=module_id
        )
        return TagSuggestions(
            module_id, found[TOPIC], found[SKILL], tuple(content.topics),
            tuple(content.skills), module.tag_review,
        )  # fmt: skip


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise TaggingError("limit", f"must be between 1 and {MAX_LIMIT}")
