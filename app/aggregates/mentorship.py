"""A mentorship between two employees, from the offer to its end."""

from __future__ import annotations

from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from app.aggregates import base
from app.aggregates.base import Actor
from app.aggregates.errors import Conflict, ValidationFailed

#: peer: working on the same skill; experienced: two levels or more higher; reverse: a
#: junior colleague teaching a senior one (an AI skill).
MENTORSHIP_KINDS = ("peer", "experienced", "reverse")
MAX_MENTEES = 10


class Mentorship(Aggregate):
    """Offered for one skill; the mentor accepts or declines; either ends it."""

    class MentorshipOffered(Aggregate.Created):
        mentor_id: UUID
        mentee_id: UUID
        skill: str
        kind: str
        actor: Actor

    class MentorshipStarted(Aggregate.Event):
        actor: Actor

    class MentorshipDeclined(Aggregate.Event):
        actor: Actor

    class MentorshipEnded(Aggregate.Event):
        actor: Actor

    @event(MentorshipOffered)
    def __init__(
        self, mentor_id: UUID, mentee_id: UUID, skill: str, kind: str, actor: Actor
    ) -> None:
        self.mentor_id = mentor_id
        self.mentee_id = mentee_id
        self.skill = skill
        self.kind = kind
        self.status = "offered"

    @classmethod
    def offer(
        cls, *, mentor_id: UUID, mentee_id: UUID, skill: str, kind: str, actor: Actor
    ) -> Mentorship:
        """The caller has checked that the mentor opted in, has room, and is not the
        mentee's manager."""
        if mentor_id == mentee_id:
            raise ValidationFailed("mentorId", "a mentor cannot mentor themselves")
        return cls._create(
            cls.MentorshipOffered, id=uuid4(), mentor_id=mentor_id, mentee_id=mentee_id,
            skill=base.skill_name(skill), kind=base.one_of(kind, "kind", MENTORSHIP_KINDS),
            actor=actor,
        )  # fmt: skip

    @property
    def open(self) -> bool:
        return self.status in ("offered", "active")

    def _require(self, *statuses: str) -> None:
        if self.status not in statuses:
            raise Conflict(f"the mentorship is {self.status}", field="mentorshipId")

    def accept(self, actor: Actor) -> None:
        self._require("offered")
        self._started(actor=actor)

    @event(MentorshipStarted)
    def _started(self, actor: Actor) -> None:
        self.status = "active"

    def decline(self, actor: Actor) -> None:
        self._require("offered")
        self._declined(actor=actor)

    @event(MentorshipDeclined)
    def _declined(self, actor: Actor) -> None:
        self.status = "declined"

    def end(self, actor: Actor) -> None:
        self._require("offered", "active")
        self._ended(actor=actor)

    @event(MentorshipEnded)
    def _ended(self, actor: Actor) -> None:
        self.status = "ended"
