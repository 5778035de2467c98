"""Commands about pulse surveys: HR defines and retires them."""

from __future__ import annotations

from uuid import UUID

from app.aggregates import Actor
from app.aggregates.pulse_survey import PulseSurvey, SurveyItem
from app.commands.base import CommandBase, Written


class PulseCommands(CommandBase):
    """Pulse surveys (answers are recorded on the employee: ``answer_pulse``)."""

    def pulse_survey(self, survey_id: UUID, field: str = "surveyId") -> PulseSurvey:
        return self._load(PulseSurvey, survey_id, "pulse survey", field)

    def define_pulse_survey(
        self, *, title: str, items: list[SurveyItem], cadence: str, actor: Actor
    ) -> Written:
        survey = PulseSurvey.define(title=title, items=items, cadence=cadence, actor=actor)
        return Written(self._store(survey), survey.id)

    def retire_pulse_survey(self, survey_id: UUID, *, actor: Actor) -> Written:
        survey = self.pulse_survey(survey_id)
        survey.retire(actor)
        return Written(self._store(survey), survey.id)
