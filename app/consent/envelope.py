"""The event mapper that seals personal fields with their subject's key.

Event classes keep their shape: the fields declared by ``PersonalData.personal_fields`` are
taken out of the stored state and put, sealed with AES-GCM under the subject's key, into one
envelope entry. Everything else (ids, versions, timestamps, module references) stays in
clear, so the log keeps its order and KPIs stay countable. Reading an event whose key was
erased gives the ``ERASED`` marker in those fields, never an exception, so projections and
replays carry on.
"""

from __future__ import annotations

import base64
import logging
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Cipher, Compressor, Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic

from app.aggregates.base import PersonalData
from app.consent.cipher import SealBroken

if TYPE_CHECKING:  # the key store is an adapter; the envelope only uses its interface
    from app.keystore import SubjectKeys

log = logging.getLogger(__name__)

#: What a personal text field reads as once its subject's key is deleted.
ERASED = "[erased]"
#: What it reads as when the sealed bytes were altered (the integrity check names the event).
UNREADABLE = "[unreadable]"
ENVELOPE = "_personal"


def personal_fields(event_class: type) -> frozenset[str]:
    if isinstance(event_class, type) and issubclass(event_class, PersonalData):
        return event_class.personal_fields
    return frozenset()


def subject_of(event: Any) -> str:
    """The person an event's personal fields are about (the aggregate id by default)."""
    field = getattr(type(event), "subject_field", None)
    return str(getattr(event, field) if field else event.originator_id)


def is_erased(value: Any) -> bool:
    return bool(value == ERASED or value == [ERASED])


@lru_cache(maxsize=512)
def _shape(event_class: type, field: str) -> str:
    """``list``, ``dict`` or ``text``: the declared shape of a personal field."""
    for klass in event_class.__mro__:
        annotation = vars(klass).get("__annotations__", {}).get(field)
        if annotation is not None:
            text = annotation if isinstance(annotation, str) else repr(annotation)
            return next((s for s in ("list", "dict") if text.startswith(s)), "text")
    return "text"


def marker_for(event_class: type, field: str, marker: str = ERASED) -> Any:
    """The marker in the field's declared shape, so code reading a list still gets one."""
    shape = _shape(event_class, field)
    if shape == "list":
        return [marker]
    return {} if shape == "dict" else marker


def _context(originator_id: Any, version: int, topic: str) -> bytes:
    # Binds the sealed bytes to their event: they cannot be moved into another one.
    return f"event/{originator_id}/{version}/{topic}".encode()


class PersonalDataMapper(Mapper[UUID]):
    """A Mapper that seals personal fields per subject and opens them when reading."""

    def __init__(
        self,
        transcoder: Transcoder,
        keys: SubjectKeys,
        compressor: Compressor | None = None,
        cipher: Cipher | None = None,
    ) -> None:
        super().__init__(transcoder, compressor, cipher)
        self.keys = keys

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        event_class = type(domain_event)
        fields = personal_fields(event_class)
        if not fields:
            return super().to_stored_event(domain_event)
        topic = get_topic(event_class)
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        class_version = getattr(event_class, "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        # Empty values say nothing about anyone; left in clear, they read back as they were.
        personal = {name: state.pop(name) for name in sorted(fields) if state.get(name)}
        if not personal:
            return super().to_stored_event(domain_event)
        subject = subject_of(domain_event)
        envelope: dict[str, Any] = {"subject": subject, "fields": sorted(personal)}
        sealer = self.keys.for_writing(subject)
        if sealer is None:
            # The subject was erased: their personal data is not stored again.
            envelope["erased"] = True
        else:
            sealed = sealer.seal(
                self.transcoder.encode(personal),
                _context(originator_id, originator_version, topic),
            )
            envelope["sealed"] = base64.b64encode(sealed).decode()
        state[ENVELOPE] = envelope
        stored_state = self.transcoder.encode(state)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=topic,
            state=stored_state,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        domain_event = super().to_domain_event(stored_event)
        state = domain_event.__dict__
        envelope = state.pop(ENVELOPE, None)
        if envelope is not None:
            context = _context(
                stored_event.originator_id, stored_event.originator_version, stored_event.topic
            )
            state.update(self._open(type(domain_event), envelope, context))
        return domain_event

    def _open(self, event_class: type, envelope: dict[str, Any], context: bytes) -> dict[str, Any]:
        fields: list[str] = envelope["fields"]
        sealed = envelope.get("sealed")
        sealer = None if sealed is None else self.keys.for_reading(envelope["subject"])
        if sealed is None or sealer is None:
            return {name: marker_for(event_class, name) for name in fields}
        try:
            opened: dict[str, Any] = self.transcoder.decode(
                sealer.open(base64.b64decode(sealed), context)
            )
        except SealBroken:
            log.error("personal fields of %s do not open: altered in storage?", context.decode())
            return {name: marker_for(event_class, name, UNREADABLE) for name in fields}
        return opened
