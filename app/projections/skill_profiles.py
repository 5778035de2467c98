"""The skill read model: each person's current level per skill, and what mobility needs.

Current levels combine the sources with a stated precedence: a quiz result over a manager's
judgement over a self-assessment, and within one source the newer (in business time) over
the older. The self-assessment is kept beside the current level, so a profile can show where
the person's own view and an observed level (quiz or manager) disagree.

Every changed row takes the next ``seq`` of its table, so the in-memory index of
``app/people/skill_index.py`` can catch up with only what changed since it last looked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.aggregates import Employee
from app.consent.ledger import ConsentLedger
from app.persistence import Transaction
from app.projections.batching import BatchTransaction
from app.projections.engine import Projection, handles

#: Higher wins: observed levels over the person's own view.
PRECEDENCE = {"quiz": 3, "manager": 2, "self": 1}
SHARING = "profile_sharing"


class SkillProfileProjection(Projection):
    name = "skill_profiles"
    tables = ("skill_observations", "skill_levels", "skill_people")
    ddl = (
        "CREATE TABLE IF NOT EXISTS {skill_observations} (employee_id TEXT NOT NULL,"
        " skill TEXT NOT NULL, source TEXT NOT NULL, level INTEGER NOT NULL,"
        " occurred_at TEXT NOT NULL, PRIMARY KEY (employee_id, skill, source))",
        "CREATE TABLE IF NOT EXISTS {skill_levels} (employee_id TEXT NOT NULL,"
        " skill TEXT NOT NULL, level INTEGER NOT NULL, source TEXT NOT NULL,"
        " occurred_at TEXT NOT NULL, self_level INTEGER, observed_level INTEGER,"
        " seq BIGINT NOT NULL, PRIMARY KEY (employee_id, skill))",
        "CREATE INDEX IF NOT EXISTS skill_levels_seq ON {skill_levels} (seq)",
        "CREATE TABLE IF NOT EXISTS {skill_people} (employee_id TEXT PRIMARY KEY,"
        " ledger_id TEXT NOT NULL, role_id TEXT NOT NULL, department TEXT NOT NULL,"
        " manager_id TEXT, location TEXT NOT NULL, years_experience INTEGER NOT NULL,"
        " language TEXT NOT NULL, active INTEGER NOT NULL, sharing INTEGER NOT NULL,"
        " seq BIGINT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS skill_people_seq ON {skill_people} (seq)",
        "CREATE INDEX IF NOT EXISTS skill_people_ledger ON {skill_people} (ledger_id)",
        "CREATE INDEX IF NOT EXISTS skill_people_manager ON {skill_people} (manager_id)",
    )

    # -- people -------------------------------------------------------------------------

    @handles(Employee.Hired)
    def hired(self, e: Employee.Hired, tx: Transaction) -> None:
        employee_id = e.originator_id
        tx.execute(
            "INSERT INTO {skill_people} (employee_id, ledger_id, role_id, department,"
            " manager_id, location, years_experience, language, active, sharing, seq)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, 'en', 1, 0,"
            " (SELECT COALESCE(MAX(seq), 0) + 1 FROM {skill_people}))",
            (
                str(employee_id), str(ConsentLedger.id_for(employee_id)), str(e.role_id),
                e.department, _opt(e.manager_id), e.location, e.years_experience,
            ),
        )  # fmt: skip

    def _person(self, tx: Transaction, employee_id: str, assignments: str, *values: Any) -> None:
        tx.execute(
            f"UPDATE {{skill_people}} SET {assignments},"
            " seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM {skill_people})"
            " WHERE employee_id = %s",
            (*values, employee_id),
        )

    @handles(Employee.RoleChanged)
    def role_changed(self, e: Employee.RoleChanged, tx: Transaction) -> None:
        self._person(
            tx, str(e.originator_id), "role_id = %s, department = %s, manager_id = %s",
            str(e.role_id), e.department, _opt(e.manager_id),
        )  # fmt: skip

    @handles(Employee.ProfileUpdated)
    def profile_updated(self, e: Employee.ProfileUpdated, tx: Transaction) -> None:
        self._person(tx, str(e.originator_id), "language = %s", e.language)

    @handles(Employee.Left)
    def left(self, e: Employee.Left, tx: Transaction) -> None:
        self._person(tx, str(e.originator_id), "active = 0")

    @handles(ConsentLedger.Granted)
    def granted(self, e: ConsentLedger.Granted, tx: Transaction) -> None:
        if e.purpose == SHARING:
            self._by_ledger(tx, str(e.originator_id), 1)

    @handles(ConsentLedger.Withdrawn)
    def withdrawn(self, e: ConsentLedger.Withdrawn, tx: Transaction) -> None:
        if e.purpose == SHARING:
            self._by_ledger(tx, str(e.originator_id), 0)

    def _by_ledger(self, tx: Transaction, ledger_id: str, sharing: int) -> None:
        tx.execute(
            "UPDATE {skill_people} SET sharing = %s,"
            " seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM {skill_people})"
            " WHERE ledger_id = %s",
            (sharing, ledger_id),
        )

    # -- skills -------------------------------------------------------------------------

    @handles(Employee.SkillAssessed)
    def skill_assessed(self, e: Employee.SkillAssessed, tx: Transaction) -> None:
        employee_id, when = str(e.originator_id), e.occurred_at.isoformat()
        # In a batch, the observations of everyone assessed were read once (apply_batch)
        # and are kept current here: only this projection writes them.
        memo = tx.memo("skill_observations") if isinstance(tx, BatchTransaction) else None
        if memo is not None and (employee_id, e.skill) in memo:
            found = memo[(employee_id, e.skill)]
        else:
            found = tx.rows(
                "SELECT source, level, occurred_at FROM {skill_observations}"
                " WHERE employee_id = %s AND skill = %s",
                (employee_id, e.skill),
            )
        same = next((row for row in found if row["source"] == e.source), None)
        # Within a source, the newer assessment in business time wins (ties: the later one).
        if same is None or when >= same["occurred_at"]:
            tx.execute(
                "DELETE FROM {skill_observations} WHERE employee_id = %s AND skill = %s"
                " AND source = %s",
                (employee_id, e.skill, e.source),
            )
            tx.execute(
                "INSERT INTO {skill_observations} (employee_id, skill, source, level,"
                " occurred_at) VALUES (%s, %s, %s, %s, %s)",
                (employee_id, e.skill, e.source, e.level, when),
            )
            found = [row for row in found if row is not same]
            found.append({"source": e.source, "level": e.level, "occurred_at": when})
        if memo is not None:
            memo[(employee_id, e.skill)] = found
        by_source = {row["source"]: row for row in found}
        current = max(found, key=lambda row: PRECEDENCE[row["source"]])
        observed = by_source.get("quiz") or by_source.get("manager")
        own = by_source.get("self")
        tx.execute(
            "INSERT INTO {skill_levels} (employee_id, skill, level, source, occurred_at,"
            " self_level, observed_level, seq) VALUES (%s, %s, %s, %s, %s, %s, %s,"
            " (SELECT COALESCE(MAX(seq), 0) + 1 FROM {skill_levels}))"
            " ON CONFLICT (employee_id, skill) DO UPDATE SET level = excluded.level,"
            " source = excluded.source, occurred_at = excluded.occurred_at,"
            " self_level = excluded.self_level, observed_level = excluded.observed_level,"
            " seq = excluded.seq",
            (
                employee_id, e.skill, current["level"], current["source"],
                current["occurred_at"], None if own is None else own["level"],
                None if observed is None else observed["level"],
            ),
        )  # fmt: skip

    def apply_batch(self, events: Sequence[tuple[int, Any]], tx: Transaction) -> None:
        if isinstance(tx, BatchTransaction):
            # Every assessed (employee, skill) of the batch, read in one go before any write.
            skills: dict[str, set[str]] = {}
            for _, e in events:
                if type(e) is Employee.SkillAssessed:
                    skills.setdefault(str(e.originator_id), set()).add(e.skill)
            memo = tx.memo("skill_observations")
            wanted = sorted(skills)
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                for employee_id in chunk:
                    for skill in skills[employee_id]:
                        memo[(employee_id, skill)] = []
                for row in tx.rows(
                    "SELECT employee_id, skill, source, level, occurred_at"
                    " FROM {skill_observations} WHERE employee_id IN ("
                    + ", ".join(["%s"] * len(chunk)) + ")",
                    chunk,
                ):  # fmt: skip
                    found = memo.get((row["employee_id"], row["skill"]))
                    if found is not None:
                        found.append({k: row[k] for k in ("source", "level", "occurred_at")})
        super().apply_batch(events, tx)


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)
