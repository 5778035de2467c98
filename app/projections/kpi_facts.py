"""The KPI read model: dated facts that every KPI is computed from, in business time.

Each fact row carries the day it happened (``occurred_at``, hire dates, never the recording
time) and the department, team (manager) and role the employee had at that moment, so a
figure for last quarter does not change when someone moves team today. Feedback text is
reduced to a sentiment score here; the text itself is not copied.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from app.aggregates import Employee, Enrollment, LearningModule
from app.aggregates.decision import RecommendationDecision
from app.aggregates.programme import Programme
from app.consent.envelope import is_erased
from app.consent.ledger import ConsentLedger
from app.kpis.figures import ACCEPTANCE_DAYS, DETRACTOR_MAX, PROMOTER_MIN
from app.kpis.revision import rule_of
from app.kpis.sentiment import SentimentScorer
from app.persistence import Transaction
from app.projections.batching import BatchTransaction, Fold
from app.projections.engine import Projection, handles
from app.projections.kpi_history import (
    HISTORY_DDL,
    HISTORY_TABLES,
    LEARNERS,
    SENTIMENT_SCALE,
    KpiHistoryWriter,
    days_between,
    scopes_of,
)
from app.projections.kpi_lookups import KpiLookups

_GROUP = "department TEXT, manager_id TEXT, role_id TEXT"


def day_of(moment: datetime) -> str:
    """The UTC calendar day of a business timestamp."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date().isoformat()


#: Events whose handlers read the enrolment's current attempt.
_ENROLMENT_EVENT = (
    Enrollment.Reenrolled, Enrollment.Progressed, Enrollment.QuizAttempted,
    Enrollment.Completed, Enrollment.Dropped, Enrollment.FeedbackGiven,
)  # fmt: skip


