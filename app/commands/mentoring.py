"""Commands about mentoring: opting in, and a mentorship from offer to end.

The mentor's limit of open mentees is kept on the mentor's own stream (``MenteeTaken`` /
``MenteeReleased``), saved atomically with the mentorship, so two offers at once can never
both take the last place.
"""

from __future__ import annotations

from uuid import UUID

from app.aggregates import Actor, ValidationFailed
from app.aggregates.mentorship import Mentorship
from app.commands.base import CommandBase, Written


class MentoringCommands(CommandBase):
    """Mentors and mentorships."""

    def mentorship(self, mentorship_id: UUID, field: str = "mentorshipId") -> Mentorship:
        return self._load(Mentorship, mentorship_id, "mentorship", field)

    def opt_in_as_mentor(self, employee_id: UUID, *, max_mentees: int, actor: Actor) -> Written:
        employee = self.employee(employee_id)
        self._refuse_erased(employee)
        employee.opt_in_as_mentor(max_mentees=max_mentees, actor=actor)
        return Written(self._store(employee), employee.id)

    def opt_out_as_mentor(self, employee_id: UUID, *, actor: Actor) -> Written:
        employee = self.employee(employee_id)
        employee.opt_out_as_mentor(actor=actor)
        return Written(self._store(employee), employee.id)

    def offer_mentorship(
        self, *, mentor_id: UUID, mentee_id: UUID, skill: str, kind: str, actor: Actor
    ) -> Written:
        if mentor_id == mentee_id:
            raise ValidationFailed("mentorId", "a mentor cannot mentor themselves")
        mentee = self.employee(mentee_id, "menteeId")
        self._refuse_erased(mentee, "menteeId")
        if mentee.manager_id == mentor_id:
            raise ValidationFailed("mentorId", "a person's own manager is never their mentor")
        mentor = self.employee(mentor_id, "mentorId")
        self._refuse_erased(mentor, "mentorId")
        found = Mentorship.offer(
            mentor_id=mentor_id, mentee_id=mentee_id, skill=skill, kind=kind, actor=actor
        )
        mentor.take_mentee(mentorship_id=found.id, actor=actor)
        return Written(self._store(found, mentor), found.id)

    def _answer(self, mentorship_id: UUID, party: UUID, mentor_only: bool) -> Mentorship:
        found = self.mentorship(mentorship_id)
        parties = (found.mentor_id,) if mentor_only else (found.mentor_id, found.mentee_id)
        if party not in parties:
            who = "its mentor" if mentor_only else "its mentor or mentee"
            raise ValidationFailed("employeeId", f"only {who} may do this")
        return found

    def accept_mentorship(self, mentorship_id: UUID, *, mentor_id: UUID, actor: Actor) -> Written:
        found = self._answer(mentorship_id, mentor_id, mentor_only=True)
        found.accept(actor)
        return Written(self._store(found), found.id)

    def _close(self, found: Mentorship, actor: Actor) -> Written:
        mentor = self.employee(found.mentor_id, "mentorId")
        mentor.release_mentee(mentorship_id=found.id, actor=actor)
        return Written(self._store(found, mentor), found.id)

    def decline_mentorship(self, mentorship_id: UUID, *, mentor_id: UUID, actor: Actor) -> Written:
        found = self._answer(mentorship_id, mentor_id, mentor_only=True)
        found.decline(actor)
        return self._close(found, actor)

    def end_mentorship(self, mentorship_id: UUID, *, employee_id: UUID, actor: Actor) -> Written:
        found = self._answer(mentorship_id, employee_id, mentor_only=False)
        found.end(actor)
        return self._close(found, actor)
