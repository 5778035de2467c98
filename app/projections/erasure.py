"""Erasure in the read models: personal columns of an erased employee become the marker.

Events of an erased employee already read back with the marker (their key is gone), so a
replay from zero would write the marker everywhere. This projection makes the live read
models equal to that replay at the moment the ``Erased`` event arrives, without rebuilding
them: one statement per personal column below. A read model that copies a personal field
of an event (``PersonalData.personal_fields``) adds its column here; the dump tests in
tests/test_erasure.py fail while one is missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from app.consent.envelope import ERASED
from app.consent.ledger import ConsentLedger
from app.persistence import SqlGateway, Transaction
from app.projections.engine import Projection, handles

_ERASED_LIST = json.dumps([ERASED])


@dataclass(frozen=True)
class PersonalColumns:
    """Columns of one read-model table that copy personal fields, and what erases them."""

    table: str
    subject_column: str
    #: ``SET`` assignments with ``%s`` for the values; rows whose value was empty stay
    #: empty, as a replay leaves them (empty values are not sealed, so never erased).
    assignments: str
    values: tuple[str, ...]
    only_where: str = ""


PERSONAL_COLUMNS = (
    PersonalColumns("employees", "id", "name = %s, email = %s", (ERASED, ERASED)),
    PersonalColumns("employees", "id", "goals = %s", (_ERASED_LIST,), "goals <> '[]'"),
    PersonalColumns(
        "employee_features", "employee_id", "goals = %s", (_ERASED_LIST,), "goals <> '[]'"
    ),
    PersonalColumns(
        "enrollments",
        "employee_id",
        "comment = %s",
        (ERASED,),
        "comment IS NOT NULL AND comment <> ''",
    ),
    PersonalColumns(
        "fairness_attributes", "employee_id", "gender = %s, age_band = %s", (ERASED, ERASED)
    ),
    PersonalColumns("recommendation_reports", "employee_id", "comment = %s", (ERASED,)),
    PersonalColumns(
        "recommendation_reports", "employee_id", "note = %s", (ERASED,), "note IS NOT NULL"
    ),
    # Derived from the comment's words, so it goes with them; the rating stays countable.
    PersonalColumns("kpi_feedback", "employee_id", "sentiment = NULL", ()),
    # A life phase and its conditions (benefits), sealed in their events.
    PersonalColumns(
        "benefit_profiles",
        "employee_id",
        "life_phase = %s, conditions = %s",
        (ERASED, _ERASED_LIST),
    ),
    # Free-text pulse answers: their sentiment goes with their words.
    PersonalColumns("pulse_items", "employee_id", "sentiment = NULL", (), "sentiment IS NOT NULL"),
)

#: Every table an erasure overwrites, in a stable order.
PERSONAL_TABLES = tuple(sorted({c.table for c in PERSONAL_COLUMNS}))


class ErasureProjection(Projection):
    """Runs last in a batch, after the projections whose tables it erases have applied it.

    Overwriting a column is not enough for the bytes: after the batch commits, the old row
    versions are made to leave the database files (SQLite: the write-ahead log is truncated;
    freed cells were zeroed by ``secure_delete``. PostgreSQL: the tables are vacuumed).
    That happens before the runner reports the batch, so a wait for the read models to
    reach the erasure's position in the same process also waits for it.
    """

    name = "erasure"
    tables = ()
    ddl = ()

    def __init__(self) -> None:
        self._overwritten = False

    def after_commit(self, gateway: SqlGateway) -> None:
        if self._overwritten:
            # Kept when it could not be done now: tried again after the next batch.
            self._overwritten = not gateway.release_overwritten(PERSONAL_TABLES)

    @handles(ConsentLedger.Erased)
    def erased(self, e: ConsentLedger.Erased, tx: Transaction) -> None:
        self._overwritten = True
        employee_id = tx.scalar(
            "SELECT employee_id FROM {consent_ledgers} WHERE ledger_id = %s",
            (str(e.originator_id),),
        )
        if employee_id is None:
            return
        for columns in PERSONAL_COLUMNS:
            condition = f" AND {columns.only_where}" if columns.only_where else ""
            tx.execute(
                f"UPDATE {{{columns.table}}} SET {columns.assignments}"
                f" WHERE {columns.subject_column} = %s{condition}",
                (*columns.values, str(employee_id)),
            )
