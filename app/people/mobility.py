"""Internal mobility: paths to a target role, neighbouring roles, projects and gigs, and the
employees ready for a role.

Only people who share their profile (profile_sharing) are ranked as candidates; a person's
own career paths use their own profile, which needs no consent for themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.people.skill_index import Requirement
from app.people.skills import Gap, SkillBook, gaps_for, readiness_of, requirements
from app.persistence import SqlGateway
from app.projections.opportunities import OpportunityBoard, OpportunityRow
from app.projections.roles import RoleCatalogue, RoleRow

NEIGHBOURS = 5
OPPORTUNITIES = 5


@dataclass(frozen=True)
class ModuleStep:
    """A module that raises a skill towards a target, and its time."""

    module_id: str
    title: str
    skill: str
    brings_to: int
    minutes: int


@dataclass(frozen=True)
class RoleFit:
    role_id: str
    title: str
    readiness: float
    gaps: list[Gap]


@dataclass(frozen=True)
class OpportunityFit:
    opportunity_id: str
    kind: str
    title: str
    readiness: float
    grows: list[str]
    reason: str


@dataclass(frozen=True)
class CareerPlan:
    employee_id: str
    target: RoleFit
    steps: list[ModuleStep]
    unclosed: list[str]
    neighbours: list[RoleFit]
    opportunities: list[OpportunityFit]

    @property
    def estimated_hours(self) -> float:
        return round(sum(s.minutes for s in self.steps) / 60, 1)


@dataclass(frozen=True)
class Candidate:
    employee_id: str
    current_role_id: str
    readiness: float
    met: list[str]
    gaps: list[Gap]
    reasons: list[str] = field(default_factory=list)


def _needs(skills: list[dict[str, int | str]]) -> list[Requirement]:
    return [Requirement(str(s["skill"]), int(s["level"]), int(s["importance"])) for s in skills]


class Mobility:
    """Career paths and internal candidates over the skill read model and its index."""

    def __init__(
        self, gateway: SqlGateway, skills: SkillBook, roles: RoleCatalogue,
        opportunities: OpportunityBoard,
    ) -> None:  # fmt: skip
        self._gateway = gateway
        self._skills = skills
        self._roles = roles
        self._opportunities = opportunities

    def _modules_for(self, gaps: list[Gap]) -> tuple[list[ModuleStep], list[str]]:
        """For each gap, the published modules that raise the skill, lowest level first,
        until the required level is reached; skills no module reaches are listed."""
        if not gaps:
            return [], []
        marks = ", ".join(["%s"] * len(gaps))
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                "SELECT s.module_id AS module_id, s.skill AS skill, s.level AS level,"
                " m.title AS title, m.minutes AS minutes FROM {module_skills} s"
                " JOIN {modules} m ON m.id = s.module_id"
                f" WHERE m.status = 'published' AND s.skill IN ({marks})"
                " ORDER BY s.skill, s.level, m.minutes, s.module_id",
                [g.skill for g in gaps],
            )
        steps: list[ModuleStep] = []
        unclosed: list[str] = []
        for gap in gaps:
            reached = gap.current
            for row in (r for r in rows if r["skill"] == gap.skill):
                if reached >= gap.required:
                    break
                if int(row["level"]) > reached:
                    steps.append(
                        ModuleStep(row["module_id"], row["title"], gap.skill, int(row["level"]),
                                   int(row["minutes"]))
                    )  # fmt: skip
                    reached = int(row["level"])
            if reached < gap.required:
                unclosed.append(gap.skill)
        return steps, unclosed

    def _fit(self, role: RoleRow, levels: dict[str, int]) -> RoleFit:
        needs = requirements(role)
        return RoleFit(role.id, role.title, readiness_of(needs, levels), gaps_for(needs, levels))

    def career_paths(self, employee_id: str, target_role_id: str) -> CareerPlan | None:
        person = self._skills.person(employee_id)
        target = self._roles.get(target_role_id)
        if person is None or target is None:
            return None
        levels = self._skills.levels(employee_id)
        fit = self._fit(target, levels)
        steps, unclosed = self._modules_for(fit.gaps)
        others = [
            r for r in self._roles.all() if r.id not in (person.role_id, target.id)
            and r.required_skills
        ]  # fmt: skip
        ranked = sorted(
            (self._fit(r, levels) for r in others), key=lambda f: (-f.readiness, f.title)
        )
        return CareerPlan(
            employee_id=employee_id, target=fit, steps=steps, unclosed=unclosed,
            neighbours=ranked[:NEIGHBOURS],
            opportunities=self._opportunity_fits(levels, {g.skill for g in fit.gaps}),
        )  # fmt: skip

    def _opportunity_fits(self, levels: dict[str, int], growing: set[str]) -> list[OpportunityFit]:
        """Open projects and gigs: those that use what the person has and grow what the
        target role needs come first."""
        fits = []
        for item in self._opportunities.open():
            needs = _needs(item.required_skills)
            readiness = readiness_of(needs, levels)
            grows = sorted(growing & {n.skill for n in needs})
            fits.append((readiness + 0.25 * len(grows), self._opportunity_fit(item, readiness,
                                                                               grows)))  # fmt: skip
        fits.sort(key=lambda pair: (-pair[0], pair[1].title))
        return [fit for _, fit in fits[:OPPORTUNITIES]]

    @staticmethod
    def _opportunity_fit(
        item: OpportunityRow, readiness: float, grows: list[str]
    ) -> OpportunityFit:
        reason = f"you meet {round(readiness * 100)}% of what it needs"
        if grows:
            reason += f"; it grows {', '.join(grows)} for your target role"
        return OpportunityFit(item.id, item.kind, item.title, readiness, grows, reason)

    def internal_candidates(self, role_id: str, first: int) -> list[Candidate] | None:
        """Active employees who share their profile and do not hold the role, most ready
        first, with the reasons for their place."""
        role = self._roles.get(role_id)
        if role is None:
            return None
        index = self._skills.index
        index.refresh()
        needs = [n for n in requirements(role) if n.level > 0]
        scores = index.readiness(needs)
        people = index.people
        eligible = index.open_outside(role_id)[: len(scores)]
        if not eligible.any():
            return []
        masked = np.where(eligible, scores, -1.0)
        count = min(first, int(eligible.sum()))
        top = np.argpartition(-masked, count - 1)[:count] if count < len(masked) else (
            np.arange(len(masked))
        )  # fmt: skip
        order = sorted(top.tolist(), key=lambda i: (-masked[i], people[i].employee_id))
        found = []
        for i in order[:count]:
            person = people[i]
            levels = index.levels_of(person.employee_id, [n.skill for n in needs])
            gaps = gaps_for(needs, levels)
            met = [n.skill for n in sorted(needs, key=lambda n: (-n.importance, n.skill))
                   if levels[n.skill] >= n.level]  # fmt: skip
            reasons = [f"meets {s} at {levels[s]}" for s in met[:3]]
            reasons += [f"{g.skill}: {g.current} of {g.required}" for g in gaps[:3]]
            found.append(
                Candidate(person.employee_id, person.role_id, round(float(scores[i]), 4), met,
                          gaps, reasons)
            )  # fmt: skip
        return found
