"""Programme steering reads: cohort suggestions, pilot against comparison, phase status.

Programmes are few and their state is small, so it is rebuilt from the event store
(the aggregate) when asked; the KPI figures come from the KPI read model through
``people_facts``. Every comparison follows the works council's k rule: a group, or a
figure, resting on fewer than k people is refused or suppressed.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from app.access import too_few_to_show
from app.aggregates.programme import Phase, Programme
from app.aggregates.programme_phases import Criterion
from app.application import Skillpath
from app.kpis.names import LOWER_IS_BETTER
from app.kpis.windows import Window
from app.persistence import SqlGateway
from app.programmes import cohort as cohorts
from app.programmes import people_facts
from app.programmes.comparison import Estimate, difference, estimates
from app.programmes.people_facts import PERSON_KPIS, Person
from app.projections.kpi_book import kpi_position

COMPARISONS = ("rest", "matched")
#: How many comparison people a matched comparison looks for per cohort member.
MATCHES_PER_MEMBER = 3
#: Windows whose facts are kept (pilot, baseline and rest of a phase status, and a few more).
FACTS_KEPT = 6
MET, NOT_MET, TOO_EARLY = "met", "not_met", "too_early"


class SteeringError(ValueError):
    """A steering question cannot be answered as asked; ``field`` names the argument."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class KpiComparison:
    kpi: str
    cohort: Estimate | None
    comparison: Estimate | None
    difference: Estimate | None


@dataclass(frozen=True)
class Comparison:
    window: Window
    against: str
    cohort_size: int
    comparison_size: int
    min_group_size: int
    kpis: list[KpiComparison]


@dataclass(frozen=True)
class CriterionStatus:
    criterion: Criterion
    status: str
    deadline: date
    value: float | None
    baseline: float | None
    target_value: float | None
    comparison_value: float | None
    people: int
    explanation: str


@dataclass(frozen=True)
class PhaseStatus:
    programme_id: str
    phase: Phase
    window: Window
    criteria: list[CriterionStatus]


@dataclass(frozen=True)
class OpenTarget:
    programme_id: str
    phase: str
    description: str
    target_value: float | None
    deadline: date


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def today() -> date:
    return datetime.now(UTC).date()


