"""The demo's own wording: module titles and descriptions, goals and feedback comments."""

from __future__ import annotations

import random

#: Title patterns per difficulty (1-5); ``{skill}`` and ``{sub}`` are filled in.
TITLES: dict[int, tuple[str, ...]] = {
    1: ("{Skill} foundations", "Getting started with {skill}", "First steps in {sub}",
        "{Skill}: the essentials", "A gentle introduction to {sub}"),
    2: ("Practical {skill}: {sub}", "{Sub}, step by step", "{Skill} toolkit: {sub}",
        "{Sub} in a week", "{Skill} habits that stick"),
    3: ("{Sub} in practice", "Applying {skill} at work: {sub}", "{Skill} workshop: {sub}",
        "Solving real problems with {sub}", "{Skill} case studies: {sub}"),
    4: ("Advanced {skill}: {sub}", "{Sub} at scale", "Deep dive: {sub}",
        "{Skill} for experienced practitioners", "Hard cases in {sub}"),
    5: ("Mastering {sub}", "{Skill} masterclass", "Leading with {skill}: {sub}",
        "Teaching others {sub}", "{Skill} at expert level: {sub}"),
}  # fmt: skip

AUDIENCES: dict[int, str] = {
    1: "people new to the subject",
    2: "people who have tried it a few times",
    3: "people who use it at work every week",
    4: "experienced practitioners",
    5: "experts who want to shape how others work",
}

OUTCOMES: tuple[str, ...] = (
    "leave with a checklist you can use the same day",
    "work through short exercises based on situations from our own teams",
    "compare two approaches and learn when each one fits",
    "practise on a realistic example and get model answers",
    "build a small piece of work you can show your team",
    "learn the common mistakes and how to spot them early",
)

MEDIA_WORDS: dict[str, str] = {
    "video": "video",
    "article": "article",
    "course": "course",
    "interactive": "interactive lesson",
    "podcast": "podcast episode",
    "workshop": "workshop",
}

LANGUAGE_SUFFIX: dict[str, str] = {"en": "", "de": " (Deutsch)", "nb": " (norsk)"}


#: Words that keep their own spelling in titles and comments.
_SPELLING = {"python": "Python", "sql": "SQL", "seo": "SEO", "api": "API", "a/b": "A/B",
             "q&a": "Q&A", "slas": "SLAs"}  # fmt: skip


def spelled(words: str) -> str:
    """``api design`` -> ``API design``."""
    return " ".join(_SPELLING.get(word, word) for word in words.split(" "))


def _capital(words: str) -> str:
    return words[:1].upper() + words[1:]


def module_title(rng: random.Random, skill: str, subtopic: str, difficulty: int) -> str:
    pattern = rng.choice(TITLES[difficulty])
    skill, subtopic = spelled(skill), spelled(subtopic)
    return pattern.format(
        skill=skill, Skill=_capital(skill), sub=subtopic, Sub=_capital(subtopic),
    )  # fmt: skip


def module_description(
    rng: random.Random, subtopic: str, difficulty: int, media_type: str, minutes: int
) -> str:
    return (
        f"A {minutes}-minute {MEDIA_WORDS[media_type]} on {spelled(subtopic)} for"
        f" {AUDIENCES[difficulty]}. You {rng.choice(OUTCOMES)}."
    )


GOALS: tuple[str, ...] = (
    "get better at {skill}",
    "close my gap in {skill}",
    "prepare for a lead role",
    "learn enough {skill} to help my team",
    "move towards a role in {department}",
    "be confident presenting my work",
    "spend one hour a week on learning",
    "mentor a new colleague",
    "understand our customers better",
    "keep up with new tools in my field",
)


def goal(rng: random.Random, skill: str, department: str) -> str:
    return rng.choice(GOALS).format(skill=spelled(skill), department=department)


POSITIVE_COMMENTS: tuple[str, ...] = (
    "Clear and to the point. I used the {sub} part the next day.",
    "Good examples on {sub}, close to what we do in our team.",
    "Exactly the right length for a busy week.",
    "Finally understood {sub}. The exercises helped a lot.",
    "Well structured, and the checklist at the end is useful.",
    "Great pace. I would recommend it to anyone new to {skill}.",
    "The case study felt real. More modules like this please.",
    "Short, practical and friendly in tone.",
)
NEUTRAL_COMMENTS: tuple[str, ...] = (
    "Solid overview of {sub}, but I knew most of it already.",
    "Useful, though the examples could be closer to our product.",
    "Fine as a refresher. The quiz was a bit easy.",
    "Some parts were great, others dragged on.",
    "OK content on {skill}; the audio quality could be better.",
)
NEGATIVE_COMMENTS: tuple[str, ...] = (
    "Too long for what it teaches. I lost interest halfway.",
    "The introduction took forever before getting to {sub}.",
    "Examples felt outdated and did not match how we work.",
    "Harder than the difficulty suggests; I needed more basics first.",
    "Too theoretical. I wanted practical steps for {sub}.",
    "Hard to follow on a laptop without sound.",
    "The quiz asked about things the module never covered.",
)


def feedback_comment(rng: random.Random, rating: int, skill: str, subtopic: str) -> str:
    """A short comment matching the rating; some people leave the comment empty."""
    if rng.random() < 0.3:
        return ""
    pool = (
        POSITIVE_COMMENTS if rating >= 4 else NEUTRAL_COMMENTS if rating == 3 else NEGATIVE_COMMENTS
    )
    return rng.choice(pool).format(skill=spelled(skill), sub=spelled(subtopic))


RETIRE_REASONS: tuple[str, ...] = (
    "replaced by a newer module on the same subject",
    "content no longer matches our tools",
    "low ratings and a high drop-off; retired after review",
)

REVISION_NOTES: tuple[str, ...] = (
    "Updated examples and a shorter introduction.",
    "New exercises and a clearer summary.",
    "Reworked after learner feedback: fewer slides, more practice.",
)
