"""The criteria matrix of the AI champion programme, with its strong / medium / weak anchors.

From the champions article (``shared/seeds/001_ebbdbcba62f07d49.txt``, "Strukturerte
vurderingskriterier"): four criteria, each with an anchor per rating. HR expertise rests on
the years of experience the employment records (5 or more strong, 3 to 5 medium, under 3
weak); the others are rated by the person (self-assessment) and their manager, and observed
learning activity can raise technology interest and willingness to change.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.aggregates.errors import ValidationFailed

RATINGS = ("strong", "medium", "weak")
POINTS = {"strong": 2, "medium": 1, "weak": 0}


@dataclass(frozen=True)
class Criterion:
    key: str
    #: The GraphQL input field that rates it.
    field: str
    title: str
    strong: str
    medium: str
    weak: str

    def anchor(self, rating: str) -> str:
        return {"strong": self.strong, "medium": self.medium, "weak": self.weak}[rating]


CRITERIA: tuple[Criterion, ...] = (
    Criterion("hr_expertise", "hrExpertise", "HR expertise",
              "5+ years of experience, broad understanding of HR processes",
              "3-5 years, specialised in one field", "under 3 years, basic knowledge"),
    Criterion("technology_interest", "technologyInterest", "Interest in technology",
              "uses advanced tools on their own", "learns new software quickly",
              "needs support with new tools"),
    Criterion("communication", "communication", "Communication",
              "presents to leadership regularly", "explains concepts understandably",
              "communicates mainly in writing"),
    Criterion("willingness_to_change", "willingnessToChange", "Willingness to change",
              "drives innovation actively", "supports change constructively",
              "reacts to new things with reserve"),
)  # fmt: skip
BY_KEY = {c.key: c for c in CRITERIA}


def years_rating(years: int) -> str:
    """HR expertise by years: 5 or more strong, 3 to under 5 medium, under 3 weak."""
    return "strong" if years >= 5 else "medium" if years >= 3 else "weak"


def checked_ratings(ratings: dict[str, str]) -> dict[str, str]:
    """Known criteria rated strong, medium or weak; at least one."""
    if not ratings:
        raise ValidationFailed("ratings", "rate at least one criterion")
    checked: dict[str, str] = {}
    for key, rating in ratings.items():
        criterion = BY_KEY.get(key)
        if criterion is None:
            raise ValidationFailed("ratings", f"{key!r} is not a champion criterion")
        if rating not in RATINGS:
            raise ValidationFailed(criterion.field, f"{rating!r} is not strong, medium or weak")
        checked[key] = rating
    return dict(sorted(checked.items()))
