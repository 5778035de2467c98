"""Pulse survey answers as countable facts: the eNPS score and each item, per team.

Each answer carries the department and team (manager) the person had when they answered.
Free-text answers are reduced to a sentiment score here; the text itself is not copied,
and the score goes with the text on erasure (app/projections/erasure.py). They are scored by
the analyser module feedback uses (app/kpis/sentiment.py: English, Danish, Norwegian,
German, criticism phrased as a wish included), in the language of the person's profile.
"""

from __future__ import annotations

import json
from typing import Any

from app.aggregates import Employee
from app.aggregates.pulse_survey import PulseSurvey
from app.consent.envelope import is_erased
from app.kpis.sentiment import SentimentScorer
from app.persistence import Transaction
from app.projections.engine import Projection, handles
from app.projections.kpi_facts import day_of


class PulseResultsProjection(Projection):
    name = "pulse_results"
    tables = ("pulse_surveys", "pulse_people", "pulse_answers", "pulse_items", "pulse_languages")
    ddl = (
        "CREATE TABLE IF NOT EXISTS {pulse_surveys} (id TEXT PRIMARY KEY, title TEXT NOT NULL,"
        " items TEXT NOT NULL, cadence TEXT NOT NULL, status TEXT NOT NULL,"
        " defined_at TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {pulse_people} (employee_id TEXT PRIMARY KEY,"
        " department TEXT NOT NULL, manager_id TEXT)",
        "CREATE TABLE IF NOT EXISTS {pulse_answers} (employee_id TEXT NOT NULL,"
        " version INTEGER NOT NULL, survey_id TEXT, day TEXT NOT NULL, score INTEGER NOT NULL,"
        " department TEXT, manager_id TEXT, PRIMARY KEY (employee_id, version))",
        "CREATE INDEX IF NOT EXISTS pulse_answers_survey ON {pulse_answers} (survey_id, day)",
        "CREATE TABLE IF NOT EXISTS {pulse_items} (employee_id TEXT NOT NULL,"
        " version INTEGER NOT NULL, survey_id TEXT NOT NULL, item_key TEXT NOT NULL,"
        " score INTEGER, sentiment DOUBLE PRECISION, day TEXT NOT NULL, department TEXT,"
        " manager_id TEXT, PRIMARY KEY (employee_id, version, item_key))",
        "CREATE INDEX IF NOT EXISTS pulse_items_survey ON {pulse_items} (survey_id, day)",
        # The language a person writes in (their profile's): free text is scored in it.
        "CREATE TABLE IF NOT EXISTS {pulse_languages} (employee_id TEXT PRIMARY KEY,"
        " language TEXT NOT NULL)",
    )

    def __init__(self, scorer: SentimentScorer | None = None) -> None:
        self._scorer = scorer or SentimentScorer()

    @handles(PulseSurvey.PulseSurveyDefined)
    def defined(self, e: PulseSurvey.PulseSurveyDefined, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {pulse_surveys} (id, title, items, cadence, status, defined_at)"
            " VALUES (%s, %s, %s, %s, 'active', %s)",
            (str(e.originator_id), e.title, json.dumps(e.items), e.cadence,
             e.timestamp.isoformat()),
        )  # fmt: skip

    @handles(PulseSurvey.PulseSurveyRetired)
    def retired(self, e: PulseSurvey.PulseSurveyRetired, tx: Transaction) -> None:
        tx.execute(
            "UPDATE {pulse_surveys} SET status = 'retired' WHERE id = %s", (str(e.originator_id),)
        )

    @handles(Employee.Hired)
    def hired(self, e: Employee.Hired, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {pulse_people} (employee_id, department, manager_id) VALUES (%s, %s, %s)",
            (str(e.originator_id), e.department, _opt(e.manager_id)),
        )

    @handles(Employee.RoleChanged)
    def role_changed(self, e: Employee.RoleChanged, tx: Transaction) -> None:
        tx.execute(
            "UPDATE {pulse_people} SET department = %s, manager_id = %s WHERE employee_id = %s",
            (e.department, _opt(e.manager_id), str(e.originator_id)),
        )

    @handles(Employee.ProfileUpdated)
    def profile_updated(self, e: Employee.ProfileUpdated, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {pulse_languages} (employee_id, language) VALUES (%s, %s)"
            " ON CONFLICT (employee_id) DO UPDATE SET language = excluded.language",
            (str(e.originator_id), e.language),
        )

    def _language(self, tx: Transaction, employee_id: str) -> str:
        found = tx.scalar(
            "SELECT language FROM {pulse_languages} WHERE employee_id = %s", (employee_id,)
        )
        return str(found) if found else "en"

    def _group(self, tx: Transaction, employee_id: str) -> tuple[Any, Any]:
        row = tx.row(
            "SELECT department, manager_id FROM {pulse_people} WHERE employee_id = %s",
            (employee_id,),
        )
        return (None, None) if row is None else (row["department"], row["manager_id"])

    @handles(Employee.PulseAnswered)
    def answered(self, e: Employee.PulseAnswered, tx: Transaction) -> None:
        employee_id = str(e.originator_id)
        tx.execute(
            "INSERT INTO {pulse_answers} (employee_id, version, survey_id, day, score,"
            " department, manager_id) VALUES (%s, %s, NULL, %s, %s, %s, %s)",
            (employee_id, e.originator_version, _day(e), e.score,
             *self._group(tx, employee_id)),
        )  # fmt: skip

    @handles(Employee.PulseSurveyAnswered)
    def survey_answered(self, e: Employee.PulseSurveyAnswered, tx: Transaction) -> None:
        employee_id = str(e.originator_id)
        # The eNPS answer it goes with is the event just before, in the same save.
        tx.execute(
            "UPDATE {pulse_answers} SET survey_id = %s WHERE employee_id = %s AND version = %s",
            (str(e.survey_id), employee_id, e.originator_version - 1),
        )
        group = self._group(tx, employee_id)
        rows: list[tuple[Any, ...]] = [
            (employee_id, e.originator_version, str(e.survey_id), key, score, None, _day(e),
             *group)
            for key, score in sorted(e.item_scores.items())
        ]  # fmt: skip
        texts = {} if is_erased(e.texts) else e.texts
        language = self._language(tx, employee_id) if texts else "en"
        for key, text in sorted(texts.items()):
            sentiment = None if is_erased(text) else self._scorer.score(text, language)
            rows.append((employee_id, e.originator_version, str(e.survey_id), key, None,
                         sentiment, _day(e), *group))  # fmt: skip
        if rows:
            tx.executemany(
                "INSERT INTO {pulse_items} (employee_id, version, survey_id, item_key, score,"
                " sentiment, day, department, manager_id)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )


def _day(e: Any) -> str:
    return day_of(e.occurred_at)


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)
