"""Skill profiles, weighted gaps, team matrices, role readiness and department heat maps.

Individual answers (profile, gaps, a team's matrix) are for whoever the access policy lets
see the person's profile facet; a team matrix counts the members who do not share their
profile and shows nothing else of them. Figures over many people (role readiness, heat
maps) follow the works council's k rule: a group of 1 to k-1 people shows no figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean

from app.access import too_few_to_show
from app.competence.model import band_of, skill_definition
from app.people.skill_index import PersonFacts, Requirement, SkillIndex
from app.persistence import SqlGateway
from app.projections.roles import RoleCatalogue, RoleRow

#: A self-assessment this far from an observed level is shown as a disagreement.
DISAGREEMENT_LEVELS = 2


@dataclass(frozen=True)
class CurrentSkill:
    """A person's current level of one skill, which source set it, and both views."""

    skill: str
    level: int
    band: str | None
    source: str
    assessed_at: str
    self_level: int | None
    observed_level: int | None


@dataclass(frozen=True)
class Disagreement:
    """Where the person's own view and an observed level differ by two levels or more."""

    skill: str
    self_level: int
    observed_level: int
    observed_source: str

    @property
    def difference(self) -> int:
        return self.self_level - self.observed_level


@dataclass(frozen=True)
class Profile:
    employee_id: str
    skills: list[CurrentSkill]
    disagreements: list[Disagreement]


@dataclass(frozen=True)
class Gap:
    """How far a level is from a requirement, weighted by the requirement's importance."""

    skill: str
    required: int
    current: int
    importance: int

    @property
    def gap(self) -> int:
        return max(0, self.required - self.current)

    @property
    def weighted(self) -> int:
        return self.gap * self.importance


@dataclass(frozen=True)
class GapAnalysis:
    employee_id: str
    role_id: str
    readiness: float
    gaps: list[Gap]


@dataclass(frozen=True)
class MatrixRow:
    """One member against the matrix's columns (``TeamMatrix.skills``, in that order)."""

    employee_id: str
    readiness: float
    levels: list[int]
    #: The level the member's role requires per column; None where it requires nothing.
    required: list[int | None]
    #: How far below the requirement per column (0 when met or not required).
    gaps: list[int]


@dataclass(frozen=True)
class TeamMatrix:
    manager_id: str
    skills: list[str]
    members: list[MatrixRow]
    not_sharing: int


@dataclass(frozen=True)
class SkillCoverage:
    """One required skill over a group: its mean level and the share meeting it."""

    skill: str
    required: int
    importance: int
    mean_level: float | None
    share_meeting: float | None


@dataclass(frozen=True)
class RoleReadiness:
    role_id: str
    title: str
    people: int
    suppressed: bool
    mean_readiness: float | None
    ready_share: float | None
    skills: list[SkillCoverage]


@dataclass(frozen=True)
class HeatCell:
    department: str
    skill: str
    #: None when the cell is suppressed (its size would tell who is in it).
    people: int | None
    suppressed: bool
    mean_level: float | None
    mean_gap: float | None


#: Requirements per role version: a team of O*NET roles asks for dozens per request.
_REQUIRED: dict[tuple[str, int, str], list[Requirement]] = {}
_REQUIRED_KEPT = 4096


def requirements(role: RoleRow | None) -> list[Requirement]:
    """The role's requirements (shared between calls: do not change the list)."""
    if role is None:
        return []
    key = (role.id, role.seq, role.updated_at)
    found = _REQUIRED.get(key)
    if found is None:
        if len(_REQUIRED) >= _REQUIRED_KEPT:
            _REQUIRED.clear()
        found = _REQUIRED[key] = [
            Requirement(s["skill"], s["level"], s["importance"]) for s in role.required_skills
        ]
    return found


