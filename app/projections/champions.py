"""The AI champion programme: who opted in, the ratings each source gave (newer over older
per criterion), and the share of working time each champion spent on it per month.

Who the person is now (department, manager, years of experience, status) is read from the
employee directory; observed learning activity from the enrolment and skill read models.
"""

from __future__ import annotations

import json

from app.aggregates import Employee
from app.persistence import Transaction
from app.projections.engine import Projection, handles


class ChampionProjection(Projection):
    name = "champions"
    tables = ("champions", "champion_time")
    ddl = (
        "CREATE TABLE IF NOT EXISTS {champions} (employee_id TEXT PRIMARY KEY,"
        " opted_in INTEGER NOT NULL, opted_at TEXT NOT NULL, self_ratings TEXT NOT NULL,"
        " manager_ratings TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {champion_time} (employee_id TEXT NOT NULL,"
        " month TEXT NOT NULL, share_percent INTEGER NOT NULL,"
        " PRIMARY KEY (employee_id, month))",
        "CREATE INDEX IF NOT EXISTS champion_time_month ON {champion_time} (month)",
    )

    @handles(Employee.ChampionOptedIn)
    def opted_in(self, e: Employee.ChampionOptedIn, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {champions} (employee_id, opted_in, opted_at, self_ratings,"
            " manager_ratings) VALUES (%s, 1, %s, '{}', '{}')"
            " ON CONFLICT (employee_id) DO UPDATE SET opted_in = 1, opted_at = excluded.opted_at,"
            " self_ratings = '{}', manager_ratings = '{}'",
            (str(e.originator_id), e.timestamp.isoformat()),
        )

    @handles(Employee.ChampionOptedOut)
    def opted_out(self, e: Employee.ChampionOptedOut, tx: Transaction) -> None:
        # Leaving the programme takes the ratings with it; the time already spent stays a cost.
        tx.execute(
            "UPDATE {champions} SET opted_in = 0, self_ratings = '{}', manager_ratings = '{}'"
            " WHERE employee_id = %s",
            (str(e.originator_id),),
        )

    @handles(Employee.ChampionInputGiven)
    def input_given(self, e: Employee.ChampionInputGiven, tx: Transaction) -> None:
        column = "self_ratings" if e.source == "self" else "manager_ratings"
        employee_id = str(e.originator_id)
        current = tx.scalar(
            f"SELECT {column} FROM {{champions}} WHERE employee_id = %s", (employee_id,)
        )
        ratings = json.loads(current) if current else {}
        ratings.update(e.ratings)  # newer over older, criterion by criterion
        tx.execute(
            f"UPDATE {{champions}} SET {column} = %s WHERE employee_id = %s",
            (json.dumps(ratings, sort_keys=True), employee_id),
        )

    @handles(Employee.ChampionTimeRecorded)
    def time_recorded(self, e: Employee.ChampionTimeRecorded, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {champion_time} (employee_id, month, share_percent) VALUES (%s, %s, %s)"
            " ON CONFLICT (employee_id, month) DO UPDATE SET share_percent ="
            " excluded.share_percent",
            (str(e.originator_id), e.month.isoformat()[:7], e.share_percent),
        )
