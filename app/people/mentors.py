"""Mentor matching: one model for two needs, with the reasons for each suggestion.

- an experienced colleague: at least two levels higher in the skill;
- a peer: within one level, and working on the same skill (their own role asks more of it);
- reverse mentoring: a colleague with fewer years of experience who is experienced in an
  AI skill may mentor a senior one.

Complementary strengths count (where the mentor is strong in what the person's role still
needs), the same language and location are preferred, and a mentor's open mentees have a
limit. Never the person's own manager, never themselves; only employees who opted in as
mentors and share their profile (profile_sharing: matching uses it) are proposed.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.competence.model import AI_SKILLS
from app.people.skill_index import PersonFacts, SkillIndex
from app.people.skills import requirements
from app.persistence import SqlGateway
from app.projections.roles import RoleCatalogue

EXPERIENCED_BY = 2
SUGGESTIONS = 10


@dataclass(frozen=True)
class MentorSuggestion:
    mentor_id: str
    kind: str
    score: float
    mentor_level: int
    open_mentees: int
    max_mentees: int
    reasons: list[str]


class MentorMatching:
    """Suggestions from the skill index and the mentors read model."""

    def __init__(self, gateway: SqlGateway, index: SkillIndex, roles: RoleCatalogue) -> None:
        self._gateway = gateway
        self._index = index
        self._roles = roles

    def _mentors(self) -> dict[str, tuple[int, int]]:
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows("SELECT * FROM {mentors}")
        return {r["employee_id"]: (int(r["max_mentees"]), int(r["open_mentees"])) for r in rows}

    def _gaps(self, person: PersonFacts) -> dict[str, int]:
        needs = requirements(self._roles.get(person.role_id))
        return {
            n.skill: n.level - self._index.level(person.employee_id, n.skill)
            for n in needs
            if self._index.level(person.employee_id, n.skill) < n.level
        }

    def suggestions(self, employee_id: str, skill: str) -> list[MentorSuggestion] | None:
        self._index.refresh()
        people = {p.employee_id: p for p in self._index.people}
        mentee = people.get(employee_id)
        if mentee is None:
            return None
        mine = self._index.level(employee_id, skill)
        mentee_gaps = self._gaps(mentee)
        found = []
        for mentor_id, (limit, taken) in self._mentors().items():
            mentor = people.get(mentor_id)
            if (
                mentor is None or mentor_id == employee_id or not mentor.active
                or not mentor.sharing or mentor_id == mentee.manager_id or taken >= limit
            ):  # fmt: skip
                continue
            suggestion = self._match(mentee, mine, mentee_gaps, mentor, skill, limit, taken)
            if suggestion is not None:
                found.append(suggestion)
        found.sort(key=lambda s: (-s.score, s.mentor_id))
        return found[:SUGGESTIONS]

    def _match(
        self, mentee: PersonFacts, mine: int, mentee_gaps: dict[str, int], mentor: PersonFacts,
        skill: str, limit: int, taken: int,
    ) -> MentorSuggestion | None:  # fmt: skip
        theirs = self._index.level(mentor.employee_id, skill)
        reasons: list[str] = []
        if theirs >= mine + EXPERIENCED_BY:
            reverse = skill in AI_SKILLS and mentor.years_experience < mentee.years_experience
            kind = "reverse" if reverse else "experienced"
            score = 1.0 + 0.1 * (theirs - mine - EXPERIENCED_BY)
            reasons.append(f"{skill} at {theirs}, {theirs - mine} levels above yours")
            if reverse:
                reasons.append("reverse mentoring: a junior colleague strong in an AI skill")
        elif abs(theirs - mine) <= 1 and self._gaps(mentor).get(skill, 0) > 0:
            kind, score = "peer", 0.8
            reasons.append(f"also working on {skill} (at {theirs}, you at {mine})")
        else:
            return None
        strengths = sorted(
            s for s in mentee_gaps if s != skill
            and self._index.level(mentor.employee_id, s) >= self._index.level(
                mentee.employee_id, s) + EXPERIENCED_BY
        )  # fmt: skip
        if strengths:
            score += 0.1 * min(3, len(strengths))
            reasons.append(f"also strong in {', '.join(strengths[:3])}, which your role needs")
        if mentor.language == mentee.language:
            score += 0.2
            reasons.append(f"speaks {mentor.language}")
        if mentor.location == mentee.location:
            score += 0.1
            reasons.append("same location")
        score -= 0.05 * taken
        reasons.append(f"{taken} of {limit} mentee places taken")
        return MentorSuggestion(mentor.employee_id, kind, round(score, 4), theirs, taken, limit,
                                reasons)  # fmt: skip
