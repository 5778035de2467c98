"""A pilot cohort that is diverse by department, experience and learning preference.

Picks are greedy: each next person is the candidate who adds most that the cohort does not
have yet (a department counts most, then an experience band, then a learning preference),
ties broken by a hash of the programme and the person, so the same candidates always give
the same suggestion and nobody is favoured by hiring order. Each pick says why in words.
Only candidates the caller has already screened (active, with the consent the programme
needs) reach this module.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_SIZE = 15
MAX_SIZE = 200
WEIGHTS = {"department": 3.0, "experience": 2.0, "preference": 1.0}


@dataclass(frozen=True)
class Candidate:
    employee_id: str
    department: str
    years_experience: int
    #: The preferred media type, or ``None`` when the person does not share their profile.
    preference: str | None


@dataclass(frozen=True)
class Pick:
    candidate: Candidate
    experience_band: str
    reason: str


def experience_band(years: int) -> str:
    if years < 3:
        return "under 3 years"
    if years < 8:
        return "3 to 7 years"
    return "8 years or more"


def _traits(candidate: Candidate) -> dict[str, str]:
    return {
        "department": candidate.department,
        "experience": experience_band(candidate.years_experience),
        "preference": candidate.preference or "not shared",
    }


def _tie(seed: str, candidate: Candidate) -> str:
    return hashlib.sha256(f"{seed}:{candidate.employee_id}".encode()).hexdigest()


def suggest(candidates: Sequence[Candidate], size: int, seed: str) -> list[Pick]:
    """Up to ``size`` picks, most diverse first, each with its reason."""
    remaining = sorted(candidates, key=lambda c: _tie(seed, c))
    seen: dict[str, Counter[str]] = {name: Counter() for name in WEIGHTS}
    picks: list[Pick] = []
    while remaining and len(picks) < size:

        def gain(c: Candidate) -> float:
            traits = _traits(c)
            return sum(w / (1 + seen[n][traits[n]]) for n, w in WEIGHTS.items())

        best = max(remaining, key=gain)  # max keeps the first of equals: the hash order
        remaining.remove(best)
        traits = _traits(best)
        picks.append(Pick(best, traits["experience"], _reason(traits, seen)))
        for name, value in traits.items():
            seen[name][value] += 1
    return picks


def _reason(traits: dict[str, str], seen: dict[str, Counter[str]]) -> str:
    def part(name: str, text: str) -> str:
        count = seen[name][traits[name]]
        return f"{text} ({'first in the cohort' if count == 0 else f'{count} so far'})"

    parts = [
        part("department", f"from {traits['department']}"),
        part("experience", traits["experience"] + " of experience"),
    ]
    if traits["preference"] != "not shared":
        parts.append(part("preference", f"prefers {traits['preference']}"))
    return "; ".join(parts)