class ProgrammeBook:
    """Reads for programme steering; ``min_group_size`` is the works council's k."""

    def __init__(self, app: Skillpath, gateway: SqlGateway, min_group_size: int) -> None:
        self._app = app
        self._gateway = gateway
        self.min_group_size = min_group_size
        self._facts_lock = threading.Lock()
        self._facts_cache: dict[tuple[date, date, int], people_facts.WindowFacts] = {}
        self._answers: dict[tuple[Any, ...], Comparison] = {}

    # -- programmes ---------------------------------------------------------------------

    def programme(self, programme_id: str, field: str = "programmeId") -> Programme:
        try:
            return self._app.programme(UUID(programme_id), field, readonly=True)
        except Exception as error:  # NotFound or a malformed id
            raise SteeringError(field, f"no programme {programme_id}") from error

    def programme_ids(self) -> list[str]:
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows("SELECT programme_id FROM {kpi_programmes} ORDER BY name")
        return [r["programme_id"] for r in rows]

    # -- pilot cohort -------------------------------------------------------------------

    def candidates(self, department: str | None = None) -> list[cohorts.Candidate]:
        """Active employees who granted personalisation (the pilot personalises for them);
        their preference only when they also share their profile."""
        sql = (
            "SELECT e.id, e.department, e.years_experience, e.media_types, s.employee_id AS"
            " sharing FROM {employees} e JOIN {consents} p ON p.employee_id = e.id AND"
            " p.purpose = 'personalisation' LEFT JOIN {consents} s ON s.employee_id = e.id"
            " AND s.purpose = 'profile_sharing' WHERE e.status = 'active'"
            " AND e.id NOT IN (SELECT employee_id FROM {erasures})"
        )
        params: list[Any] = []
        if department:
            sql += " AND e.department = %s"
            params.append(department)
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows(sql + " ORDER BY e.seq", params)
        found = []
        for r in rows:
            media = json.loads(r["media_types"] or "[]") if r["sharing"] else []
            found.append(cohorts.Candidate(
                r["id"], r["department"], int(r["years_experience"]),
                str(media[0]) if media else None,
            ))  # fmt: skip
        return found

    def suggest_cohort(
        self, programme_id: str, size: int, department: str | None = None
    ) -> list[cohorts.Pick]:
        self.programme(programme_id)
        if size < self.min_group_size or size > cohorts.MAX_SIZE:
            raise SteeringError("size", f"must be between {self.min_group_size} (k) and"
                                        f" {cohorts.MAX_SIZE}")  # fmt: skip
        picks = cohorts.suggest(self.candidates(department), size, programme_id)
        if too_few_to_show(len(picks), self.min_group_size):
            raise SteeringError("size", f"only {len(picks)} people with personalisation"
                                        " consent: fewer than k")  # fmt: skip
        return picks

    # -- pilot against comparison -------------------------------------------------------

    def _facts(self, window: Window) -> people_facts.WindowFacts:
        """Everyone's facts in ``window``, read once per position of the KPI read model."""
        with self._gateway.transaction(write=False) as tx:
            key = (window.start, window.end, kpi_position(tx))
        with self._facts_lock:
            found = self._facts_cache.get(key)
        if found is None:
            found = people_facts.load(self._gateway, window)
            with self._facts_lock:
                self._facts_cache[key] = found
                while len(self._facts_cache) > FACTS_KEPT:
                    self._facts_cache.pop(next(iter(self._facts_cache)))
        return found

    def compare(
        self, programme_id: str, window: Window, against: str = "rest",
        kpis: Sequence[str] = PERSON_KPIS,
    ) -> Comparison:  # fmt: skip
        programme = self.programme(programme_id)
        with self._gateway.transaction(write=False) as tx:
            position = kpi_position(tx)
        # The same question on the same read model has the same answer (the bootstrap seed
        # is fixed per question): kept, it is not recomputed for every reader.
        key = (programme_id, programme.version, window.start, window.end, against,
               tuple(kpis), position)  # fmt: skip
        with self._facts_lock:
            kept = self._answers.get(key)
        if kept is not None:
            return kept
        found = self._compare(programme_id, programme, window, against, kpis)
        with self._facts_lock:
            self._answers[key] = found
            while len(self._answers) > FACTS_KEPT:
                self._answers.pop(next(iter(self._answers)))
        return found

    def _compare(
        self, programme_id: str, programme: Programme, window: Window, against: str,
        kpis: Sequence[str],
    ) -> Comparison:  # fmt: skip
        if against not in COMPARISONS:
            raise SteeringError("against", f"one of {', '.join(COMPARISONS)}")
        if not programme.cohort:
            raise SteeringError("programmeId", "the programme has no confirmed pilot cohort")
        facts = self._facts(window)
        members = [i for i in programme.cohort if i in facts.people]
        others = self._comparison_group(facts.people, members, against)
        k = self.min_group_size
        if too_few_to_show(len(members), k) or not members:
            raise SteeringError("programmeId", f"fewer than {k} of the cohort were employed"
                                               " in the window")  # fmt: skip
        if too_few_to_show(len(others), k) or not others:
            raise SteeringError("against", f"the comparison group has fewer than {k} people")
        seed = zlib.crc32(f"{programme_id}:{window.start}:{window.end}:{against}".encode())
        ours = estimates(_only(facts.group(members), kpis), len(members), seed)
        theirs = estimates(_only(facts.group(others), kpis), len(others), seed + 1)
        rows = []
        for name in kpis:
            a, b = self._shown(ours.get(name)), self._shown(theirs.get(name))
            both = difference(a, b) if a is not None and b is not None else None
            rows.append(KpiComparison(name, a, b, both))
        return Comparison(window, against, len(members), len(others), k, rows)

    def _shown(self, found: Estimate | None) -> Estimate | None:
        if found is None or too_few_to_show(found.people, self.min_group_size):
            return None
        return found

    def _comparison_group(
        self, people: dict[str, Person], members: list[str], against: str
    ) -> list[str]:
        chosen = set(members)
        rest = [i for i in people if i not in chosen]
        if against == "rest":
            return rest
        # Matched: for each member, the nearest in tenure of the same role, not yet taken.
        taken: set[str] = set()
        for member in members:
            me = people[member]
            same = sorted(
                (i for i in rest if people[i].role_id == me.role_id and i not in taken),
                key=lambda i: (abs((people[i].hire_day - me.hire_day).days), i),
            )
            taken.update(same[:MATCHES_PER_MEMBER])
        return sorted(taken)

    # -- phase status -------------------------------------------------------------------

    def phase_status(self, programme_id: str, phase: str | None = None) -> PhaseStatus:
        programme = self.programme(programme_id)
        found = _phase(programme, phase)
        end = min(today(), found.ends_on)
        if found.starts_on > end:
            window = Window(found.starts_on, found.starts_on, "not started")
        else:
            window = Window(found.starts_on, end, f"{found.starts_on} to {end}")
        length = (window.end - window.start).days + 1
        before = Window(
            window.start - timedelta(days=length), window.start - timedelta(days=1), "baseline"
        )
        now, baseline = self._group_values(programme, window), self._group_values(programme, before)
        rest = self._rest_values(programme, window)
        k = self.min_group_size
        statuses = [
            _judge(c, found, now.get(c.kpi), baseline.get(c.kpi), rest.get(c.kpi), k)
            for c in found.criteria
        ]
        return PhaseStatus(programme_id, found, window, statuses)

    def _group_values(self, programme: Programme, window: Window) -> dict[str, Estimate]:
        """The KPIs of the pilot cohort (pilot phase) or of everyone (later phases)."""
        facts = self._facts(window)
        current = programme.current_phase
        pilot = programme.cohort and (current is None or current.kind == "pilot")
        ids = [i for i in programme.cohort if i in facts.people] if pilot else list(facts.people)
        return estimates(facts.group(ids), len(ids), 7)

    def _rest_values(self, programme: Programme, window: Window) -> dict[str, Estimate]:
        if not programme.cohort:
            return {}
        facts = self._facts(window)
        chosen = set(programme.cohort)
        ids = [i for i in facts.people if i not in chosen]
        return estimates(facts.group(ids), len(ids), 11)

    # -- targets beside KPI history -----------------------------------------------------

    def open_targets(self) -> dict[str, OpenTarget]:
        """Per KPI, the target of the first open phase that sets one."""
        found: dict[str, OpenTarget] = {}
        for programme_id in self.programme_ids():
            programme = self.programme(programme_id)
            phase = programme.current_phase
            if phase is None or programme.stopped:
                continue
            for c in phase.criteria:
                if c.kpi in found:
                    continue
                value = None if c.kind == "change_by" else c.value
                found[c.kpi] = OpenTarget(
                    programme_id, phase.kind, c.describe(), value,
                    add_months(phase.starts_on, c.within_months),
                )  # fmt: skip
        return found


