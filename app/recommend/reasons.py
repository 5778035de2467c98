"""Why an item was recommended: a sentence for people and fields for programs."""

from __future__ import annotations

from dataclasses import dataclass
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

    def as_record(self) -> dict[str, Any]:
        """The form stored in ``RecommendationIssued`` (no empty fields)."""
        return {k: v for k, v in vars(self).items() if v is not None}

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
    return Reason(BUDGET, text, minutes=minutes)


def media(media_type: str) -> Reason:
    return Reason(MEDIA, f"{media_type}, as you prefer", media_type=media_type)


def goal(term: str) -> Reason:
    return Reason(GOAL, f"matches your goal '{term}'")


def easier_step() -> Reason:
    return Reason(EASIER_STEP, "an easier step after two low quiz scores")


def role_popular() -> Reason:
    return Reason(ROLE_POPULAR, "popular with people in your role")


def role_based() -> Reason:
    return Reason(
        ROLE_BASED,
        "suggested from your role only: personalisation is off (you can turn it on in consents)",
    )


def no_model() -> Reason:
    return Reason(NO_MODEL, "no trained model yet: suggested from your role and what is popular")


def model_match() -> Reason:
    return Reason(MODEL, "fits what you and people like you learned")
