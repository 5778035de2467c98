"""What one viewer may read of recorded events: the access policy applied to the record.

History, the event log and exports show events as they were stored. Which events a viewer
sees, and which of their fields, follows ``app/access/`` like every other read: an event
belongs to the person its stream is about, each field to a facet of that person.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from app import access
from app.access import Subject, Viewer
from app.audit.payload import event_type
from app.consent.envelope import personal_fields
from app.subjects import Subjects

#: The subject of a person's event whose stream is not indexed yet: no facts, so it shows
#: only what a viewer sees of anyone without consent.
UNINDEXED = "unindexed"


class EventScreen(Protocol):
    """Decides, per event and field, what the caller reads."""

    def prepare(self, events: Iterable[tuple[str, Any]]) -> None:
        """Learn about the subjects of these (stream id, event) pairs, in one batch."""

    def subject_of(self, stream_id: str, event: Any) -> str | None: ...

    def shows(self, subject: str | None, event: Any) -> bool: ...

    def readable(self, subject: str | None, event: Any, field: str) -> bool: ...


class PolicyScreen:
    """The access policy for one viewer, with the facts of the subjects met so far."""

    def __init__(self, viewer: Viewer, subjects: Subjects) -> None:
        self.viewer = viewer
        self._subjects = subjects
        self._owners: dict[str, str | None] = {}
        self._facts: dict[str, Subject] = {UNINDEXED: Subject(UNINDEXED)}

    def prepare(self, events: Iterable[tuple[str, Any]]) -> None:
        pairs = list(events)
        streams = [s for s, _ in pairs if s not in self._owners]
        owners = self._subjects.owners_of_streams(streams)
        for stream_id, event in pairs:
            if stream_id not in self._owners:
                self._owners[stream_id] = owners.get(stream_id) or _named_subject(event)
        people = {o for o in self._owners.values() if o is not None and o not in self._facts}
        self._facts.update(self._subjects.facts_many(people))

    def subject_of(self, stream_id: str, event: Any) -> str | None:
        if stream_id not in self._owners:
            self.prepare([(stream_id, event)])
        owner = self._owners.get(stream_id)
        if owner is None and access.event_facets(event_type(event)) is not None:
            return UNINDEXED
        return owner

    def _subject(self, subject: str) -> Subject:
        found = self._facts.get(subject)
        if found is None:
            found = self._facts[subject] = self._subjects.subject(subject)
        return found

    def shows(self, subject: str | None, event: Any) -> bool:
        if subject is None:
            return True
        return access.event_seen(self.viewer, self._subject(subject), event_type(event))

    def readable(self, subject: str | None, event: Any, field: str) -> bool:
        if subject is None:
            return True
        sealed = field in personal_fields(type(event))
        return access.event_field_seen(
            self.viewer, self._subject(subject), event_type(event), field, sealed=sealed
        )

    def profile_readable(self, subject: str, field: str) -> bool:
        """Whether the caller may read one field of the subject's profile in an export."""
        head, *rest = field.split("_")
        name = head + "".join(part.title() for part in rest)
        return access.field_seen(self.viewer, self._subject(subject), "EmployeeState", name).visible

    def withheld(self, subject: str) -> dict[str, str]:
        """The facets left out of what the caller reads of the subject, and why."""
        return {
            facet.value: seen.reason
            for facet, seen in access.facets_seen(self.viewer, self._subject(subject)).items()
            if not seen.visible
        }


def _named_subject(event: Any) -> str | None:
    """The person an event names itself (an employee's own events, an enrolment's first
    event, an email claim)."""
    if event_type(event).startswith("Employee."):
        return str(event.originator_id)
    employee_id = getattr(event, "employee_id", None)
    return None if employee_id is None else str(employee_id)