class KpiProjection(Projection):
    name = "kpis"
    tables = (
        "kpi_people",
        "kpi_staffing",
        "kpi_attempts",
        "kpi_activity",
        "kpi_pulses",
        "kpi_feedback",
        "kpi_modules",
        "kpi_recommended",
        "kpi_programmes",
        "kpi_programme_entries",
        "kpi_revision_flags",
        "kpi_programme_lines",
        *HISTORY_TABLES,
    )
    ddl = (
        "CREATE TABLE IF NOT EXISTS {kpi_people} (employee_id TEXT PRIMARY KEY, "
        + _GROUP
        + ", hire_day TEXT NOT NULL, left_day TEXT, productive_day TEXT)",
        "CREATE TABLE IF NOT EXISTS {kpi_staffing} (employee_id TEXT NOT NULL,"
        " version INTEGER NOT NULL, kind TEXT NOT NULL, day TEXT NOT NULL, "
        + _GROUP
        + ", PRIMARY KEY (employee_id, version))",
        "CREATE INDEX IF NOT EXISTS kpi_staffing_day ON {kpi_staffing} (day)",
        "CREATE TABLE IF NOT EXISTS {kpi_attempts} (enrollment_id TEXT NOT NULL,"
        " attempt INTEGER NOT NULL, employee_id TEXT NOT NULL, module_id TEXT NOT NULL, "
        + _GROUP
        + ", source TEXT NOT NULL, recommendation_id TEXT, enrolled_day TEXT NOT NULL,"
        " completed_day TEXT, dropped_day TEXT, drop_position DOUBLE PRECISION,"
        " PRIMARY KEY (enrollment_id, attempt))",
        "CREATE INDEX IF NOT EXISTS kpi_attempts_enrolled ON {kpi_attempts} (enrolled_day)",
        "CREATE INDEX IF NOT EXISTS kpi_attempts_dropped ON {kpi_attempts} (dropped_day)",
        # A module's attempts and drops: the revision check after every batch and the
        # module insights (without it, a scan of every attempt per changed module).
        "CREATE INDEX IF NOT EXISTS kpi_attempts_module ON {kpi_attempts} (module_id, dropped_day)",
        "CREATE TABLE IF NOT EXISTS {kpi_activity} (employee_id TEXT NOT NULL,"
        " module_id TEXT NOT NULL, day TEXT NOT NULL, minutes INTEGER NOT NULL,"
        " events INTEGER NOT NULL, PRIMARY KEY (employee_id, module_id, day))",
        "CREATE INDEX IF NOT EXISTS kpi_activity_day ON {kpi_activity} (day)",
        "CREATE TABLE IF NOT EXISTS {kpi_pulses} (employee_id TEXT NOT NULL,"
        " version INTEGER NOT NULL, day TEXT NOT NULL, score INTEGER NOT NULL, "
        + _GROUP
        + ", PRIMARY KEY (employee_id, version))",
        "CREATE INDEX IF NOT EXISTS kpi_pulses_day ON {kpi_pulses} (day)",
        "CREATE TABLE IF NOT EXISTS {kpi_feedback} (enrollment_id TEXT NOT NULL,"
        " version INTEGER NOT NULL, employee_id TEXT NOT NULL, module_id TEXT NOT NULL,"
        " day TEXT NOT NULL, rating INTEGER NOT NULL, sentiment DOUBLE PRECISION, "
        + _GROUP
        + ", PRIMARY KEY (enrollment_id, version))",
        "CREATE INDEX IF NOT EXISTS kpi_feedback_module ON {kpi_feedback} (module_id, day)",
        "CREATE TABLE IF NOT EXISTS {kpi_modules} (module_id TEXT PRIMARY KEY,"
        " title TEXT NOT NULL, language TEXT NOT NULL, minutes INTEGER NOT NULL,"
        " status TEXT NOT NULL, revised_day TEXT, changed_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS kpi_modules_changed ON {kpi_modules} (changed_at)",
        "CREATE TABLE IF NOT EXISTS {kpi_recommended} (decision_id TEXT NOT NULL,"
        " module_id TEXT NOT NULL, employee_id TEXT NOT NULL, day TEXT NOT NULL,"
        " issued_at TEXT NOT NULL, enrolled_day TEXT, answer TEXT, "
        + _GROUP
        + ", PRIMARY KEY (decision_id, module_id))",
        "CREATE INDEX IF NOT EXISTS kpi_recommended_day ON {kpi_recommended} (day)",
        "CREATE TABLE IF NOT EXISTS {kpi_programmes} (programme_id TEXT PRIMARY KEY,"
        " name TEXT NOT NULL, department TEXT)",
        "CREATE TABLE IF NOT EXISTS {kpi_programme_entries} (programme_id TEXT NOT NULL,"
        " version INTEGER NOT NULL, kind TEXT NOT NULL, day TEXT NOT NULL,"
        " amount DOUBLE PRECISION NOT NULL, PRIMARY KEY (programme_id, version))",
        "CREATE TABLE IF NOT EXISTS {kpi_revision_flags} (module_id TEXT NOT NULL,"
        " version INTEGER NOT NULL, rule TEXT, reason TEXT NOT NULL, figures TEXT NOT NULL,"
        " flagged_at TEXT NOT NULL, open INTEGER NOT NULL, PRIMARY KEY (module_id, version))",
        "CREATE TABLE IF NOT EXISTS {kpi_programme_lines} (programme_id TEXT NOT NULL,"
        " version INTEGER NOT NULL, kind TEXT NOT NULL, category TEXT NOT NULL,"
        " day TEXT NOT NULL, amount DOUBLE PRECISION NOT NULL,"
        " PRIMARY KEY (programme_id, version))",
        *HISTORY_DDL,
    )

    def __init__(self, scorer: SentimentScorer | None = None) -> None:
        self._scorer = scorer or SentimentScorer()
        self._lookups = KpiLookups()
        self._history = KpiHistoryWriter()

    def apply_batch(self, events: Sequence[tuple[int, Any]], tx: Transaction) -> None:
        # The current attempts of the batch's enrolments in a few reads, not one per event.
        self._lookups.prefetch_attempts(
            tx, (str(e.originator_id) for _, e in events if isinstance(e, _ENROLMENT_EVENT))
        )
        super().apply_batch(events, tx)

    # -- people ---------------------------------------------------------------------------

    @handles(Employee.Hired)
    def hired(self, e: Employee.Hired, tx: Transaction) -> None:
        group = (e.department, _opt(e.manager_id), str(e.role_id))
        tx.execute(
            "INSERT INTO {kpi_people} (employee_id, department, manager_id, role_id, hire_day)"
            " VALUES (%s, %s, %s, %s, %s)",
            (str(e.originator_id), *group, e.hire_date.isoformat()),
        )
        self._lookups.set_group(tx, str(e.originator_id), group)
        self._staffing(tx, e, "hire", e.hire_date.isoformat(), group)
        day, scopes, person = e.hire_date.isoformat(), _scopes(group), str(e.originator_id)
        self._history.joined(tx, day, scopes)
        self._history.add(tx, "internal_hiring_share", day, scopes, 0, 1, person)
        self._history.member(tx, "time_to_productivity_days", day, scopes, person)

    @handles(Employee.RoleChanged)
    def role_changed(self, e: Employee.RoleChanged, tx: Transaction) -> None:
        """Every change moves the person's group; only a new role is an internal move.

        A change of manager or department alone is a reorganisation, not a hire from within,
        so it adds no staffing fact and does not count for the internal hiring share.
        """
        group = (e.department, _opt(e.manager_id), str(e.role_id))
        day, person = day_of(e.occurred_at), str(e.originator_id)
        before = self._lookups.group(tx, person)
        previous_role = before[2]
        self._history.left(tx, day, _scopes(before)[1:])
        self._history.joined(tx, day, _scopes(group)[1:])
        # Only a change of role is an internal move; a new manager or department regroups.
        if previous_role != str(e.role_id):
            self._history.add(tx, "internal_hiring_share", day, _scopes(group), 1, 1, person)
        tx.execute(
            "UPDATE {kpi_people} SET department = %s, manager_id = %s, role_id = %s"
            " WHERE employee_id = %s",
            (*group, str(e.originator_id)),
        )
        self._lookups.set_group(tx, str(e.originator_id), group)
        if previous_role != str(e.role_id):
            self._staffing(tx, e, "move", day_of(e.occurred_at), group)

    @handles(Employee.DetailsChanged)
    def details_changed(self, e: Employee.DetailsChanged, tx: Transaction) -> None:
        # A new department or manager regroups the person; it is no internal move.
        role_id = tx.scalar(
            "SELECT role_id FROM {kpi_people} WHERE employee_id = %s", (str(e.originator_id),)
        )
        group = (e.department, _opt(e.manager_id), role_id)
        tx.execute(
            "UPDATE {kpi_people} SET department = %s, manager_id = %s WHERE employee_id = %s",
            (e.department, _opt(e.manager_id), str(e.originator_id)),
        )
        self._lookups.set_group(tx, str(e.originator_id), group)

    def _staffing(
        self, tx: Transaction, e: Any, kind: str, day: str, group: tuple[Any, ...]
    ) -> None:
        tx.execute(
            "INSERT INTO {kpi_staffing} (employee_id, version, kind, day, department,"
            " manager_id, role_id) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (str(e.originator_id), e.originator_version, kind, day, *group),
        )

    @handles(Employee.ProductivityReached)
    def productivity_reached(self, e: Employee.ProductivityReached, tx: Transaction) -> None:
        hire = tx.row(
            "SELECT day, department, role_id FROM {kpi_staffing} WHERE employee_id = %s"
            " AND kind = 'hire'",
            (str(e.originator_id),),
        )
        if hire is not None:
            days = days_between(hire["day"], e.reached_on.isoformat())
            scopes = scopes_of(hire["department"], hire["role_id"])
            self._history.value(tx, "time_to_productivity_days", hire["day"], scopes, days)
        tx.execute(
            "UPDATE {kpi_people} SET productive_day = %s WHERE employee_id = %s",
            (e.reached_on.isoformat(), str(e.originator_id)),
        )

    @handles(Employee.Left)
    def left(self, e: Employee.Left, tx: Transaction) -> None:
        group = self._lookups.group(tx, str(e.originator_id))
        self._history.left(tx, e.left_on.isoformat(), _scopes(group))
        tx.execute(
            "UPDATE {kpi_people} SET left_day = %s WHERE employee_id = %s",
            (e.left_on.isoformat(), str(e.originator_id)),
        )

    @handles(Employee.PulseAnswered)
    def pulse_answered(self, e: Employee.PulseAnswered, tx: Transaction) -> None:
        employee_id = str(e.originator_id)
        score = 1 if e.score >= PROMOTER_MIN else -1 if e.score <= DETRACTOR_MAX else 0
        self._history.add(
            tx, "enps", day_of(e.occurred_at), _scopes(self._lookups.group(tx, employee_id)),
            score, 1, employee_id,
        )  # fmt: skip
        tx.execute(
            "INSERT INTO {kpi_pulses} (employee_id, version, day, score, department, manager_id,"
            " role_id) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                employee_id,
                e.originator_version,
                day_of(e.occurred_at),
                e.score,
                *self._lookups.group(tx, employee_id),
            ),
        )

    # -- learning -------------------------------------------------------------------------

    @handles(Enrollment.Enrolled)
    def enrolled(self, e: Enrollment.Enrolled, tx: Transaction) -> None:
        self._attempt(tx, e, 1, str(e.employee_id), str(e.module_id), e.source, e.recommendation_id)

    @handles(Enrollment.Reenrolled)
    def reenrolled(self, e: Enrollment.Reenrolled, tx: Transaction) -> None:
        last = self._lookups.last_attempt(tx, str(e.originator_id))
        self._attempt(
            tx, e, e.attempt, last["employee_id"], last["module_id"], e.source, e.recommendation_id
        )

    def _attempt(
        self,
        tx: Transaction,
        e: Any,
        attempt: int,
        employee_id: str,
        module_id: str,
        source: str,
        recommendation_id: Any,
    ) -> None:
        day = day_of(e.occurred_at)
        recommendation = _opt(recommendation_id)
        group = self._lookups.group(tx, employee_id)
        self._history.add(tx, "completion_rate", day, _scopes(group), 0, 1, employee_id)
        if recommendation is not None:
            self._accepted(tx, recommendation, module_id, day)
        tx.execute(
            "INSERT INTO {kpi_attempts} (enrollment_id, attempt, employee_id, module_id,"
            " department, manager_id, role_id, source, recommendation_id, enrolled_day)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                str(e.originator_id),
                attempt,
                employee_id,
                module_id,
                *group,
                source,
                recommendation,
                day,
            ),
        )
        self._lookups.set_attempt(
            tx,
            str(e.originator_id),
            {
                "attempt": attempt,
                "employee_id": employee_id,
                "module_id": module_id,
                "enrolled_day": day,
                "department": group[0],
                "role_id": group[2],
            },
        )
        if recommendation is not None:
            # Accepted: enrolled in the recommended module within the acceptance period.
            tx.execute(
                "UPDATE {kpi_recommended} SET enrolled_day = %s WHERE decision_id = %s"
                " AND module_id = %s AND enrolled_day IS NULL",
                (day, recommendation, module_id),
            )
        self._activity(tx, employee_id, module_id, day, 0)

    def _accepted(self, tx: Transaction, decision_id: str, module_id: str, day: str) -> None:
        """An enrolment in a recommended module within the acceptance period, counted on
        the day the recommendation was issued."""
        issued = tx.row(
            "SELECT day, department, role_id FROM {kpi_recommended} WHERE decision_id = %s"
            " AND module_id = %s AND enrolled_day IS NULL",
            (decision_id, module_id),
        )
        if issued is not None and days_between(issued["day"], day) <= ACCEPTANCE_DAYS:
            scopes = scopes_of(issued["department"], issued["role_id"])
            self._history.add(tx, "recommendation_acceptance", issued["day"], scopes, 1, 0)

    @handles(Enrollment.Progressed, Enrollment.QuizAttempted)
    def progressed(
        self, e: Enrollment.Progressed | Enrollment.QuizAttempted, tx: Transaction
    ) -> None:
        last = self._lookups.last_attempt(tx, str(e.originator_id))
        minutes = getattr(e, "minutes", None) or 0
        self._activity(tx, last["employee_id"], last["module_id"], day_of(e.occurred_at), minutes)

    @handles(Enrollment.Completed)
    def completed(self, e: Enrollment.Completed, tx: Transaction) -> None:
        # The current attempt's row as written (the lookup reads or remembers all of it).
        last = self._finished(tx, e, "completed_day = %s", day_of(e.occurred_at))
        scopes = scopes_of(last["department"], last["role_id"])
        self._history.add(tx, "completion_rate", last["enrolled_day"], scopes, 1, 0)

    @handles(Enrollment.Dropped)
    def dropped(self, e: Enrollment.Dropped, tx: Transaction) -> None:
        last = self._finished(
            tx,
            e,
            "dropped_day = %s, drop_position = %s",
            day_of(e.occurred_at),
            e.position_minutes,
        )
        scopes = _scopes(self._lookups.group(tx, last["employee_id"]))
        day = day_of(e.occurred_at)
        if e.position_minutes is not None:  # known only with activity_tracking consent
            self._history.value(tx, "drop_off_minutes", day, scopes, e.position_minutes)
            self._history.member(tx, "drop_off_minutes", day, scopes, last["employee_id"])
        self._module_changed(tx, last["module_id"], e)

    def _finished(self, tx: Transaction, e: Any, assignments: str, *values: Any) -> dict[str, Any]:
        last = self._lookups.last_attempt(tx, str(e.originator_id))
        tx.execute(
            f"UPDATE {{kpi_attempts}} SET {assignments} WHERE enrollment_id = %s AND attempt = %s",
            (*values, str(e.originator_id), last["attempt"]),
        )
        self._activity(tx, last["employee_id"], last["module_id"], day_of(e.occurred_at), 0)
        return last

    @handles(Enrollment.FeedbackGiven)
    def feedback_given(self, e: Enrollment.FeedbackGiven, tx: Transaction) -> None:
        last = self._lookups.last_attempt(tx, str(e.originator_id))
        module_id = last["module_id"]
        language = self._lookups.language(tx, module_id)
        # An erased comment can no longer be read: it has no sentiment, its rating still counts.
        comment = "" if is_erased(e.comment) else e.comment
        sentiment = self._scorer.score(comment, language or "en")
        employee_id = str(e.employee_id)
        day, scopes = day_of(e.occurred_at), _scopes(self._lookups.group(tx, employee_id))
        self._history.add(tx, "average_rating", day, scopes, e.rating, 1, employee_id)
        if sentiment is not None:
            scaled = round(sentiment * SENTIMENT_SCALE)
            self._history.add(tx, "feedback_sentiment", day, scopes, scaled, 1, employee_id)
        tx.execute(
            "INSERT INTO {kpi_feedback} (enrollment_id, version, employee_id, module_id, day,"
            " rating, sentiment, department, manager_id, role_id)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                str(e.originator_id),
                e.originator_version,
                employee_id,
                module_id,
                day_of(e.occurred_at),
                e.rating,
                sentiment,
                *self._lookups.group(tx, employee_id),
            ),
        )
        self._activity(tx, employee_id, module_id, day_of(e.occurred_at), 0)
        self._module_changed(tx, module_id, e)

    def _activity(
        self, tx: Transaction, employee_id: str, module_id: str, day: str, minutes: int
    ) -> None:
        if isinstance(tx, BatchTransaction):
            # Summed over the batch per (employee, module, day), written once.
            activity = tx.fold("kpi_activity", _Activity).rows
            found = activity.get((employee_id, module_id, day))
            if found is None:
                activity[(employee_id, module_id, day)] = [minutes, 1]
            else:
                found[0] += minutes
                found[1] += 1
        else:
            tx.execute(
                "INSERT INTO {kpi_activity} (employee_id, module_id, day, minutes, events)"
                " VALUES (%s, %s, %s, %s, 1) ON CONFLICT (employee_id, module_id, day) DO UPDATE"
                " SET minutes = {kpi_activity}.minutes + excluded.minutes,"
                " events = {kpi_activity}.events + 1",
                (employee_id, module_id, day, minutes),
            )
        scopes = _scopes(self._lookups.group(tx, employee_id))
        self._history.member(tx, LEARNERS, day, scopes, employee_id)
        if minutes:
            self._history.add(tx, "learning_hours_per_employee", day, scopes, minutes, 0)

    @handles(ConsentLedger.Erased)
    def erased(self, e: ConsentLedger.Erased, tx: Transaction) -> None:
        """An erased comment has no sentiment any more (see erasure.py): its share of the
        history goes too, so the history equals a replay without it."""
        employee_id = tx.scalar(
            "SELECT employee_id FROM {consent_ledgers} WHERE ledger_id = %s",
            (str(e.originator_id),),
        )
        if employee_id is None:
            return
        for row in tx.rows(
            "SELECT day, sentiment, department, role_id FROM {kpi_feedback}"
            " WHERE employee_id = %s AND sentiment IS NOT NULL",
            (str(employee_id),),
        ):
            scaled = round(float(row["sentiment"]) * SENTIMENT_SCALE)
            scopes = scopes_of(row["department"], row["role_id"])
            self._history.add(tx, "feedback_sentiment", row["day"], scopes, -scaled, -1)
        self._history.forget(tx, "feedback_sentiment", str(employee_id))

    # -- modules --------------------------------------------------------------------------

    @handles(LearningModule.Published)
    def published(self, e: LearningModule.Published, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {kpi_modules} (module_id, title, language, minutes, status, changed_at)"
            " VALUES (%s, %s, %s, %s, 'published', %s)",
            (str(e.originator_id), e.title, e.language, e.minutes, e.timestamp.isoformat()),
        )
        self._lookups.set_language(tx, str(e.originator_id), e.language)

    @handles(LearningModule.Revised)
    def revised(self, e: LearningModule.Revised, tx: Transaction) -> None:
        module_id = str(e.originator_id)
        tx.execute(
            "UPDATE {kpi_modules} SET title = %s, language = %s, minutes = %s,"
            " status = 'published', revised_day = %s, changed_at = %s WHERE module_id = %s",
            (
                e.title,
                e.language,
                e.minutes,
                day_of(e.timestamp),
                e.timestamp.isoformat(),
                module_id,
            ),
        )
        self._lookups.set_language(tx, module_id, e.language)
        tx.execute("UPDATE {kpi_revision_flags} SET open = 0 WHERE module_id = %s", (module_id,))

    @handles(LearningModule.FlaggedForRevision)
    def flagged(self, e: LearningModule.FlaggedForRevision, tx: Transaction) -> None:
        module_id = str(e.originator_id)
        tx.execute(
            "INSERT INTO {kpi_revision_flags} (module_id, version, rule, reason, figures,"
            " flagged_at, open) VALUES (%s, %s, %s, %s, %s, %s, 1)",
            (
                module_id,
                e.originator_version,
                rule_of(e.reason),
                e.reason,
                json.dumps(e.figures, sort_keys=True),
                e.timestamp.isoformat(),
            ),
        )
        tx.execute("UPDATE {kpi_modules} SET status = 'flagged' WHERE module_id = %s", (module_id,))

    @handles(LearningModule.Retired)
    def retired(self, e: LearningModule.Retired, tx: Transaction) -> None:
        module_id = str(e.originator_id)
        tx.execute("UPDATE {kpi_modules} SET status = 'retired' WHERE module_id = %s", (module_id,))
        tx.execute("UPDATE {kpi_revision_flags} SET open = 0 WHERE module_id = %s", (module_id,))

    def _module_changed(self, tx: Transaction, module_id: str, e: Any) -> None:
        # Tells the revision policy which modules have new feedback or drops to look at.
        tx.execute(
            "UPDATE {kpi_modules} SET changed_at = %s WHERE module_id = %s",
            (e.timestamp.isoformat(), module_id),
        )

    # -- recommendations ------------------------------------------------------------------

    @handles(RecommendationDecision.RecommendationIssued)
    def recommendation_issued(
        self, e: RecommendationDecision.RecommendationIssued, tx: Transaction
    ) -> None:
        employee_id = str(e.employee_id)
        group = self._lookups.group(tx, employee_id)
        self._history.add(
            tx, "recommendation_acceptance", day_of(e.occurred_at), _scopes(group), 0,
            len(e.module_ids), employee_id,
        )  # fmt: skip
        tx.executemany(
            "INSERT INTO {kpi_recommended} (decision_id, module_id, employee_id, day, issued_at,"
            " department, manager_id, role_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    str(e.originator_id),
                    str(module_id),
                    employee_id,
                    day_of(e.occurred_at),
                    e.occurred_at.isoformat(),
                    *group,
                )
                for module_id in e.module_ids
            ],
        )

    @handles(RecommendationDecision.RecommendationAnswered)
    def recommendation_answered(
        self, e: RecommendationDecision.RecommendationAnswered, tx: Transaction
    ) -> None:
        tx.execute(
            "UPDATE {kpi_recommended} SET answer = %s WHERE decision_id = %s AND module_id = %s",
            (e.answer, str(e.originator_id), str(e.module_id)),
        )

    # -- programmes -----------------------------------------------------------------------

    @handles(Programme.Defined)
    def programme_defined(self, e: Programme.Defined, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {kpi_programmes} (programme_id, name, department) VALUES (%s, %s, %s)",
            (str(e.originator_id), e.name, e.department),
        )

    @handles(Programme.CostRecorded)
    def cost_recorded(self, e: Programme.CostRecorded, tx: Transaction) -> None:
        self._entry(tx, e, "cost", e.incurred_on.isoformat(), e.amount)

    @handles(Programme.TimeSavedEstimated)
    def time_saved(self, e: Programme.TimeSavedEstimated, tx: Transaction) -> None:
        amount = e.hours * e.hourly_value
        self._entry(tx, e, "benefit", e.estimated_for.isoformat(), amount, "time_saved")

    @handles(Programme.CostLineRecorded)
    def cost_line(self, e: Programme.CostLineRecorded, tx: Transaction) -> None:
        self._entry(tx, e, "cost", e.incurred_on.isoformat(), e.amount, e.category)

    @handles(Programme.BenefitRecorded)
    def benefit(self, e: Programme.BenefitRecorded, tx: Transaction) -> None:
        self._entry(tx, e, "benefit", e.realised_on.isoformat(), e.amount, e.category)

    def _entry(
        self, tx: Transaction, e: Any, kind: str, day: str, amount: float, category: str = "other"
    ) -> None:
        tx.execute(
            "INSERT INTO {kpi_programme_lines} (programme_id, version, kind, category, day,"
            " amount) VALUES (%s, %s, %s, %s, %s, %s)",
            (str(e.originator_id), e.originator_version, kind, category, day, amount),
        )
        department = tx.scalar(
            "SELECT department FROM {kpi_programmes} WHERE programme_id = %s",
            (str(e.originator_id),),
        )
        benefit, cost = (amount, 0.0) if kind == "benefit" else (0.0, amount)
        self._history.add(tx, "roi_percent", day, scopes_of(department, None), benefit, cost)
        tx.execute(
            "INSERT INTO {kpi_programme_entries} (programme_id, version, kind, day, amount)"
            " VALUES (%s, %s, %s, %s, %s)",
            (str(e.originator_id), e.originator_version, kind, day, amount),
        )


class _Activity(Fold):
    """A batch's minutes and events per (employee, module, day) in ``kpi_activity``."""

    tables = frozenset({"kpi_activity"})

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, str], list[int]] = {}

    def flush(self, tx: BatchTransaction) -> None:
        tx.executemany(
            "INSERT INTO {kpi_activity} (employee_id, module_id, day, minutes, events)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (employee_id, module_id, day) DO UPDATE"
            " SET minutes = {kpi_activity}.minutes + excluded.minutes,"
            " events = {kpi_activity}.events + excluded.events",
            [(*key, minutes, events) for key, (minutes, events) in self.rows.items()],
        )


def _scopes(group: tuple[Any, ...]) -> list[tuple[str, str]]:
    """History scopes of a stamped (department, manager, role) group."""
    return scopes_of(group[0], group[2])


def _opt(value: object | None) -> str | None:
    return None if value is None else str(value)
