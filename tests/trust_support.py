"""An employee with personal data in every kind of event that has some (trust tests)."""

from __future__ import annotations

from uuid import UUID

from app.bootstrap import Services
from tests.domain_support import HR, LEARNER, Organisation

NAME = "Zelda Quixote-Marlowe"
EMAIL = "zelda.quixote@example.com"
GOAL = "tame the kraken of quarterly reporting"
COMMENT = "the narrator sounded like my aunt Philomena"
REASON = "Zelda asked about octopus husbandry"
ANSWER = "never show me the kraken module again"
PERSONAL_STRINGS = (NAME, EMAIL, GOAL, COMMENT, REASON, ANSWER)

#: The id the email claim had when it was an unkeyed uuid5 of the address.
OLD_EMAIL_NAMESPACE = UUID("6f0c4a5e-2d1b-4f5e-9b57-8f1f3c7e2a10")


class Subject:
    """An employee with personal data in every kind of event that has some."""

    def __init__(self, services: Services) -> None:
        app = services.app
        self.org = Organisation(app)
        self.id = self.org.hire(EMAIL, name=NAME)
        app.grant_consent(self.id, purpose="fairness_audit", policy_version="v1", actor=LEARNER)
        app.grant_consent(self.id, purpose="personalisation", policy_version="v1", actor=LEARNER)
        app.update_profile(
            self.id, media_types=["video"], weekly_minutes=90, goals=[GOAL, "sql"],
            language="en", actor=LEARNER,
        )  # fmt: skip
        app.declare_attributes(self.id, gender="diverse", age_band="30_44", actor=LEARNER)
        self.enrollment_id = app.enroll(
            employee_id=self.id, module_id=self.org.module_id, source="self",
            recommendation_id=None, actor=LEARNER,
        ).id  # fmt: skip
        app.record_quiz_attempt(self.enrollment_id, score=64, actor=LEARNER)
        app.give_feedback(self.enrollment_id, rating=2, comment=COMMENT, actor=LEARNER)
        app.assess_skill(self.id, skill="sql", level=3, source="manager", actor=HR)
        self.decision_id = app.issue_recommendation(
            employee_id=self.id, module_ids=[self.org.other_module_id], scores=[0.9],
            reasons=[[{"kind": "goal", "text": REASON}]], model_version=None,
            consent_basis="personalised", goal=GOAL, actor=HR,
        ).id  # fmt: skip
        app.answer_recommendation(
            self.decision_id, module_id=self.org.other_module_id, answer="dismissed",
            comment=ANSWER, actor=LEARNER,
        )  # fmt: skip
        services.runner.catch_up()
