"""Pulse survey results: eNPS and item figures per company, department or team, k rule.

A group with fewer than k respondents shows no figure (its respondent count neither); the
rest still show. Teams are labelled by their manager's id, never by a name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean
from typing import Any

from app.access import too_few_to_show
from app.kpis import figures
from app.persistence import SqlGateway

GROUPINGS = {"company": None, "department": "department", "team": "manager_id"}


@dataclass(frozen=True)
class SurveyRow:
    id: str
    title: str
    items: list[dict[str, Any]]
    cadence: str
    status: str


@dataclass(frozen=True)
class ItemResult:
    item_key: str
    kind: str
    answers: int | None
    mean_score: float | None
    mean_sentiment: float | None


@dataclass(frozen=True)
class PulseGroup:
    key: str
    respondents: int | None
    suppressed: bool
    enps: float | None
    items: list[ItemResult]


class PulseBook:
    """Pulse surveys and their results."""

    def __init__(self, gateway: SqlGateway) -> None:
        self._gateway = gateway

    def surveys(self, include_retired: bool = False) -> list[SurveyRow]:
        where = "" if include_retired else " WHERE status = 'active'"
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows("SELECT * FROM {pulse_surveys}" + where + " ORDER BY defined_at, id")
        return [
            SurveyRow(r["id"], r["title"], json.loads(r["items"]), r["cadence"], r["status"])
            for r in rows
        ]

    def survey(self, survey_id: str) -> SurveyRow | None:
        return next((s for s in self.surveys(True) if s.id == survey_id), None)

    def results(self, survey: SurveyRow, group_by: str, since: date, k: int) -> list[PulseGroup]:
        """Answers from ``since`` on; with several answers of a person, each counts."""
        column = GROUPINGS[group_by]
        with self._gateway.transaction(write=False) as tx:
            answers = tx.rows(
                "SELECT * FROM {pulse_answers} WHERE survey_id = %s AND day >= %s",
                (survey.id, since.isoformat()),
            )
            items = tx.rows(
                "SELECT * FROM {pulse_items} WHERE survey_id = %s AND day >= %s",
                (survey.id, since.isoformat()),
            )

        def key(row: dict[str, Any]) -> str:
            return "company" if column is None else str(row[column] or "none")

        groups: dict[str, list[dict[str, Any]]] = {}
        for row in answers:
            groups.setdefault(key(row), []).append(row)
        by_group_items: dict[str, list[dict[str, Any]]] = {}
        for row in items:
            by_group_items.setdefault(key(row), []).append(row)
        found = []
        for name in sorted(groups or ({"company": []} if column is None else {})):
            rows = groups.get(name, [])
            people = len({r["employee_id"] for r in rows})
            hidden = people == 0 or too_few_to_show(people, k)
            found.append(
                PulseGroup(
                    key=name, respondents=None if hidden else people, suppressed=hidden,
                    enps=None if hidden else figures.enps([r["score"] for r in rows], people).value,
                    items=[] if hidden else self._items(survey, by_group_items.get(name, []), k),
                )
            )  # fmt: skip
        return found

    @staticmethod
    def _items(survey: SurveyRow, rows: list[dict[str, Any]], k: int) -> list[ItemResult]:
        """Each item's figures; an item fewer than k people answered shows none."""
        results = []
        for item in survey.items:
            mine = [r for r in rows if r["item_key"] == item["key"]]
            if too_few_to_show(len({r["employee_id"] for r in mine}), k):
                results.append(ItemResult(item["key"], item["kind"], None, None, None))
                continue
            scores = [float(r["score"]) for r in mine if r["score"] is not None]
            moods = [float(r["sentiment"]) for r in mine if r["sentiment"] is not None]
            results.append(
                ItemResult(
                    item_key=item["key"], kind=item["kind"], answers=len(mine),
                    mean_score=round(fmean(scores), 4) if scores else None,
                    mean_sentiment=round(fmean(moods), 4) if moods else None,
                )
            )  # fmt: skip
        return results


def window_start(today: date, days: int) -> date:
    return today - timedelta(days=days - 1)
