"""Data export (GDPR Art. 20): everything Skillpath holds about one employee, as one document.

Read from the event streams about the employee (decrypted with their key), not from read
models, so the export is complete and shows what is stored, including history that read
models summarise away. An erased employee's export shows the erasure and the markers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol
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


class ExportScreen(Protocol):
    """What the caller may read of the subject's record (the access policy's screen)."""

    def prepare(self, events: Iterable[tuple[str, Any]]) -> None: ...

    def subject_of(self, stream_id: str, event: Any) -> str | None: ...

    def shows(self, subject: str | None, event: Any) -> bool: ...

    def readable(self, subject: str | None, event: Any, field: str) -> bool: ...

    def profile_readable(self, subject: str, field: str) -> bool: ...

    def withheld(self, subject: str) -> dict[str, str]: ...


class Complete:
    """The whole record: the subject's own export, and the operators' command line."""

    def prepare(self, events: Iterable[tuple[str, Any]]) -> None:
        return None

    def subject_of(self, stream_id: str, event: Any) -> str | None:
        return None

    def shows(self, subject: str | None, event: Any) -> bool:
        return True

    def readable(self, subject: str | None, event: Any, field: str) -> bool:
        return True

    def profile_readable(self, subject: str, field: str) -> bool:
        return True

    def withheld(self, subject: str) -> dict[str, str]:
        return {}


class SubjectExport:
    """Builds the export of one employee from the streams an index names."""

    def __init__(self, app: Application[UUID], screen: ExportScreen | None = None) -> None:
        self._app = app
        self._screen: ExportScreen = screen or Complete()

    def _entry(self, event: Any) -> dict[str, Any]:
        return {
            "type": event_type(event),
            "version": event.originator_version,
            "recordedAt": event.timestamp.isoformat(),
            **self._payload(event),
        }

    def _payload(self, event: Any) -> dict[str, Any]:
        """The event's fields as the caller may read them."""
        subject = self._screen.subject_of(str(event.originator_id), event)
        return event_payload(event, readable=lambda f: self._screen.readable(subject, event, f))

    def _answer(self, event: Any) -> dict[str, Any]:
        shown = self._payload(event)
        return {"answer": shown["answer"], "comment": shown["comment"],
                "answeredAt": event.occurred_at.isoformat()}  # fmt: skip

    def _shown(self, events: list[Any]) -> list[Any]:
        """The events the caller may see (all of them for the subject)."""
        screen = self._screen
        screen.prepare((str(e.originator_id), e) for e in events)
        return [e for e in events if screen.shows(screen.subject_of(str(e.originator_id), e), e)]

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
        subject = str(employee_id)
        screen = self._screen
        shown = self._shown(employee_events)
        document: dict[str, Any] = {
            "format": FORMAT,
            "employeeId": subject,
            "exportedAt": datetime.now(UTC).isoformat(),
            "withheld": screen.withheld(subject),
            "erasure": _erasure(ledger_events) if self._shown(ledger_events) else None,
            "profile": {
                name: plain(getattr(employee, name, None))
                for name in _PROFILE
                if screen.profile_readable(subject, name)
            },
            "profileHistory": [self._entry(e) for e in shown],
            "consentHistory": [self._entry(e) for e in self._shown(ledger_events)],
            "enrolments": [],
            "feedback": [],
            "assessments": {
                "skills": [self._entry(e) for e in shown if isinstance(e, Employee.SkillAssessed)],
                "quizzes": [],
            },
            "recommendations": [],
        }
        for stream_id, kind in streams:
            if kind == "enrollment":
                self._enrolment(document, UUID(stream_id))
            elif kind == "recommendation":
                recommendation = self._recommendation(UUID(stream_id))
                if recommendation is not None:
                    document["recommendations"].append(recommendation)
        return document

    def _enrolment(self, document: dict[str, Any], enrollment_id: UUID) -> None:
        events = self._shown(self._events(enrollment_id))
        if not events:
            return
        first = events[0]
        assert isinstance(first, Enrollment.Enrolled)
        module = {"moduleId": str(first.module_id), "moduleTitle": self._title(first.module_id)}
        entries = [self._entry(e) for e in events]
        document["enrolments"].append(
            {"enrollmentId": str(enrollment_id), **module, "events": entries}
        )
        for event in events:
            if isinstance(event, Enrollment.FeedbackGiven):
                document["feedback"].append({"enrollmentId": str(enrollment_id), **module,
                                             **self._entry(event)})  # fmt: skip
            elif isinstance(event, Enrollment.QuizAttempted):
                document["assessments"]["quizzes"].append(
                    {"enrollmentId": str(enrollment_id), **module, **self._entry(event)}
                )

    def _recommendation(self, decision_id: UUID) -> dict[str, Any] | None:
        events = self._events(decision_id)
        if not self._shown(events[:1]):
            return None
        issued, *answers = events
        assert isinstance(issued, RecommendationDecision.RecommendationIssued)
        answered = {a.module_id: self._answer(a) for a in answers
                    if isinstance(a, RecommendationDecision.RecommendationAnswered)}  # fmt: skip
        shown = self._payload(issued)
        reasons = shown["reasons"]
        per_item = isinstance(reasons, list) and len(reasons) == len(issued.module_ids)
        return {
            "decisionId": str(decision_id),
            "issuedAt": issued.occurred_at.isoformat(),
            "modelVersion": issued.model_version,
            "consentBasis": issued.consent_basis,
            "goal": shown["goal"],
            # What the list was computed from, and the hash recorded with it (docs/trust.md).
            "inputs": shown.get("inputs"),
            "inputsHash": shown.get("inputs_hash") or None,
            "items": [
                {
                    "moduleId": str(module_id),
                    "moduleTitle": self._title(module_id),
                    "score": issued.scores[rank],
                    # After erasure (or redaction) the reasons are one marker for the list.
                    "reasons": reasons[rank] if per_item else reasons,
                    "answer": answered.get(module_id),
                }
                for rank, module_id in enumerate(issued.module_ids)
            ],
        }


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
