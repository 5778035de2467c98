"""Internal projects and gigs, open or closed, with the skills they need."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.aggregates.opportunity import Opportunity
from app.persistence import SqlGateway, Transaction
from app.projections.engine import Projection, handles


class OpportunityProjection(Projection):
    name = "opportunities"
    tables = ("opportunities",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS {opportunities} (id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
        " title TEXT NOT NULL, description TEXT NOT NULL, department TEXT NOT NULL,"
        " required_skills TEXT NOT NULL, hours_per_week INTEGER NOT NULL,"
        " status TEXT NOT NULL, published_at TEXT NOT NULL)",
    )

    @handles(Opportunity.OpportunityPublished)
    def published(self, e: Opportunity.OpportunityPublished, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {opportunities} (id, kind, title, description, department,"
            " required_skills, hours_per_week, status, published_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, 'open', %s)",
            (
                str(e.originator_id), e.kind, e.title, e.description, e.department,
                json.dumps(e.required_skills), e.hours_per_week, e.timestamp.isoformat(),
            ),
        )  # fmt: skip

    @handles(Opportunity.OpportunityClosed)
    def closed(self, e: Opportunity.OpportunityClosed, tx: Transaction) -> None:
        tx.execute(
            "UPDATE {opportunities} SET status = 'closed' WHERE id = %s", (str(e.originator_id),)
        )


@dataclass(frozen=True)
class OpportunityRow:
    id: str
    kind: str
    title: str
    description: str
    department: str
    required_skills: list[dict[str, Any]]
    hours_per_week: int
    status: str
    published_at: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> OpportunityRow:
        row = dict(row)
        row["required_skills"] = json.loads(row["required_skills"])
        return cls(**row)


class OpportunityBoard:
    """Queries over internal projects and gigs."""

    def __init__(self, gateway: SqlGateway) -> None:
        self._gateway = gateway

    def open(self) -> list[OpportunityRow]:
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                "SELECT * FROM {opportunities} WHERE status = 'open' ORDER BY published_at, id"
            )
        return [OpportunityRow.from_row(r) for r in rows]

    def get(self, opportunity_id: str) -> OpportunityRow | None:
        with self._gateway.transaction(write=False) as tx:
            row = tx.row("SELECT * FROM {opportunities} WHERE id = %s", (opportunity_id,))
        return None if row is None else OpportunityRow.from_row(row)
