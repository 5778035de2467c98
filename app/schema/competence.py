"""The competence model: skills with their bands, from O*NET and the AI competence model."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from app.competence import model
from app.competence.onet import ATTRIBUTION


@strawberry.enum(description="Where a skill of the competence model comes from.")
class CompetenceFramework(Enum):
    ONET = strawberry.enum_value("onet", description="The 35 O*NET skills (O*NET 23.x).")
    AI = strawberry.enum_value(
        "ai", description="The AI competence model of HR-led competence building."
    )


@strawberry.enum(description="Three bands of proficiency over the levels 1-5.")
class SkillBandName(Enum):
    BASIC = strawberry.enum_value("basic", description="Levels 1-2.")
    INTERMEDIATE = strawberry.enum_value("intermediate", description="Level 3.")
    EXPERT = strawberry.enum_value("expert", description="Levels 4-5.")


@strawberry.type(description="One band of a skill and what a person in it can do.")
class SkillBand:
    band: SkillBandName = strawberry.field(description="The band's name.")
    min_level: int = strawberry.field(description="The lowest level (0-5) in the band.")
    max_level: int = strawberry.field(description="The highest level (0-5) in the band.")
    anchor: str = strawberry.field(description="An example of what the band looks like.")


@strawberry.type(description="A skill of the competence model with its three bands.")
class SkillDefinition:
    skill: str = strawberry.field(description="The skill's name as roles and modules use it.")
    title: str = strawberry.field(description="The skill's title for people.")
    framework: CompetenceFramework = strawberry.field(description="Where the skill comes from.")
    description: str = strawberry.field(description="What the skill is.")
    bands: list[SkillBand] = strawberry.field(description="Basic, intermediate and expert.")
    introduced_in: SkillBandName | None = strawberry.field(
        description="For AI competence items: the band of AI competence the item belongs to."
    )
    target_level: int | None = strawberry.field(
        description="For AI competence items: the level (0-5) that shows the item is mastered."
    )


@strawberry.type(description="The skills of the competence model and the licence they need.")
class CompetenceModel:
    skills: list[SkillDefinition] = strawberry.field(description="The skills, O*NET first.")
    attribution: str = strawberry.field(description="The attribution the O*NET licence asks for.")


def _definition(found: model.SkillDefinition) -> SkillDefinition:
    return SkillDefinition(
        skill=found.skill,
        title=found.title,
        framework=CompetenceFramework(found.framework),
        description=found.description,
        bands=[
            SkillBand(band=SkillBandName(b.band), min_level=b.min_level, max_level=b.max_level,
                      anchor=b.anchor)
            for b in found.bands
        ],
        introduced_in=None if found.introduced_in is None else SkillBandName(found.introduced_in),
        target_level=found.target_level,
    )  # fmt: skip


@strawberry.type
class CompetenceQuery:
    @strawberry.field(description="The skills of the competence model with their bands.")
    def competence_model(
        self,
        framework: Annotated[
            CompetenceFramework | None,
            strawberry.argument(description="Only the skills of this framework."),
        ] = None,
    ) -> CompetenceModel:
        skills = [
            _definition(s)
            for s in model.competence_model()
            if framework is None or CompetenceFramework(s.framework) is framework
        ]
        return CompetenceModel(skills=skills, attribution=ATTRIBUTION)
