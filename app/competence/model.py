"""The competence model's skills: three bands each, with what each band looks like.

Two frameworks ship: the 35 O*NET skills (bands anchored by O*NET's own level anchors,
see ``onet_skills.json`` and its attribution) and the AI competence model of HR-led
competence building, whose items each belong to one band of AI competence (basic,
intermediate, expert) and are skills a role can require and a module can teach.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: Skillpath levels 0-5 fall into three bands; 0 is "not yet".
BANDS: tuple[tuple[str, int, int], ...] = (
    ("basic", 1, 2),
    ("intermediate", 3, 3),
    ("expert", 4, 5),
)
ONET_FRAMEWORK = "onet"
AI_FRAMEWORK = "ai"


def band_of(level: int) -> str | None:
    """The band a level falls in, or None below level 1."""
    for name, low, high in BANDS:
        if low <= level <= high:
            return name
    return None


@dataclass(frozen=True)
class SkillBand:
    """One band of a skill: its levels and what a person in it can do."""

    band: str
    min_level: int
    max_level: int
    anchor: str


@dataclass(frozen=True)
class SkillDefinition:
    """A skill of the competence model."""

    skill: str
    title: str
    framework: str
    description: str
    bands: tuple[SkillBand, ...]
    #: For AI competence items: the band the item belongs to, and the level that shows it.
    introduced_in: str | None = None
    target_level: int | None = None


def _bands(anchors: dict[str, str]) -> tuple[SkillBand, ...]:
    return tuple(SkillBand(name, low, high, anchors.get(name, "")) for name, low, high in BANDS)


@dataclass(frozen=True)
class AiItem:
    """An item of the AI competence model: its skill name, band and text."""

    skill: str
    title: str
    band: str
    basic: str
    intermediate: str
    expert: str


_TARGET = {"basic": 2, "intermediate": 3, "expert": 4}

AI_ITEMS: tuple[AiItem, ...] = (
    AiItem("ai principles", "Understanding of AI principles", "basic",
           "explains what generative AI does and where it fails",
           "chooses between AI approaches for a task and explains why",
           "teaches colleagues how models work and what follows for their use"),
    AiItem("ai tools of one's field", "The main AI tools of one's own field", "basic",
           "uses the approved AI tools of the own field for everyday tasks",
           "combines several tools and knows their limits and costs",
           "evaluates and introduces new tools for the field"),
    AiItem("simple prompting", "Writing simple prompts", "basic",
           "writes clear prompts with a task, context and the form of the answer",
           "reuses and improves prompts for recurring tasks",
           "builds prompt libraries others use"),
    AiItem("critical view of ai output", "A critical view of AI output", "basic",
           "checks AI output for errors, invented facts and bias before using it",
           "sets review steps for AI output in the team's work",
           "defines what may be used unreviewed and what never"),
    AiItem("advanced prompting", "Advanced prompting techniques", "intermediate",
           "follows examples of structured prompts (roles, examples, steps)",
           "uses chaining, few-shot examples and self-checks on real tasks",
           "designs prompting patterns for complex processes"),
    AiItem("ai in work processes", "AI integrated into work processes", "intermediate",
           "uses AI within one step of a process",
           "redesigns a team process around AI steps, with hand-offs and checks",
           "leads AI process changes across departments"),
    AiItem("ai standardisation and quality", "Standardisation and quality control of AI use",
           "intermediate",
           "follows the team's templates and quality checks for AI work",
           "writes templates, checklists and quality criteria for AI use",
           "owns the organisation's AI quality standards"),
    AiItem("ai strategy", "Developing an AI strategy", "expert",
           "knows the organisation's AI goals and where their own work fits",
           "contributes use cases and priorities for a department's AI plan",
           "develops the organisation's AI strategy and roadmap"),
    AiItem("ai roi measurement", "Measuring and documenting the ROI of AI use cases", "expert",
           "records time saved on AI-supported tasks",
           "measures a use case's costs and benefits against a baseline",
           "documents the ROI of AI use cases for decisions at board level"),
    AiItem("ai legal and ethics", "Legal and ethical questions of AI use", "expert",
           "knows the rules on personal data, licences and confidential material in AI tools",
           "assesses a use case for data protection, copyright and fairness risks",
           "sets the organisation's AI policy with legal, works council and data protection"),
)  # fmt: skip

AI_SKILLS: frozenset[str] = frozenset(item.skill for item in AI_ITEMS)


@cache
def onet_table() -> dict[str, object]:
    """The derived O*NET skills table shipped in the package (with its attribution)."""
    text = resources.files("app.competence").joinpath("onet_skills.json").read_text("utf-8")
    table: dict[str, object] = json.loads(text)
    return table


@cache
def competence_model() -> tuple[SkillDefinition, ...]:
    """Every skill of both frameworks, O*NET first."""
    table = onet_table()
    skills: list[SkillDefinition] = []
    for entry in table["skills"]:  # type: ignore[attr-defined]
        skills.append(
            SkillDefinition(
                skill=entry["skill"], title=entry["title"], framework=ONET_FRAMEWORK,
                description=entry["description"], bands=_bands(entry["bands"]),
            )
        )  # fmt: skip
    for item in AI_ITEMS:
        skills.append(
            SkillDefinition(
                skill=item.skill, title=item.title, framework=AI_FRAMEWORK,
                description=f"AI competence, {item.band} band: {item.title.lower()}.",
                bands=_bands(
                    {"basic": item.basic, "intermediate": item.intermediate,
                     "expert": item.expert}
                ),
                introduced_in=item.band, target_level=_TARGET[item.band],
            )
        )  # fmt: skip
    return tuple(skills)


def skill_definition(skill: str) -> SkillDefinition | None:
    return next((s for s in competence_model() if s.skill == skill.strip().lower()), None)
