"""Benefits, the life phases people declared (with the benefits consent), and uptake.

A life phase is held here only while the person grants the benefits consent: withdrawing
it deletes the row, and an erasure overwrites it with the marker (app/projections/erasure.py).
"""

from __future__ import annotations

import json

from app.aggregates import Employee
from app.aggregates.benefit import Benefit
from app.consent.ledger import ConsentLedger
from app.persistence import Transaction
from app.projections.engine import Projection, handles
from app.projections.kpi_facts import day_of

BENEFITS = "benefits"


class BenefitProjection(Projection):
    name = "benefits"
    tables = ("benefits", "benefit_profiles", "benefit_uptakes")
    ddl = (
        "CREATE TABLE IF NOT EXISTS {benefits} (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
        " description TEXT NOT NULL, phases TEXT NOT NULL, conditions TEXT NOT NULL,"
        " status TEXT NOT NULL, defined_at TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {benefit_profiles} (employee_id TEXT PRIMARY KEY,"
        " ledger_id TEXT NOT NULL, life_phase TEXT NOT NULL, conditions TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS benefit_profiles_ledger ON {benefit_profiles} (ledger_id)",
        "CREATE TABLE IF NOT EXISTS {benefit_uptakes} (employee_id TEXT NOT NULL,"
        " version INTEGER NOT NULL, benefit_id TEXT NOT NULL, suggested INTEGER NOT NULL,"
        " day TEXT NOT NULL, PRIMARY KEY (employee_id, version))",
    )

    @handles(Benefit.BenefitDefined)
    def defined(self, e: Benefit.BenefitDefined, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {benefits} (id, name, description, phases, conditions, status,"
            " defined_at) VALUES (%s, %s, %s, %s, %s, 'active', %s)",
            (str(e.originator_id), e.name, e.description, json.dumps(e.phases),
             json.dumps(e.conditions), e.timestamp.isoformat()),
        )  # fmt: skip

    @handles(Benefit.BenefitRetired)
    def retired(self, e: Benefit.BenefitRetired, tx: Transaction) -> None:
        tx.execute(
            "UPDATE {benefits} SET status = 'retired' WHERE id = %s", (str(e.originator_id),)
        )

    @handles(Employee.LifePhaseDeclared)
    def declared(self, e: Employee.LifePhaseDeclared, tx: Transaction) -> None:
        employee_id = str(e.originator_id)
        tx.execute("DELETE FROM {benefit_profiles} WHERE employee_id = %s", (employee_id,))
        tx.execute(
            "INSERT INTO {benefit_profiles} (employee_id, ledger_id, life_phase, conditions)"
            " VALUES (%s, %s, %s, %s)",
            (employee_id, str(ConsentLedger.id_for(e.originator_id)), e.life_phase,
             json.dumps(e.conditions)),
        )  # fmt: skip

    @handles(ConsentLedger.Withdrawn)
    def withdrawn(self, e: ConsentLedger.Withdrawn, tx: Transaction) -> None:
        if e.purpose == BENEFITS:
            tx.execute(
                "DELETE FROM {benefit_profiles} WHERE ledger_id = %s", (str(e.originator_id),)
            )

    @handles(Employee.BenefitTakenUp)
    def taken_up(self, e: Employee.BenefitTakenUp, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {benefit_uptakes} (employee_id, version, benefit_id, suggested, day)"
            " VALUES (%s, %s, %s, %s, %s)",
            (str(e.originator_id), e.originator_version, str(e.benefit_id), int(e.suggested),
             day_of(e.timestamp)),
        )  # fmt: skip
