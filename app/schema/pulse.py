"""Pulse surveys: HR defines them; results feed eNPS and team figures under the k rule."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Annotated

import strawberry

from app.aggregates import NotFound as DomainNotFound
from app.aggregates import ValidationFailed
from app.aggregates.pulse_survey import SurveyItem
from app.application import Written
from app.people.pulse import PulseBook, SurveyRow, window_start
from app.schema.common import ConsistentWith, consistent
from app.schema.context import SkillpathInfo
from app.schema.errors import execute, parse_id
from app.schema.idempotency import IdempotentInput
from app.schema.payloads import POSITION_HELP, result
from app.schema.people_common import query_result, typed

MAX_WINDOW_DAYS = 366


@strawberry.enum(description="How often a pulse survey is asked.")
class PulseCadence(Enum):
    WEEKLY = strawberry.enum_value("weekly", description="Once per ISO week.")
    BIWEEKLY = strawberry.enum_value("biweekly", description="Once per two ISO weeks.")
    MONTHLY = strawberry.enum_value("monthly", description="Once per calendar month.")
    QUARTERLY = strawberry.enum_value("quarterly", description="Once per calendar quarter.")


@strawberry.enum(description="The kind of answer an item takes.")
class PulseItemKind(Enum):
    SCALE = strawberry.enum_value("scale", description="Agreement from 1 to 5.")
    TEXT = strawberry.enum_value("text", description="Free text; feeds sentiment only.")


@strawberry.enum(description="How pulse results are grouped.")
class PulseGrouping(Enum):
    COMPANY = strawberry.enum_value("company", description="One group: everyone.")
    DEPARTMENT = strawberry.enum_value("department", description="By department.")
    TEAM = strawberry.enum_value("team", description="By team, labelled by the manager's id.")


@strawberry.type(description="One item of a pulse survey besides the eNPS question.")
class PulseSurveyItem:
    key: str = strawberry.field(description="The item's key, used in answers.")
    text: str = strawberry.field(description="What the item asks.")
    kind: PulseItemKind = strawberry.field(description="Scale or free text.")


@strawberry.type(description="A pulse survey: the eNPS question plus up to five items.")
class PulseSurvey:
    id: strawberry.ID = strawberry.field(description="The survey's id.")
    title: str = strawberry.field(description="Its title.")
    cadence: PulseCadence = strawberry.field(description="How often it is asked.")
    items: list[PulseSurveyItem] = strawberry.field(description="The items after eNPS.")
    active: bool = strawberry.field(description="False once retired.")

    @classmethod
    def of(cls, row: SurveyRow) -> PulseSurvey:
        return cls(
            id=strawberry.ID(row.id), title=row.title, cadence=PulseCadence(row.cadence),
            items=[PulseSurveyItem(key=i["key"], text=i["text"], kind=PulseItemKind(i["kind"]))
                   for i in row.items],
            active=row.status == "active",
        )  # fmt: skip


@strawberry.type(description="One item's figures in a group (k rule: null below k).")
class PulseItemResult:
    item_key: str = strawberry.field(description="The item.")
    kind: PulseItemKind = strawberry.field(description="Scale or free text.")
    answers: int | None = strawberry.field(description="Answers counted; null when hidden.")
    mean_score: float | None = strawberry.field(description="Mean of a scale item, 1-5.")
    mean_sentiment: float | None = strawberry.field(
        description="Mean sentiment of a text item's answers, -1 to 1."
    )


@strawberry.type(description="The results of one group (k rule: no figures below k).")
class PulseGroup:
    key: str = strawberry.field(description="company, a department, or a manager's id.")
    respondents: int | None = strawberry.field(description="People who answered; null if hidden.")
    suppressed: bool = strawberry.field(description="True when fewer than k people answered.")
    enps: float | None = strawberry.field(description="eNPS of the survey's answers.")
    items: list[PulseItemResult] = strawberry.field(description="Per item.")


@strawberry.type(description="A pulse survey's results over a window.")
class PulseResults:
    survey_id: strawberry.ID = strawberry.field(description="The survey.")
    since: str = strawberry.field(description="The first day counted (UTC, ISO date).")
    min_group_size: int = strawberry.field(description="k: smaller groups show no figures.")
    groups: list[PulseGroup] = strawberry.field(description="The groups, by key.")


PulseResultsResult = query_result("PulseResultsResult", PulseResults)


@strawberry.type(description="The outcome of defining or retiring a pulse survey.")
class PulseSurveyPayload:
    position: int = strawberry.field(description=POSITION_HELP)
    survey_id: strawberry.ID = strawberry.field(description="The survey.")


def _payload(written: Written) -> PulseSurveyPayload:
    return PulseSurveyPayload(position=written.position, survey_id=strawberry.ID(str(written.id)))


DefinePulseSurveyResult = result("DefinePulseSurveyResult", PulseSurveyPayload)
RetirePulseSurveyResult = result("RetirePulseSurveyResult", PulseSurveyPayload)


@strawberry.input(description="One item of a pulse survey.")
class PulseSurveyItemInput:
    key: str = strawberry.field(description="A short key: letters, digits, - and _.")
    text: str = strawberry.field(description="What the item asks.")
    kind: PulseItemKind = strawberry.field(
        default=PulseItemKind.SCALE, description="Scale (1-5) or free text."
    )


@strawberry.input(description="A pulse survey to define: the eNPS question is always asked.")
class DefinePulseSurveyInput(IdempotentInput):
    title: str = strawberry.field(description="Its title.")
    cadence: PulseCadence = strawberry.field(description="How often it is asked.")
    items: list[PulseSurveyItemInput] = strawberry.field(description="Up to five items.")


@strawberry.input(description="The pulse survey to retire.")
class RetirePulseSurveyInput(IdempotentInput):
    survey_id: strawberry.ID = strawberry.field(description="The survey.")


@strawberry.type
class PulseQuery:
    @strawberry.field(description="The pulse surveys HR defined.")
    async def pulse_surveys(
        self,
        info: SkillpathInfo,
        include_retired: Annotated[
            bool, strawberry.argument(description="Also the retired surveys.")
        ] = False,
        consistent_with: ConsistentWith = None,
    ) -> list[PulseSurvey]:
        await consistent(info, consistent_with)
        book: PulseBook = info.context.services.pulse
        return [PulseSurvey.of(r) for r in await info.context.run(book.surveys, include_retired)]

    @strawberry.field(description="A survey's eNPS and items per group, under the k rule.")
    async def pulse_results(
        self,
        info: SkillpathInfo,
        survey_id: Annotated[strawberry.ID, strawberry.argument(description="The survey.")],
        group_by: Annotated[
            PulseGrouping, strawberry.argument(description="Company, department or team.")
        ] = PulseGrouping.COMPANY,
        days: Annotated[
            int, strawberry.argument(description="The window: the last N days, 1-366.")
        ] = 90,
        consistent_with: ConsistentWith = None,
    ) -> PulseResultsResult:
        await consistent(info, consistent_with)
        services = info.context.services

        def read() -> PulseResults:
            key = str(parse_id(survey_id, "surveyId"))
            if not 1 <= days <= MAX_WINDOW_DAYS:
                raise ValidationFailed("days", f"must be between 1 and {MAX_WINDOW_DAYS}")
            survey = services.pulse.survey(key)
            if survey is None:
                raise DomainNotFound("pulse survey", key, "surveyId")
            since = window_start(datetime.now(UTC).date(), days)
            k = services.settings.min_group_size
            groups = services.pulse.results(survey, str(group_by.value), since, k)
            return PulseResults(
                survey_id=strawberry.ID(key), since=since.isoformat(), min_group_size=k,
                groups=[
                    PulseGroup(
                        key=g.key, respondents=g.respondents, suppressed=g.suppressed,
                        enps=g.enps,
                        items=[PulseItemResult(item_key=i.item_key, kind=PulseItemKind(i.kind),
                                               answers=i.answers, mean_score=i.mean_score,
                                               mean_sentiment=i.mean_sentiment)
                               for i in g.items],
                    )
                    for g in groups
                ],
            )  # fmt: skip

        return await typed(info, read)


@strawberry.type
class PulseMutation:
    @strawberry.mutation(description="Define a pulse survey (eNPS plus up to five items).")
    async def define_pulse_survey(
        self, info: SkillpathInfo, input: DefinePulseSurveyInput
    ) -> DefinePulseSurveyResult:
        ctx = info.context
        items = [SurveyItem(i.key, i.text, str(i.kind.value)) for i in input.items]
        return await execute(
            ctx.run,
            lambda: ctx.services.app.define_pulse_survey(
                title=input.title, items=items, cadence=str(input.cadence.value), actor=ctx.actor
            ),
            _payload,
        )

    @strawberry.mutation(description="Retire a pulse survey; it takes no more answers.")
    async def retire_pulse_survey(
        self, info: SkillpathInfo, input: RetirePulseSurveyInput
    ) -> RetirePulseSurveyResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.retire_pulse_survey(
                parse_id(input.survey_id, "surveyId"), actor=ctx.actor
            ),
            _payload,
        )
