"""HR-AI champions: classification by the article's criteria, candidates, coverage, ROI.

Each criterion of the matrix (app/aggregates/champion.py) gets a rating with its reason:

- HR expertise: the years of experience give the band (5 or more strong, 3 to under 5
  medium, under 3 weak); a rating from the manager (else the self-assessment) may lower it
  (narrow process knowledge), never raise it above what the years support.
- Technology interest, communication, willingness to change: the manager's rating over the
  self-assessment; observed learning activity raises technology interest (modules on AI
  skills completed, AI skill levels seen by quiz or manager) and willingness to change
  (modules the person started on their own in the last 90 days) to at least what it shows.
  A criterion nobody rated and nothing observed is weak ("no evidence yet").

Overall: strong 2, medium 1, weak 0 points; 6 or more of 8 with no weak criterion is
strong, 3 or fewer (or two weak criteria) is weak, the rest medium.

Coverage: a department of N active employees needs ceil(N / employees_per_champion)
champions; the default of 100 gives the article's "one or two per 50 to 150 employees".
Champions that count are opted in and classified strong or medium.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from app.aggregates import Conflict, NotFound, ValidationFailed
from app.aggregates.base import utc_now
from app.aggregates.champion import BY_KEY, CRITERIA, POINTS, years_rating
from app.competence.model import AI_SKILLS
from app.persistence import SqlGateway, Transaction

#: The article's minimum time for champion work ("minimum 20 % av arbeidstiden").
RECOMMENDED_SHARE_PERCENT = 20
RECENT_DAYS = 90
OBSERVED = ("technology_interest", "willingness_to_change")

#: The article's ROI table (annual, euro): its cost and benefit lines in this order.
ROI_COST_LINES = ("champion_time", "training", "licences")
ROI_BENEFIT_LINES = ("shorter_implementation", "avoided_consultants", "hr_process_efficiency")
ARTICLE_ANNUAL = {
    "champion_time": 15_000.0, "training": 8_000.0, "licences": 12_000.0,
    "shorter_implementation": 45_000.0, "avoided_consultants": 25_000.0,
    "hr_process_efficiency": 60_000.0,
}  # fmt: skip


@dataclass(frozen=True)
class CriterionResult:
    criterion: str
    title: str
    rating: str
    #: years, manager, self, observed or none: where the rating came from.
    source: str
    reason: str


@dataclass(frozen=True)
class Classification:
    employee_id: str
    department: str
    rating: str
    points: int
    reason: str
    criteria: list[CriterionResult]
    time_share_percent: int | None
    time_share_month: str | None
    below_recommended_time: bool


@dataclass(frozen=True)
class Observed:
    ai_modules_completed: int = 0
    ai_observed_level: int = 0
    self_started_recent: int = 0


@dataclass(frozen=True)
class DepartmentCoverage:
    department: str
    employees: int | None
    opted_in: int | None
    champions: int | None
    target: int | None
    met: bool | None
    suppressed: bool


@dataclass(frozen=True)
class ChampionRoiLine:
    kind: str
    category: str
    amount: float
    article_annual: float
    #: For champion time: the part derived from recorded time shares.
    from_time_shares: float = 0.0


@dataclass(frozen=True)
class ChampionRoi:
    programme_id: str
    start: date
    end: date
    lines: list[ChampionRoiLine]
    total_cost: float
    total_benefit: float
    roi_percent: float | None
    article_roi_percent: float
    champion_months: int
    annual_cost_per_champion: float
    not_on_these_lines: float


def _observed_rating(criterion: str, seen: Observed) -> tuple[str | None, str]:
    if criterion == "technology_interest":
        level, done = seen.ai_observed_level, seen.ai_modules_completed
        evidence = f"{done} AI modules completed, AI skill level {level} by quiz or manager"
        if level >= 3 or done >= 3:
            return "strong", evidence
        if level >= 2 or done >= 1:
            return "medium", evidence
        return None, evidence
    started = seen.self_started_recent
    evidence = f"{started} modules started on their own initiative in {RECENT_DAYS} days"
    if started >= 3:
        return "strong", evidence
    if started >= 1:
        return "medium", evidence
    return None, evidence


def classify(
    employee_id: str, department: str, years: int, self_ratings: dict[str, str],
    manager_ratings: dict[str, str], seen: Observed, time: tuple[str, int] | None,
) -> Classification:  # fmt: skip
    """The classification of one champion, criterion by criterion, with reasons."""
    results = []
    for criterion in CRITERIA:
        key = criterion.key
        given, source = manager_ratings.get(key), "manager"
        if given is None:
            given, source = self_ratings.get(key), "self"
        if key == "hr_expertise":
            band = years_rating(years)
            reason = f"{years} years of experience ({criterion.anchor(band)})"
            if given is not None and POINTS[given] < POINTS[band]:
                results.append(CriterionResult(
                    key, criterion.title, given, source,
                    f"{reason}, rated {given} by the {source} assessment:"
                    f" {criterion.anchor(given)}",
                ))  # fmt: skip
                continue
            if given is not None and POINTS[given] > POINTS[band]:
                reason += f"; rated {given} by the {source} assessment, but the years decide"
            results.append(CriterionResult(key, criterion.title, band, "years", reason))
            continue
        rating, reason = given, ""
        if given is not None:
            reason = f"rated {given} by the {source} assessment: {criterion.anchor(given)}"
        if key in OBSERVED:
            shown, evidence = _observed_rating(key, seen)
            if shown is not None and (rating is None or POINTS[shown] > POINTS[rating]):
                rating, source = shown, "observed"
                reason = (f"{reason}; " if reason else "") + (
                    f"observed learning activity shows {shown} ({evidence})"
                )
        if rating is None:
            results.append(CriterionResult(
                key, criterion.title, "weak", "none",
                "no self-assessment, manager input or observed activity yet",
            ))  # fmt: skip
            continue
        results.append(CriterionResult(key, criterion.title, rating, source, reason))
    points = sum(POINTS[r.rating] for r in results)
    weak = sum(r.rating == "weak" for r in results)
    top = 2 * len(results)
    if points >= 6 and weak == 0:
        overall, why = "strong", f"{points} of {top} points and no criterion weak"
    elif points <= 3 or weak >= 2:
        overall, why = "weak", f"{points} of {top} points, {weak} criteria weak"
    else:
        overall, why = "medium", f"{points} of {top} points, {weak} criteria weak"
    month, share = (None, None) if time is None else time
    return Classification(
        employee_id, department, overall, points, why, results, share, month,
        share is not None and share < RECOMMENDED_SHARE_PERCENT,
    )  # fmt: skip


def _in(values: list[str]) -> str:
    return ", ".join(["%s"] * len(values))


class ChampionBook:
    """Reads of the champion programme from the read models."""

    def __init__(self, gateway: SqlGateway, k: int, employees_per_champion: int,
                 annual_cost: float) -> None:  # fmt: skip
        self._gateway = gateway
        self._k = k
        self.employees_per_champion = employees_per_champion
        self.annual_cost = annual_cost

    def _observed(self, tx: Transaction, ids: list[str]) -> dict[str, Observed]:
        if not ids:
            return {}
        skills = sorted(AI_SKILLS)
        done = {r["employee_id"]: int(r["n"]) for r in tx.rows(
            "SELECT e.employee_id, COUNT(DISTINCT e.module_id) AS n FROM {enrollments} e"
            " JOIN {module_skills} s ON s.module_id = e.module_id"
            f" WHERE e.status = 'completed' AND s.skill IN ({_in(skills)})"
            f" AND e.employee_id IN ({_in(ids)}) GROUP BY e.employee_id", (*skills, *ids),
        )}  # fmt: skip
        levels = {r["employee_id"]: int(r["n"]) for r in tx.rows(
            "SELECT employee_id, MAX(level) AS n FROM {skill_observations}"
            f" WHERE source IN ('quiz', 'manager') AND skill IN ({_in(skills)})"
            f" AND employee_id IN ({_in(ids)}) GROUP BY employee_id", (*skills, *ids),
        )}  # fmt: skip
        since = (utc_now() - timedelta(days=RECENT_DAYS)).isoformat()
        started = {r["employee_id"]: int(r["n"]) for r in tx.rows(
            "SELECT employee_id, COUNT(*) AS n FROM {enrollments} WHERE source = 'self'"
            f" AND enrolled_at >= %s AND employee_id IN ({_in(ids)}) GROUP BY employee_id",
            (since, *ids),
        )}  # fmt: skip
        return {i: Observed(done.get(i, 0), levels.get(i, 0), started.get(i, 0)) for i in ids}

    def _classify(
        self, tx: Transaction, where: str, params: tuple[str, ...]
    ) -> list[Classification]:
        rows = tx.rows(
            "SELECT c.employee_id, c.self_ratings, c.manager_ratings, e.department,"
            " e.years_experience FROM {champions} c JOIN {employees} e ON e.id = c.employee_id"
            f" WHERE c.opted_in = 1 AND e.status = 'active' AND {where}"
            " ORDER BY c.employee_id", params,
        )  # fmt: skip
        ids = [r["employee_id"] for r in rows]
        seen = self._observed(tx, ids)
        times: dict[str, tuple[str, int]] = {}
        if ids:
            for t in tx.rows(
                "SELECT employee_id, month, share_percent FROM {champion_time}"
                f" WHERE employee_id IN ({_in(ids)}) ORDER BY month", tuple(ids),
            ):  # fmt: skip
                times[t["employee_id"]] = (t["month"], int(t["share_percent"]))
        return [
            classify(
                r["employee_id"], r["department"], int(r["years_experience"]),
                json.loads(r["self_ratings"]), json.loads(r["manager_ratings"]),
                seen[r["employee_id"]], times.get(r["employee_id"]),
            )
            for r in rows
        ]  # fmt: skip

    def classification(self, employee_id: str) -> Classification:
        """One person's classification; a typed error unless they opted in."""
        with self._gateway.transaction(write=False) as tx:
            status = tx.scalar("SELECT status FROM {employees} WHERE id = %s", (employee_id,))
            if status is None:
                raise NotFound("employee", employee_id, "employeeId")
            found = self._classify(tx, "c.employee_id = %s", (employee_id,))
        if not found:
            raise Conflict(
                "the employee has not opted into the AI champion programme (or has left):"
                " nobody is classified without their opt-in",
                field="employeeId",
            )
        return found[0]

    def candidates(self, department: str) -> list[Classification]:
        """Opted-in champions of a department, strongest first."""
        name = department.strip()
        if not name or len(name) > 200:
            raise ValidationFailed("department", "give a department name (1-200 characters)")
        with self._gateway.transaction(write=False) as tx:
            known = tx.scalar("SELECT 1 FROM {employees} WHERE department = %s LIMIT 1", (name,))
            if known is None:
                raise NotFound("department", name, "department")
            found = self._classify(tx, "e.department = %s", (name,))
        order = {"strong": 0, "medium": 1, "weak": 2}
        return sorted(found, key=lambda c: (order[c.rating], -c.points, c.employee_id))

    def target(self, employees: int) -> int:
        return math.ceil(employees / self.employees_per_champion) if employees else 0

    def coverage(self) -> list[DepartmentCoverage]:
        """Per department: champions who count (strong or medium) against the target ratio;
        a department of fewer than k employees is shown without figures (the k rule)."""
        with self._gateway.transaction(write=False) as tx:
            heads = {r["department"]: int(r["n"]) for r in tx.rows(
                "SELECT department, COUNT(*) AS n FROM {employees} WHERE status = 'active'"
                " GROUP BY department",
            )}  # fmt: skip
            everyone = self._classify(tx, "1 = 1", ())
        opted: dict[str, int] = defaultdict(int)
        counted: dict[str, int] = defaultdict(int)
        for c in everyone:
            opted[c.department] += 1
            counted[c.department] += c.rating in ("strong", "medium")
        found = []
        for department, employees in sorted(heads.items()):
            if 0 < employees < self._k:
                found.append(DepartmentCoverage(department, None, None, None, None, None, True))
                continue
            target = self.target(employees)
            found.append(DepartmentCoverage(
                department, employees, opted[department], counted[department], target,
                counted[department] >= target, False,
            ))  # fmt: skip
        return found

    def roi(self, programme_id: str, start: date, end: date) -> ChampionRoi:
        """The article's six lines over [start, end]: champion time (recorded cost lines plus
        the recorded time shares at the annual cost of a full position), training and
        licences against shorter implementation, avoided consultants and HR process
        efficiency, each beside the article's annual figure."""
        if end < start:
            raise ValidationFailed("to", "must not be before from")
        if (end - start).days > 3_660:
            raise ValidationFailed("to", "at most ten years at once")
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(
                "SELECT kind, category, amount FROM {kpi_programme_lines}"
                " WHERE programme_id = %s AND day >= %s AND day <= %s",
                (programme_id, start.isoformat(), end.isoformat()),
            )
            shares = tx.rows(
                "SELECT share_percent FROM {champion_time} WHERE month >= %s AND month <= %s",
                (start.isoformat()[:7], end.isoformat()[:7]),
            )
        sums: dict[tuple[str, str], float] = defaultdict(float)
        for r in rows:
            sums[(r["kind"], r["category"])] += float(r["amount"])
        from_shares = sum(int(s["share_percent"]) for s in shares) / 100 * self.annual_cost / 12
        lines = [
            ChampionRoiLine(
                "cost", c, round(sums[("cost", c)] + (from_shares if c == "champion_time" else 0),
                                 2),
                ARTICLE_ANNUAL[c], round(from_shares, 2) if c == "champion_time" else 0.0,
            )
            for c in ROI_COST_LINES
        ] + [
            ChampionRoiLine("benefit", c, round(sums[("benefit", c)], 2), ARTICLE_ANNUAL[c])
            for c in ROI_BENEFIT_LINES
        ]  # fmt: skip
        cost = sum(x.amount for x in lines if x.kind == "cost")
        benefit = sum(x.amount for x in lines if x.kind == "benefit")
        listed = {("cost", c) for c in ROI_COST_LINES}
        listed |= {("benefit", c) for c in ROI_BENEFIT_LINES}
        other = sum(v for key, v in sums.items() if key not in listed)
        article_cost = sum(ARTICLE_ANNUAL[c] for c in ROI_COST_LINES)
        article_benefit = sum(ARTICLE_ANNUAL[c] for c in ROI_BENEFIT_LINES)
        return ChampionRoi(
            programme_id, start, end, lines, round(cost, 2), round(benefit, 2),
            None if cost <= 0 else round((benefit - cost) / cost * 100, 1),
            round((article_benefit - article_cost) / article_cost * 100, 1),
            len(shares), self.annual_cost, round(other, 2),
        )  # fmt: skip


#: For docs and tests: the anchors by criterion key.
ANCHORS = {key: (c.strong, c.medium, c.weak) for key, c in BY_KEY.items()}
