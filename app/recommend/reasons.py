"""Why an item was recommended: a sentence for people and fields for programs.

A reason names one of the largest contributions to the item's score, with its ``share``
(app/recommend/drivers.py). A "fit" (``fit=True``) is a constraint the item passed, such as
the weekly budget or its prerequisites: shown beside the reasons, never as one. Both are
stored together in ``RecommendationIssued`` and told apart by ``fit``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

SKILL_GAP = "skill_gap"
ROLE_NEEDS = "role_needs"
PEERS_TOOK = "peers_took"
BUDGET = "budget"
MEDIA = "media"
GOAL = "goal"
EASIER_STEP = "easier_step"
ROLE_POPULAR = "role_popular"
ROLE_BASED = "role_based"
NO_MODEL = "no_model"
MODEL = "model"
ROLE_TOPIC = "role_topic"
HISTORY = "history"
PROFILE = "profile"
POPULAR = "popular"
COHORT_RECENT = "cohort_recent"
NEXT_STEP = "next_step"
PREREQUISITES = "prerequisites"


@dataclass(frozen=True)
class Reason:
    """One reason; ``kind`` is one of the constants above, the rest depends on it."""

    kind: str
    text: str
    skill: str | None = None
    current_level: int | None = None
    required_level: int | None = None
    related_module_id: str | None = None
    minutes: int | None = None
    media_type: str | None = None
    #: The contribution's share of the item's score (reasons only; None for fits and for
    #: lists served before shares were recorded).
    share: float | None = None
    #: A constraint the item passed, not a reason.
    fit: bool = False

    def as_record(self) -> dict[str, Any]:
        """The form stored in ``RecommendationIssued`` (no empty fields)."""
        return {k: v for k, v in vars(self).items() if v is not None and v is not False}

    def with_share(self, share: float) -> Reason:
        return replace(self, share=round(share, 4))

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Reason:
        return cls(**record)


def skill_gap(skill: str, current: int, required: int) -> Reason:
    return Reason(
        SKILL_GAP,
        f"closes the gap in {skill} (you {current}, your role needs {required})",
        skill=skill,
        current_level=current,
        required_level=required,
    )


def role_needs(skill: str, required: int) -> Reason:
    return Reason(
        ROLE_NEEDS, f"your role needs {skill} at level {required}", skill=skill,
        required_level=required,
    )  # fmt: skip


def peers_took(title: str, module_id: str) -> Reason:
    return Reason(
        PEERS_TOOK,
        f"people in your role who took {title} often took this",
        related_module_id=module_id,
    )


def budget(minutes: int, weekly_minutes: int) -> Reason:
    if minutes <= weekly_minutes:
        text = f"fits your {weekly_minutes} min/week budget"
    else:
        weeks = -(-minutes // weekly_minutes)
        text = f"about {weeks} weeks at your {weekly_minutes} min/week budget"
    return Reason(BUDGET, text, minutes=minutes, fit=True)


def media(media_type: str) -> Reason:
    return Reason(MEDIA, f"{media_type}, as you prefer", media_type=media_type)


def goal(term: str) -> Reason:
    return Reason(GOAL, f"matches your goal '{term}'")


def easier_step() -> Reason:
    return Reason(EASIER_STEP, "an easier step after two low quiz scores", fit=True)


def role_popular() -> Reason:
    return Reason(ROLE_POPULAR, "popular with people in your role")


def role_based() -> Reason:
    return Reason(
        ROLE_BASED,
        "suggested from your role only: personalisation is off (you can turn it on in consents)",
        fit=True,
    )


def no_model() -> Reason:
    return Reason(NO_MODEL, "no trained model yet: suggested from your role and what is popular")


def model_match() -> Reason:
    return Reason(MODEL, "fits what you and people like you learned")


def role_topic(topic: str) -> Reason:
    return Reason(ROLE_TOPIC, f"people in your role take up {topic}", skill=topic)


def history() -> Reason:
    return Reason(HISTORY, "follows on from what you have learned so far")


def profile() -> Reason:
    return Reason(PROFILE, "chosen by people with skills and experience like yours")


def popular() -> Reason:
    return Reason(POPULAR, "popular across the organisation")


def cohort_recent() -> Reason:
    return Reason(COHORT_RECENT, "colleagues have been starting this lately")


def next_step() -> Reason:
    return Reason(NEXT_STEP, "people who started what you started lately went on to this")


def prerequisites(titles: list[str]) -> Reason:
    return Reason(
        PREREQUISITES, f"you have completed what it builds on ({', '.join(titles)})", fit=True
    )
