"""Data export (GDPR Art. 20): everything Skillpath holds about one employee, as one document.

Read from the event streams about the employee (decrypted with their key), not from read
models, so the export is complete and shows what is stored, including history that read
models summarise away. An erased employee's export shows the erasure and the markers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application

from app.aggregates import Employee, Enrollment, LearningModule
from app.aggregates.decision import RecommendationDecision
from app.aggregates.errors import NotFound
from app.audit.payload import event_payload, event_type, plain
from app.consent.ledger import ConsentLedger

FORMAT = "skillpath-subject-export/1"
_PROFILE = (
    "name", "email", "role_id", "department", "manager_id", "location", "years_experience",
    "hire_date", "skills", "media_types", "weekly_minutes", "goals", "language",
    "productive_since", "left_on",
)  # fmt: skip


def _entry(event: Any) -> dict[str, Any]:
    return {
        "type": event_type(event),
        "version": event.originator_version,
        "recordedAt": event.timestamp.isoformat(),
        **event_payload(event),
    }


class SubjectExport:
    """Builds the export of one employee from the streams an index names."""

    def __init__(self, app: Application[UUID]) -> None:
        self._app = app

    def _events(self, stream_id: UUID) -> list[Any]:
        return list(self._app.events.get(stream_id))

    def _title(self, module_id: UUID) -> str | None:
        try:
            module: Any = self._app.repository.get(module_id)
        except AggregateNotFoundError:
            return None
        return module.content.title if isinstance(module, LearningModule) else None

    def build(self, employee_id: UUID, streams: Sequence[tuple[str, str]]) -> dict[str, Any]:
        """``streams``: (stream id, kind) pairs of kinds enrollment and recommendation."""
        employee_events = self._events(employee_id)
        if not employee_events or not isinstance(employee_events[0], Employee.Hired):
            raise NotFound("employee", str(employee_id), "employeeId")
        employee: Any = None
        for event in employee_events:
            employee = event.mutate(employee)
        ledger_events = self._events(ConsentLedger.id_for(employee_id))
        document: dict[str, Any] = {
            "format": FORMAT,
            "employeeId": str(employee_id),
            "exportedAt": datetime.now(UTC).isoformat(),
            "erasure": _erasure(ledger_events),
            "profile": {name: plain(getattr(employee, name, None)) for name in _PROFILE},
            "profileHistory": [_entry(e) for e in employee_events],
            "consentHistory": [_entry(e) for e in ledger_events],
            "enrolments": [],
            "feedback": [],
            "assessments": {
                "skills": [
                    _entry(e) for e in employee_events if isinstance(e, Employee.SkillAssessed)
                ],
                "quizzes": [],
            },
            "recommendations": [],
        }
        for stream_id, kind in streams:
            if kind == "enrollment":
                self._enrolment(document, UUID(stream_id))
            elif kind == "recommendation":
                document["recommendations"].append(self._recommendation(UUID(stream_id)))
        return document

    def _enrolment(self, document: dict[str, Any], enrollment_id: UUID) -> None:
        events = self._events(enrollment_id)
        first = events[0]
        assert isinstance(first, Enrollment.Enrolled)
        module = {"moduleId": str(first.module_id), "moduleTitle": self._title(first.module_id)}
        document["enrolments"].append(
            {"enrollmentId": str(enrollment_id), **module, "events": [_entry(e) for e in events]}
        )
        for event in events:
            if isinstance(event, Enrollment.FeedbackGiven):
                document["feedback"].append({"enrollmentId": str(enrollment_id), **module,
                                             **_entry(event)})  # fmt: skip
            elif isinstance(event, Enrollment.QuizAttempted):
                document["assessments"]["quizzes"].append(
                    {"enrollmentId": str(enrollment_id), **module, **_entry(event)}
                )

    def _recommendation(self, decision_id: UUID) -> dict[str, Any]:
        issued, *answers = self._events(decision_id)
        assert isinstance(issued, RecommendationDecision.RecommendationIssued)
        answered = {a.module_id: a for a in answers
                    if isinstance(a, RecommendationDecision.RecommendationAnswered)}  # fmt: skip
        reasons = issued.reasons if len(issued.reasons) == len(issued.module_ids) else None
        return {
            "decisionId": str(decision_id),
            "issuedAt": issued.occurred_at.isoformat(),
            "modelVersion": issued.model_version,
            "consentBasis": issued.consent_basis,
            "goal": issued.goal,
            # What the list was computed from, and the hash recorded with it (docs/trust.md).
            "inputs": plain(issued.inputs),
            "inputsHash": issued.inputs_hash or None,
            "items": [
                {
                    "moduleId": str(module_id),
                    "moduleTitle": self._title(module_id),
                    "score": issued.scores[rank],
                    # After erasure the reasons are one marker for the whole list.
                    "reasons": plain(reasons[rank]) if reasons else plain(issued.reasons),
                    "answer": _answer(answered.get(module_id)),
                }
                for rank, module_id in enumerate(issued.module_ids)
            ],
        }


def _answer(event: Any) -> dict[str, Any] | None:
    if event is None:
        return None
    return {"answer": event.answer, "comment": event.comment,
            "answeredAt": event.occurred_at.isoformat()}  # fmt: skip


def _erasure(ledger_events: list[Any]) -> dict[str, Any] | None:
    requested = next((e for e in ledger_events if isinstance(e, ConsentLedger.ErasureRequested)),
                     None)  # fmt: skip
    if requested is None:
        return None
    erased = next((e for e in ledger_events if isinstance(e, ConsentLedger.Erased)), None)
    return {
        "requestedAt": requested.occurred_at.isoformat(),
        "erasedAt": None if erased is None else erased.occurred_at.isoformat(),
    }
