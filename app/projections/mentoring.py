"""Mentors who opted in, their open mentees, and mentorships with their status."""

from __future__ import annotations

from app.aggregates import Employee
from app.aggregates.mentorship import Mentorship
from app.persistence import Transaction
from app.projections.engine import Projection, handles


class MentoringProjection(Projection):
    name = "mentoring"
    tables = ("mentors", "mentorships")
    ddl = (
        "CREATE TABLE IF NOT EXISTS {mentors} (employee_id TEXT PRIMARY KEY,"
        " max_mentees INTEGER NOT NULL, open_mentees INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {mentorships} (id TEXT PRIMARY KEY, mentor_id TEXT NOT NULL,"
        " mentee_id TEXT NOT NULL, skill TEXT NOT NULL, kind TEXT NOT NULL,"
        " status TEXT NOT NULL, offered_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS mentorships_mentee ON {mentorships} (mentee_id)",
        "CREATE INDEX IF NOT EXISTS mentorships_mentor ON {mentorships} (mentor_id)",
    )

    @handles(Employee.MentorOptedIn)
    def opted_in(self, e: Employee.MentorOptedIn, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {mentors} (employee_id, max_mentees, open_mentees) VALUES (%s, %s, 0)"
            " ON CONFLICT (employee_id) DO UPDATE SET max_mentees = excluded.max_mentees",
            (str(e.originator_id), e.max_mentees),
        )

    @handles(Employee.MentorOptedOut, Employee.Left)
    def opted_out(self, e: Employee.MentorOptedOut | Employee.Left, tx: Transaction) -> None:
        tx.execute("DELETE FROM {mentors} WHERE employee_id = %s", (str(e.originator_id),))

    @handles(Employee.MenteeTaken)
    def taken(self, e: Employee.MenteeTaken, tx: Transaction) -> None:
        tx.execute(
            "UPDATE {mentors} SET open_mentees = open_mentees + 1 WHERE employee_id = %s",
            (str(e.originator_id),),
        )

    @handles(Employee.MenteeReleased)
    def released(self, e: Employee.MenteeReleased, tx: Transaction) -> None:
        tx.execute(
            "UPDATE {mentors} SET open_mentees = open_mentees - 1 WHERE employee_id = %s",
            (str(e.originator_id),),
        )

    @handles(Mentorship.MentorshipOffered)
    def offered(self, e: Mentorship.MentorshipOffered, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {mentorships} (id, mentor_id, mentee_id, skill, kind, status,"
            " offered_at) VALUES (%s, %s, %s, %s, %s, 'offered', %s)",
            (str(e.originator_id), str(e.mentor_id), str(e.mentee_id), e.skill, e.kind,
             e.timestamp.isoformat()),
        )  # fmt: skip

    def _status(self, tx: Transaction, mentorship_id: str, status: str) -> None:
        tx.execute("UPDATE {mentorships} SET status = %s WHERE id = %s", (status, mentorship_id))

    @handles(Mentorship.MentorshipStarted)
    def started(self, e: Mentorship.MentorshipStarted, tx: Transaction) -> None:
        self._status(tx, str(e.originator_id), "active")

    @handles(Mentorship.MentorshipDeclined)
    def declined(self, e: Mentorship.MentorshipDeclined, tx: Transaction) -> None:
        self._status(tx, str(e.originator_id), "declined")

    @handles(Mentorship.MentorshipEnded)
    def ended(self, e: Mentorship.MentorshipEnded, tx: Transaction) -> None:
        self._status(tx, str(e.originator_id), "ended")