def _only(values: dict[str, Any], kpis: Sequence[str]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in kpis}


def _phase(programme: Programme, kind: str | None) -> Phase:
    if not programme.phases:
        raise SteeringError("programmeId", "the programme has no phases")
    if kind is None:
        return programme.current_phase or programme.phases[-1]
    for phase in programme.phases:
        if phase.kind == kind:
            return phase
    raise SteeringError("phase", f"the programme has no {kind} phase")


def _judge(
    c: Criterion, phase: Phase, now: Estimate | None, before: Estimate | None,
    rest: Estimate | None, k: int,
) -> CriterionStatus:  # fmt: skip
    deadline = add_months(phase.starts_on, c.within_months)
    enough = now is not None and now.value is not None and not too_few_to_show(now.people, k)
    value = now.value if enough and now is not None else None
    base = before.value if before is not None and not too_few_to_show(before.people, k) else None
    other = rest.value if rest is not None and not too_few_to_show(rest.people, k) else None
    people = now.people if now is not None else 0
    target: float | None
    if c.kind == "change_by":
        target = None if base is None else round(base + c.value, 4)
    else:
        target = c.value
    lower = c.kind == "at_most" or (
        c.kind == "change_by" and (c.value < 0 or (c.kpi in LOWER_IS_BETTER and c.value <= 0))
    )
    if value is None or target is None:
        why = (
            "fewer than k people behind the figure"
            if now is not None and now.value is not None
            else "nothing to measure yet"
            if value is None
            else "no baseline before the phase"
        )
        status = TOO_EARLY if today() < deadline else NOT_MET
        return CriterionStatus(c, status, deadline, value, base, target, other, people, why)
    reached = value <= target if lower else value >= target
    if reached:
        status, why = MET, f"{c.kpi} is {value:g}, target {target:g}"
    elif today() < deadline:
        status, why = TOO_EARLY, f"{c.kpi} is {value:g}, target {target:g} by {deadline}"
    else:
        status, why = NOT_MET, f"{c.kpi} is {value:g}, target {target:g} was due {deadline}"
    return CriterionStatus(c, status, deadline, value, base, target, other, people, why)
