"""What auditors, data-protection officers and employees ask of the record: the history,
state as of a time, exports and the integrity of the log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from app.application import Skillpath
from app.audit.chain import ChainedLog, IntegrityReport, verify_chain
from app.audit.decisions import DecisionCheck, check_decision
from app.audit.history import History
from app.consent.export import ExportScreen, SubjectExport
from app.persistence import SqlGateway
from app.projections.engine import ProjectionRunner
from app.projections.subject_streams import SubjectStreams


@dataclass
class Audit:
    """Exports and integrity checks over one application's event store."""

    app: Skillpath
    runner: ProjectionRunner
    streams: SubjectStreams
    history: History

    @classmethod
    def build(cls, app: Skillpath, gateway: SqlGateway, runner: ProjectionRunner) -> Audit:
        return cls(app, runner, SubjectStreams(gateway), History(app))

    def export_subject(
        self, employee_id: UUID, screen: ExportScreen | None = None
    ) -> dict[str, Any]:
        """Everything held about the employee, decrypted, as one JSON-ready document; with
        a ``screen``, only what the access policy lets its caller read.

        The streams come from a read model: callers let it reach the log's head first.
        """
        streams = [(s.stream_id, s.kind) for s in self.streams.of(str(employee_id))]
        return SubjectExport(self.app, screen).build(employee_id, streams)

    def check_decision(self, decision_id: UUID) -> DecisionCheck:
        """Recompute the hash of a served list's recorded inputs and compare it with the
        hash recorded with them (app/audit/decisions.py)."""
        return check_decision(self.app, decision_id)

    def verify(self, progress: Callable[[int], None] | None = None) -> IntegrityReport:
        """Walk the hash chain from the first event; the read models' position shows a
        log that lost its tail."""
        seen = max(self.runner.positions().values(), default=0)
        log = cast(ChainedLog, self.app.recorder)
        return verify_chain(log, self.app.chain_key, seen_up_to=seen, progress=progress)
