"""The module quality loop: after the KPI read model moves on, look at the modules that got
new feedback or drops, and flag those a revision rule fires for.

It runs after projections (a listener of committed batches), in the one process that runs
them. It is idempotent: a module already flagged by a rule, and not revised since, is not
flagged by that rule again, whether the flag is still on its way through the read model or
already in it.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from app.aggregates import SYSTEM, DomainError
from app.application import Skillpath
from app.kpis.revision import Drop, Feedback, Finding, findings, rule_of
from app.persistence import SqlGateway, Transaction

log = logging.getLogger(__name__)
REVISION_ACTOR = SYSTEM


class RevisionPolicy:
    """Flags modules for revision from their recent ratings, sentiment and drop-off."""

    def __init__(self, app: Skillpath, gateway: SqlGateway) -> None:
        self._app = app
        self._gateway = gateway
        self._seen_until = ""
        self._lock = threading.Lock()

    def after_batch(self, _position: int) -> None:
        """Listener of the projection runner: check modules changed since the last call."""
        if not self._lock.acquire(blocking=False):
            return  # a check is running; the next batch picks up what it misses
        try:
            self.check(datetime.now(UTC).date())
        finally:
            self._lock.release()

    def check(self, today: date) -> list[tuple[str, Finding]]:
        """Flag every changed module a rule fires for; returns what was flagged."""
        with self._gateway.transaction(write=False) as tx:
            changed = tx.rows(
                "SELECT module_id, minutes, revised_day, changed_at FROM {kpi_modules}"
                " WHERE changed_at > %s AND status <> 'retired' ORDER BY changed_at",
                (self._seen_until,),
            )
            candidates = [(row, self._findings(tx, row, today)) for row in changed]
        flagged: list[tuple[str, Finding]] = []
        for row, found in candidates:
            for finding in found:
                if self._flag(row["module_id"], finding):
                    flagged.append((row["module_id"], finding))
        if changed:
            self._seen_until = max(r["changed_at"] for r in changed)
        return flagged

    def _findings(self, tx: Transaction, module: dict[str, Any], today: date) -> list[Finding]:
        module_id = module["module_id"]
        # A revision starts afresh: only what learners said and did since then counts.
        since = module["revised_day"] or ""
        open_rules = {
            r["rule"]
            for r in tx.rows(
                "SELECT rule FROM {kpi_revision_flags} WHERE module_id = %s AND open = 1",
                (module_id,),
            )
        }
        feedback = [
            Feedback(date.fromisoformat(r["day"]), int(r["rating"]), r["sentiment"])
            for r in tx.rows(
                "SELECT day, rating, sentiment FROM {kpi_feedback} WHERE module_id = %s"
                " AND day >= %s",
                (module_id, since),
            )
        ]
        drops = [
            Drop(date.fromisoformat(r["dropped_day"]), float(r["drop_position"]))
            for r in tx.rows(
                "SELECT dropped_day, drop_position FROM {kpi_attempts} WHERE module_id = %s"
                " AND drop_position IS NOT NULL AND dropped_day >= %s",
                (module_id, since),
            )
        ]
        found = findings(feedback, drops, int(module["minutes"]), today)
        return [f for f in found if f.rule not in open_rules]

    def _flag(self, module_id: str, finding: Finding) -> bool:
        try:
            module = self._app.module(UUID(module_id))
        except DomainError:
            return False
        # The read model may not show a flag written moments ago; the aggregate does.
        if module.retired or (module.flag_reason and rule_of(module.flag_reason) == finding.rule):
            return False
        try:
            self._app.flag_module_for_revision(
                module.id, reason=finding.reason, figures=finding.figures, actor=REVISION_ACTOR
            )
        except DomainError as error:
            log.info("module %s not flagged: %s", module_id, error)
            return False
        log.info("module %s flagged for revision: %s", module_id, finding.reason)
        return True