def gaps_for(needs: list[Requirement], levels: dict[str, int]) -> list[Gap]:
    """Gaps to the needs, largest weighted gap first (met requirements are left out)."""
    found = [Gap(n.skill, n.level, levels.get(n.skill, 0), n.importance) for n in needs]
    return sorted((g for g in found if g.gap > 0), key=lambda g: (-g.weighted, -g.gap, g.skill))


def readiness_in(needs: list[Requirement], levels: list[int], column: dict[str, int]) -> float:
    """``readiness_of`` for levels given as a row over columns (the same figure)."""
    positive = [n for n in needs if n.level > 0]
    if not positive:
        return 1.0
    total = sum(n.importance for n in positive)
    reached = sum(n.importance * min(levels[column[n.skill]], n.level) / n.level
                  for n in positive)  # fmt: skip
    return round(reached / total, 4)


def readiness_of(needs: list[Requirement], levels: dict[str, int]) -> float:
    """The importance-weighted share of each required level reached (1.0 with no needs)."""
    column = {n.skill: j for j, n in enumerate(needs)}
    return readiness_in(needs, [levels.get(n.skill, 0) for n in needs], column)


class SkillBook:
    """Queries over the skill read model and its index."""

    def __init__(self, gateway: SqlGateway, roles: RoleCatalogue, index: SkillIndex) -> None:
        self._gateway = gateway
        self._roles = roles
        self.index = index

    def known_skill(self, skill: str) -> bool:
        """Whether the skill is in the competence model, a role, a module or a profile."""
        name = skill.strip().lower()
        if skill_definition(name) is not None:
            return True
        with self._gateway.transaction(write=False) as tx:
            taught = tx.row("SELECT 1 AS found FROM {module_skills} WHERE skill = %s", (name,))
            held = tx.row("SELECT 1 AS found FROM {skill_levels} WHERE skill = %s", (name,))
        if taught or held:
            return True
        return any(s["skill"] == name for r in self._roles.all() for s in r.required_skills)

    def person(self, employee_id: str) -> PersonFacts | None:
        with self._gateway.transaction(write=False) as tx:
            row = tx.row("SELECT * FROM {skill_people} WHERE employee_id = %s", (employee_id,))
        if row is None:
            return None
        return PersonFacts(
            employee_id=row["employee_id"], role_id=row["role_id"],
            department=row["department"], manager_id=row["manager_id"],
            location=row["location"], years_experience=int(row["years_experience"]),
            language=row["language"], active=bool(row["active"]), sharing=bool(row["sharing"]),
        )  # fmt: skip

    def levels(self, employee_id: str) -> dict[str, int]:
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                "SELECT skill, level FROM {skill_levels} WHERE employee_id = %s", (employee_id,)
            )
        return {row["skill"]: int(row["level"]) for row in rows}

    def profile(self, employee_id: str) -> Profile | None:
        if self.person(employee_id) is None:
            return None
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                "SELECT * FROM {skill_levels} WHERE employee_id = %s ORDER BY skill",
                (employee_id,),
            )
        skills = [
            CurrentSkill(
                skill=r["skill"], level=int(r["level"]), band=band_of(int(r["level"])),
                source=r["source"], assessed_at=r["occurred_at"], self_level=r["self_level"],
                observed_level=r["observed_level"],
            )
            for r in rows
        ]  # fmt: skip
        disagreements = [
            Disagreement(
                s.skill, s.self_level, s.observed_level, "quiz" if s.source == "quiz"
                else "manager",
            )
            for s in skills
            if s.self_level is not None and s.observed_level is not None
            and abs(s.self_level - s.observed_level) >= DISAGREEMENT_LEVELS
        ]  # fmt: skip
        return Profile(employee_id, skills, disagreements)

    def gaps(self, employee_id: str, role_id: str | None = None) -> GapAnalysis | None:
        person = self.person(employee_id)
        if person is None:
            return None
        role_id = role_id or person.role_id
        needs = requirements(self._roles.get(role_id))
        levels = self.levels(employee_id)
        return GapAnalysis(employee_id, role_id, readiness_of(needs, levels),
                           gaps_for(needs, levels))  # fmt: skip

    def team_matrix(self, manager_id: str) -> TeamMatrix:
        """The manager's active direct reports; those not sharing are only counted."""
        self.index.refresh()
        team = self.index.reports_of(manager_id)
        roles = self._roles.get_many(sorted({p.role_id for p in team}))
        shared = [p for p in team if p.sharing]
        needed: dict[str, list[Requirement]] = {
            role_id: requirements(role) for role_id, role in roles.items()
        }
        skills = sorted({n.skill for p in shared for n in needed.get(p.role_id, [])})
        column = {skill: j for j, skill in enumerate(skills)}
        members = []
        rows = self.index.level_rows([p.employee_id for p in shared], skills)
        for person, levels in zip(shared, rows, strict=True):
            needs = needed.get(person.role_id, [])
            required: list[int | None] = [None] * len(skills)
            for need in needs:
                required[column[need.skill]] = need.level
            gaps = [0 if r is None or r <= held else r - held
                    for r, held in zip(required, levels, strict=True)]  # fmt: skip
            members.append(MatrixRow(
                person.employee_id, readiness_in(needs, levels, column), levels, required, gaps,
            ))  # fmt: skip
        return TeamMatrix(manager_id, skills, members, len(team) - len(shared))

    def role_readiness(self, role_id: str, k: int) -> RoleReadiness | None:
        """How ready the people now in the role are for it (aggregate, k rule)."""
        role = self._roles.get(role_id)
        if role is None:
            return None
        self.index.refresh()
        needs = requirements(role)
        rows = [i for i, p in enumerate(self.index.people) if p.active and p.role_id == role_id]
        hidden = too_few_to_show(len(rows), k)
        scores = self.index.readiness(needs)
        coverage = []
        for need in needs:
            held = [self.index.level(self.index.people[i].employee_id, need.skill) for i in rows]
            coverage.append(
                SkillCoverage(
                    need.skill, need.level, need.importance,
                    None if hidden or not held else round(fmean(held), 4),
                    None if hidden or not held
                    else round(sum(1 for h in held if h >= need.level) / len(held), 4),
                )
            )  # fmt: skip
        chosen = [float(scores[i]) for i in rows]
        return RoleReadiness(
            role_id=role_id, title=role.title, people=len(rows), suppressed=hidden,
            mean_readiness=None if hidden or not chosen else round(fmean(chosen), 4),
            ready_share=None if hidden or not chosen
            else round(sum(1 for s in chosen if s >= 1.0) / len(chosen), 4),
            skills=coverage,
        )  # fmt: skip

    def heat_map(self, department: str | None, k: int) -> list[HeatCell]:
        """Per department and required skill: mean level and mean gap to each person's own
        role (a department below k people shows no figures)."""
        self.index.refresh()
        active = [p for p in self.index.people if p.active]
        if department is not None:
            active = [p for p in active if p.department == department]
        roles = self._roles.get_many(sorted({p.role_id for p in active}))
        needed = {role_id: requirements(role) for role_id, role in roles.items()}
        cells: dict[tuple[str, str], list[tuple[int, int]]] = {}
        sizes: dict[str, int] = {}
        for person in active:
            sizes[person.department] = sizes.get(person.department, 0) + 1
            for need in needed.get(person.role_id, []):
                level = self.index.level(person.employee_id, need.skill)
                cells.setdefault((person.department, need.skill), []).append(
                    (level, max(0, need.level - level))
                )
        found = []
        for (dept, skill), values in sorted(cells.items()):
            hidden = too_few_to_show(len(values), k) or too_few_to_show(sizes[dept], k)
            found.append(
                HeatCell(
                    dept, skill, None if hidden else len(values), hidden,
                    None if hidden else round(fmean(v[0] for v in values), 4),
                    None if hidden else round(fmean(v[1] for v in values), 4),
                )
            )  # fmt: skip
        return found
