"""Short pulse surveys HR defines: the eNPS question plus up to five items, on a cadence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from app.aggregates import base
from app.aggregates.base import Actor
from app.aggregates.errors import Conflict, ValidationFailed

CADENCES = ("weekly", "biweekly", "monthly", "quarterly")
ITEM_KINDS = ("scale", "text")
MAX_ITEMS = 5
#: Scale items are agreement from 1 (strongly disagree) to 5 (strongly agree).
SCALE = (1, 5)
MAX_ANSWER_TEXT = 1000


@dataclass(frozen=True)
class SurveyItem:
    """One item besides the eNPS question: a key, its text, and a scale or free text."""

    key: str
    text: str
    kind: str = "scale"


def period_of(moment: datetime, cadence: str) -> tuple[int, int]:
    """The cadence period a moment falls in; one answer per person and period counts."""
    year, week, _ = moment.isocalendar()
    if cadence == "weekly":
        return (year, week)
    if cadence == "biweekly":
        return (year, (week - 1) // 2)
    if cadence == "monthly":
        return (moment.year, moment.month)
    return (moment.year, (moment.month - 1) // 3)


class PulseSurvey(Aggregate):
    """A pulse survey: its items and how often people are asked."""

    class PulseSurveyDefined(Aggregate.Created):
        title: str
        items: list[dict[str, Any]]
        cadence: str
        actor: Actor

    class PulseSurveyRetired(Aggregate.Event):
        actor: Actor

    @event(PulseSurveyDefined)
    def __init__(self, title: str, items: list[dict[str, Any]], cadence: str, actor: Actor) -> None:
        self.title = title
        self.items = items
        self.cadence = cadence
        self.retired = False

    @classmethod
    def define(
        cls, *, title: str, items: list[SurveyItem], cadence: str, actor: Actor,
        survey_id: UUID | None = None,
    ) -> PulseSurvey:  # fmt: skip
        if len(items) > MAX_ITEMS:
            raise ValidationFailed("items", f"a pulse survey has at most {MAX_ITEMS} items")
        checked: list[dict[str, Any]] = []
        for item in items:
            key = base.text(item.key, "items.key", max_length=40).lower()
            if not key.replace("_", "").replace("-", "").isalnum():
                raise ValidationFailed("items.key", "use letters, digits, - and _ only")
            if any(c["key"] == key for c in checked):
                raise ValidationFailed("items.key", f"{key!r} is listed twice")
            checked.append({
                "key": key, "text": base.text(item.text, "items.text"),
                "kind": base.one_of(item.kind, "items.kind", ITEM_KINDS),
            })  # fmt: skip
        return cls._create(
            cls.PulseSurveyDefined,
            id=survey_id or uuid4(),
            title=base.text(title, "title"),
            items=checked,
            cadence=base.one_of(cadence, "cadence", CADENCES),
            actor=actor,
        )

    def retire(self, actor: Actor) -> None:
        if self.retired:
            raise Conflict("the survey is already retired", field="surveyId")
        self._retired(actor=actor)

    @event(PulseSurveyRetired)
    def _retired(self, actor: Actor) -> None:
        self.retired = True

    def checked_answers(
        self, scores: dict[str, int], texts: dict[str, str]
    ) -> tuple[dict[str, int], dict[str, str]]:
        """Answers to this survey's items, checked: known keys, the right kind, in range."""
        if self.retired:
            raise Conflict("the survey is retired", field="surveyId")
        kinds = {item["key"]: item["kind"] for item in self.items}
        for key, score in scores.items():
            if kinds.get(key) != "scale":
                raise ValidationFailed("answers.itemKey", f"{key!r} is not a scale item")
            base.in_range(score, "answers.score", *SCALE)
        cleaned: dict[str, str] = {}
        for key, value in texts.items():
            if kinds.get(key) != "text":
                raise ValidationFailed("answers.itemKey", f"{key!r} is not a text item")
            cleaned[key] = base.text(value, "answers.text", max_length=MAX_ANSWER_TEXT)
        return dict(scores), cleaned
