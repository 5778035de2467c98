"""Learning statements from an LMS (xAPI), kept by statement id, and the table HR keeps of
which LMS activity is which module.

A statement's id is its aggregate id, so a re-sent statement finds itself and changes
nothing, and two saves of one id collide in the event store. The statement as stored
(its actor's address, its result) is personal: it is sealed under the employee's key and
gone on erasure; its digest, verb and module stay countable.
"""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from app.aggregates.base import Actor, PersonalData

ACTIVITY_NAMESPACE = UUID("6f1d8a34-2c1b-4c3e-9a43-5d1f0e7b9c21")


class XapiStatement(Aggregate):
    """One xAPI statement an integration sent, as it was accepted."""

    class Recorded(Aggregate.Created, PersonalData):
        personal_fields: ClassVar[frozenset[str]] = frozenset({"statement"})
        subject_field: ClassVar[str | None] = "employee_id"
        employee_id: UUID
        module_id: UUID
        verb: str
        #: SHA-256 of the statement as sent (before consent dropped anything), so a
        #: re-sent statement is recognised and a changed one is a conflict.
        digest: str
        statement: dict[str, Any]
        actor: Actor

    @event(Recorded)
    def __init__(
        self,
        employee_id: UUID,
        module_id: UUID,
        verb: str,
        digest: str,
        statement: dict[str, Any],
        actor: Actor,
    ) -> None:
        self.employee_id = employee_id
        self.module_id = module_id
        self.verb = verb
        self.digest = digest
        self.statement = statement
        self.client = actor.id

    @classmethod
    def record(
        cls,
        *,
        statement_id: UUID,
        employee_id: UUID,
        module_id: UUID,
        verb: str,
        digest: str,
        statement: dict[str, Any],
        actor: Actor,
    ) -> XapiStatement:
        return cls._create(
            cls.Recorded,
            id=statement_id,
            employee_id=employee_id,
            module_id=module_id,
            verb=verb,
            digest=digest,
            statement=statement,
            actor=actor,
        )


class ActivityMapping(Aggregate):
    """Which module an LMS activity id (an IRI) stands for; HR keeps the table."""

    class Mapped(Aggregate.Created):
        activity_id: str
        module_id: UUID
        actor: Actor

    class Remapped(Aggregate.Event):
        module_id: UUID
        actor: Actor

    @event(Mapped)
    def __init__(self, activity_id: str, module_id: UUID, actor: Actor) -> None:
        self.activity_id = activity_id
        self.module_id = module_id

    @staticmethod
    def id_for(activity_id: str) -> UUID:
        return uuid5(ACTIVITY_NAMESPACE, activity_id)

    @classmethod
    def map(cls, activity_id: str, module_id: UUID, actor: Actor) -> ActivityMapping:
        return cls._create(
            cls.Mapped,
            id=cls.id_for(activity_id),
            activity_id=activity_id,
            module_id=module_id,
            actor=actor,
        )

    @event(Remapped)
    def remap(self, module_id: UUID, actor: Actor) -> None:
        self.module_id = module_id
