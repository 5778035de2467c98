"""Suggested topics and skills for modules, and HR's answer to them."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import strawberry

from app.aggregates import ValidationFailed
from app.aggregates.base import MAX_LONG_TEXT, MAX_SHORT_TEXT
from app.schema.common import ConsistentWith, consistent
from app.schema.context import SkillpathInfo
from app.schema.errors import bad_input, execute, parse_id, query_id
from app.schema.idempotency import IdempotentInput
from app.schema.learning import ModuleSkillInput
from app.schema.payloads import ModulePayload, module_payload, result
from app.tagging.book import MAX_LIMIT, TaggingError, TagSuggestions
from app.tagging.suggest import Suggestion

Limit = Annotated[
    int, strawberry.argument(description=f"Suggestions of each kind, 1 to {MAX_LIMIT}.")
]
ReviewModuleTagsResult = result("ReviewModuleTagsResult", ModulePayload)


@strawberry.enum(description="Where a suggested tag's term comes from.")
class TagSource(Enum):
    CATALOGUE = strawberry.enum_value(
        "catalogue", description="Topics or skills of modules already in the catalogue."
    )
    COMPETENCE = strawberry.enum_value(
        "competence", description="The competence model (O*NET skills, AI competence)."
    )
    ROLE = strawberry.enum_value("role", description="A skill a role of the company requires.")


@strawberry.enum(description="What HR made of a suggested tag.")
class TagStatus(Enum):
    SUGGESTED = strawberry.enum_value("suggested", description="Not answered yet.")
    ON_MODULE = strawberry.enum_value(
        "on_module", description="The module carries it already (set when it was published)."
    )
    ACCEPTED = strawberry.enum_value("accepted", description="HR kept it in the last review.")
    REJECTED = strawberry.enum_value(
        "rejected", description="HR turned it down in the last review."
    )


@strawberry.type(description="One suggested topic or skill with how sure Skillpath is.")
class TagSuggestion:
    label: str = strawberry.field(description="The topic or skill, as the vocabulary spells it.")
    confidence: float = strawberry.field(
        description="0 to 1: how strongly title and description point to it (a ranking"
        " score, not a calibrated probability; see docs/evaluation.md)."
    )
    sources: list[TagSource] = strawberry.field(description="Where the term comes from.")
    reason: str = strawberry.field(description="Why it is suggested, in words.")
    status: TagStatus = strawberry.field(description="What HR made of it so far.")


@strawberry.type(description="HR's last answer to the suggestions, each tag as kind:label.")
class TagReview:
    accepted: list[str] = strawberry.field(description="Suggested tags HR kept.")
    rejected: list[str] = strawberry.field(description="Suggested tags HR turned down.")
    added: list[str] = strawberry.field(description="Tags HR set that were not suggested.")


@strawberry.type(description="Suggested topics and skills for a module or a draft.")
class ModuleTagSuggestions:
    module_id: strawberry.ID | None = strawberry.field(description="The module; null for a draft.")
    topics: list[TagSuggestion] = strawberry.field(description="Topics, most confident first.")
    skills: list[TagSuggestion] = strawberry.field(description="Skills, most confident first.")
    current_topics: list[str] = strawberry.field(description="The topics the module has now.")
    current_skills: list[str] = strawberry.field(description="The skills the module has now.")
    review: TagReview | None = strawberry.field(
        description="HR's last review of the suggestions, or null if none yet."
    )

    @classmethod
    def of(cls, found: TagSuggestions) -> ModuleTagSuggestions:
        review = found.review or {}

        def status(s: Suggestion) -> TagStatus:
            tag = f"{s.kind}:{s.label}"
            if tag in review.get("rejected", ()):
                return TagStatus.REJECTED
            if tag in review.get("accepted", ()) or tag in review.get("added", ()):
                return TagStatus.ACCEPTED
            mine = found.current_topics if s.kind == "topic" else found.current_skills
            return TagStatus.ON_MODULE if s.label in mine else TagStatus.SUGGESTED

        def view(s: Suggestion) -> TagSuggestion:
            return TagSuggestion(
                label=s.label, confidence=s.confidence,
                sources=[TagSource(x) for x in s.sources], reason=s.reason, status=status(s),
            )  # fmt: skip

        return cls(
            module_id=None if found.module_id is None else strawberry.ID(found.module_id),
            topics=[view(s) for s in found.topics],
            skills=[view(s) for s in found.skills],
            current_topics=list(found.current_topics),
            current_skills=list(found.current_skills),
            review=None if found.review is None else TagReview(
                accepted=list(review.get("accepted", [])),
                rejected=list(review.get("rejected", [])),
                added=list(review.get("added", [])),
            ),
        )  # fmt: skip


@strawberry.input(description="HR's answer: the module's topics and skills as HR settles them;"
                  " suggestions left out are recorded as rejected, others as added.")  # fmt: skip
class ReviewModuleTagsInput(IdempotentInput):
    module_id: strawberry.ID = strawberry.field(description="The module.")
    topics: list[str] = strawberry.field(description="The module's topics (at most 20).")
    skills: list[ModuleSkillInput] = strawberry.field(
        description="The module's skills with levels (at least one)."
    )


def _text(value: str, field: str, limit: int, required: bool) -> str:
    clean = value.strip()
    if required and not clean:
        raise bad_input(field, "must not be empty")
    if len(clean) > limit:
        raise bad_input(field, f"must be at most {limit} characters")
    if any(ord(c) < 32 and c not in "\n\t" for c in clean):
        raise bad_input(field, "must not contain control characters")
    return clean


async def _suggestions(info: SkillpathInfo, call: Any, *args: Any) -> Any:
    try:
        return await info.context.run(call, *args)
    except TaggingError as error:
        raise bad_input(error.field, error.message) from None


@strawberry.type
class ModuleTagQuery:
    @strawberry.field(description="Suggested topics and skills for a published module, from its"
                      " title and description, scored against the catalogue without the"
                      " module's own tags; null if there is no such module.")  # fmt: skip
    async def module_tag_suggestions(
        self,
        info: SkillpathInfo,
        module_id: strawberry.ID,
        limit: Limit = 5,
        consistent_with: ConsistentWith = None,
    ) -> ModuleTagSuggestions | None:
        await consistent(info, consistent_with)
        key = query_id(module_id, "moduleId")
        found = await _suggestions(info, info.context.services.tagging.for_module, key, limit)
        return None if found is None else ModuleTagSuggestions.of(found)

    @strawberry.field(description="Suggested topics and skills for a module being drafted.")
    async def suggest_module_tags(
        self,
        info: SkillpathInfo,
        title: Annotated[str, strawberry.argument(description="The draft's title.")],
        description: Annotated[
            str, strawberry.argument(description="The draft's description.")
        ] = "",
        limit: Limit = 5,
    ) -> ModuleTagSuggestions:
        title = _text(title, "title", MAX_SHORT_TEXT, True)
        description = _text(description, "description", MAX_LONG_TEXT, False)
        found = await _suggestions(
            info, info.context.services.tagging.for_draft, title, description, limit
        )
        return ModuleTagSuggestions.of(found)


@strawberry.type
class ModuleTagMutation:
    @strawberry.mutation(description="Accept or correct the suggested topics and skills of a"
                         " module: the review is recorded as an event, and the module is"
                         " revised to the tags HR settled (one atomic save).")  # fmt: skip
    async def review_module_tags(
        self, info: SkillpathInfo, input: ReviewModuleTagsInput
    ) -> ReviewModuleTagsResult:
        ctx = info.context

        def review() -> Any:
            module_id = parse_id(input.module_id, "moduleId")
            found = ctx.services.tagging.for_module(str(module_id))
            skills: dict[str, int] = {}
            for item in input.skills:
                name = item.skill.strip().lower()
                if name in skills:
                    raise ValidationFailed("skills.skill", f"{name!r} is listed twice")
                skills[name] = item.level
            return ctx.services.app.review_module_tags(
                module_id, suggested=[] if found is None else found.as_event(),
                topics=list(input.topics), skills=skills, actor=ctx.actor,
            )  # fmt: skip

        return await execute(ctx.run, review, module_payload)
