"""Per-module insights (completion, where learners give up, ratings, sentiment) and the
modules flagged for revision, read from the KPI read model."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.access import too_few_to_show
from app.kpis import figures as f
from app.kpis.figures import Bucket, Figure
from app.kpis.windows import Window
from app.persistence import SqlGateway
from app.projections.kpi_book import kpi_position


@dataclass(frozen=True)
class RevisionFlag:
    """An open request to revise a module: why, and the figures that triggered it."""

    module_id: str
    title: str
    rule: str | None
    reason: str
    figures: dict[str, float]
    flagged_at: str


@dataclass(frozen=True)
class ModuleInsights:
    module_id: str
    title: str
    minutes: int
    status: str
    window: Window
    position: int
    learners: int | None
    suppressed: bool
    completion_rate: Figure | None
    drop_off_minutes: Figure | None
    #: Dropped enrolments by the minute they stopped at, in buckets; empty when suppressed.
    drop_off_distribution: list[Bucket]
    average_rating: Figure | None
    feedback_sentiment: Figure | None
    open_flags: list[RevisionFlag]


class ModuleInsightsBook:
    """Reads module insights; figures on fewer than ``min_group_size`` people are hidden."""

    def __init__(self, gateway: SqlGateway, min_group_size: int) -> None:
        self._gateway = gateway
        self.min_group_size = min_group_size

    def insights(
        self, module_id: str, window: Window, bucket_minutes: float
    ) -> ModuleInsights | None:
        span = (window.start.isoformat(), window.end.isoformat())
        with self._gateway.transaction(write=False) as tx:
            position = kpi_position(tx)
            module = tx.row("SELECT * FROM {kpi_modules} WHERE module_id = %s", (module_id,))
            if module is None:
                return None
            attempts = tx.rows(
                "SELECT employee_id, completed_day FROM {kpi_attempts} WHERE module_id = %s"
                " AND enrolled_day BETWEEN %s AND %s",
                (module_id, *span),
            )
            drops = tx.rows(
                "SELECT employee_id, drop_position FROM {kpi_attempts} WHERE module_id = %s"
                " AND dropped_day BETWEEN %s AND %s AND drop_position IS NOT NULL",
                (module_id, *span),
            )
            feedback = tx.rows(
                "SELECT employee_id, rating, sentiment FROM {kpi_feedback} WHERE module_id = %s"
                " AND day BETWEEN %s AND %s",
                (module_id, *span),
            )
            learners = {
                r["employee_id"]
                for r in tx.rows(
                    "SELECT DISTINCT employee_id FROM {kpi_activity} WHERE module_id = %s"
                    " AND day BETWEEN %s AND %s",
                    (module_id, *span),
                )
            }
            flags = self._flags(
                tx.rows(
                    "SELECT * FROM {kpi_revision_flags} WHERE module_id = %s AND open = 1"
                    " ORDER BY version",
                    (module_id,),
                ),
                {module_id: module["title"]},
            )
        k = self.min_group_size
        learners |= {r["employee_id"] for r in attempts + feedback}
        suppressed = too_few_to_show(len(learners), k)
        positions = [float(r["drop_position"]) for r in drops]
        drop_people = len({r["employee_id"] for r in drops})
        scored = [r for r in feedback if r["sentiment"] is not None]
        completed = sum(1 for r in attempts if r["completed_day"] is not None)
        people = len({r["employee_id"] for r in attempts})

        def hide(figure: Figure) -> Figure | None:
            return None if suppressed else f.suppress(figure, k)

        return ModuleInsights(
            module_id=module_id,
            title=module["title"],
            minutes=module["minutes"],
            status=module["status"],
            window=window,
            position=position,
            learners=None if suppressed else len(learners),
            suppressed=suppressed,
            completion_rate=hide(f.completion_rate(completed, len(attempts), people)),
            drop_off_minutes=hide(f.median_figure(positions, drop_people)),
            drop_off_distribution=[]
            if suppressed or too_few_to_show(drop_people, k)
            else f.distribution(positions, bucket_minutes),
            average_rating=hide(
                f.mean_figure(
                    [float(r["rating"]) for r in feedback],
                    len({r["employee_id"] for r in feedback}),
                )
            ),
            feedback_sentiment=hide(
                f.mean_figure(
                    [float(r["sentiment"]) for r in scored], len({r["employee_id"] for r in scored})
                )
            ),
            open_flags=flags,
        )

    def needing_revision(self) -> list[RevisionFlag]:
        """Open revision flags of modules still offered, oldest first."""
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                "SELECT f.*, m.title FROM {kpi_revision_flags} f JOIN {kpi_modules} m"
                " ON m.module_id = f.module_id WHERE f.open = 1 AND m.status <> 'retired'"
                " ORDER BY f.flagged_at, f.module_id, f.version"
            )
        return self._flags(rows, {r["module_id"]: r["title"] for r in rows})

    @staticmethod
    def _flags(rows: list[dict[str, Any]], titles: dict[str, str]) -> list[RevisionFlag]:
        return [
            RevisionFlag(
                module_id=r["module_id"],
                title=titles[r["module_id"]],
                rule=r["rule"],
                reason=r["reason"],
                figures=json.loads(r["figures"]),
                flagged_at=r["flagged_at"],
            )
            for r in rows
        ]
