"""Topics and skills for a module from its title and description, in the catalogue's words.

The vocabulary is what Skillpath already knows: the topics and skills of the modules in the
catalogue, the skills of the competence model (O*NET and AI competence) and the roles that
require them. Each term gets a profile of words: its own name, the titles and descriptions
of the modules tagged with it, the competence model's title and description, the titles of
the roles that require it. A new module's text is scored against every term by two signals:

- the term's name (or a role requiring it) is written in the title or description, and
- the TF-IDF cosine of the text with the term's profile (the words modules with this tag use).

Confidence is ``1 - (1 - named) * (1 - similar)``: a score in [0, 1] for ranking and for a
threshold, not a calibrated probability (docs/evaluation.md measures precision per rank).
A module asking about itself is scored against the catalogue without its own tags
(leave-one-out), so a suggestion is never just the module's tags read back.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

TOPIC = "topic"
SKILL = "skill"
#: Where a term comes from.
CATALOGUE = "catalogue"
COMPETENCE = "competence"
ROLE = "role"

#: Strength of a term's name written in the title, or only in the description.
NAMED_IN_TITLE = 0.7
NAMED_IN_DESCRIPTION = 0.5
#: A role requiring the skill is named in the text.
ROLE_NAMED = 0.35
#: Below this a term is not suggested at all.
FLOOR = 0.12

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOP = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "how",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "the",
        "this",
        "to",
        "with",
        "you",
        "your",
        "we",
        "what",
        "when",
        "why",
        "will",
        "can",
        "do",
        "does",
        "using",
        "use",
        "new",
        "all",
        "more",
        "most",
        "part",
        "one",
        "two",
        "minute",
        "minutes",
        "module",
        "course",
        "video",
        "article",
        "podcast",
        "workshop",
        "learn",
        "learning",
        "about",
        "og",
        "i",
        "en",
        "et",
        "er",
        "det",
        "der",
        "til",
        "af",
        "på",
        "med",
        "som",
        "de",
        "ein",
        "eine",
        "und",
        "die",
        "das",
        "mit",
        "für",
        "von",
        "zu",
        "im",
        "auf",
    }
)


def words(text: str) -> list[str]:
    """Lower-case word stems of ``text`` without stop words (a light, language-blind stem)."""
    found = []
    for token in _WORD.findall(text.lower()):
        if token in _STOP or (len(token) < 2 and not token.isdigit()):
            continue
        found.append(_stem(token))
    return found


def _stem(token: str) -> str:
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 5 and token.endswith("ing"):
        return token[:-3]
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def _named(phrase: Sequence[str], text: Sequence[str]) -> bool:
    """Whether the stems of ``phrase`` occur in ``text`` in a row."""
    n = len(phrase)
    if not n or n > len(text):
        return False
    return any(list(text[i : i + n]) == list(phrase) for i in range(len(text) - n + 1))


@dataclass(frozen=True)
class CatalogueEntry:
    """A module of the catalogue as the vocabulary sees it."""

    key: str
    title: str
    description: str
    topics: Sequence[str]
    skills: Sequence[str]


@dataclass(frozen=True)
class SkillEntry:
    """A skill of the competence model."""

    skill: str
    title: str
    description: str
    framework: str


@dataclass(frozen=True)
class RoleEntry:
    """A role and the skills it requires."""

    title: str
    skills: Sequence[str]


@dataclass(frozen=True)
class Suggestion:
    """One suggested topic or skill, how sure Skillpath is, and why."""

    kind: str
    label: str
    confidence: float
    sources: tuple[str, ...]
    reason: str


@dataclass
class _Term:
    kind: str
    label: str
    name: list[str]
    sources: set[str] = field(default_factory=set)
    #: Words from the term's own descriptions (competence model, role titles).
    own: Counter[str] = field(default_factory=Counter)
    #: Words of each catalogue module tagged with the term, by module key.
    modules: dict[str, Counter[str]] = field(default_factory=dict)
    roles: list[tuple[str, list[str]]] = field(default_factory=list)


class Vocabulary:
    """Every topic and skill Skillpath knows, ready to be matched against a module's text."""

    def __init__(
        self,
        catalogue: Iterable[CatalogueEntry],
        skills: Iterable[SkillEntry] = (),
        roles: Iterable[RoleEntry] = (),
    ) -> None:
        self._terms: dict[tuple[str, str], _Term] = {}
        self._documents: dict[str, Counter[str]] = {}
        for module in catalogue:
            text = Counter(words(f"{module.title} {module.title} {module.description}"))
            self._documents[module.key] = text
            for kind, labels in ((TOPIC, module.topics), (SKILL, module.skills)):
                for label in labels:
                    term = self._term(kind, label)
                    term.sources.add(CATALOGUE)
                    term.modules[module.key] = text
        for skill in skills:
            term = self._term(SKILL, skill.skill)
            term.sources.add(COMPETENCE)
            term.own.update(words(f"{skill.title} {skill.description}"))
            title = words(skill.title)
            if len(title) <= 4 and title != term.name:
                term.roles.append((skill.title, title))  # the model's title names it too
        for role in roles:
            name = words(role.title)
            for label in role.skills:
                term = self._term(SKILL, label)
                term.sources.add(ROLE)
                term.own.update(name)
                if name:
                    term.roles.append((role.title, name))
        documents = len(self._documents) + 1
        frequency: Counter[str] = Counter()
        for text in self._documents.values():
            frequency.update(text.keys())
        self._idf = {w: math.log((1 + documents) / (1 + n)) + 1 for w, n in frequency.items()}
        self._default_idf = math.log(1 + documents) + 1
        self._vectors = {key: self._profile(term, None) for key, term in self._terms.items()}

    def _term(self, kind: str, label: str) -> _Term:
        key = (kind, label.strip().lower())
        if key not in self._terms:
            self._terms[key] = _Term(kind, key[1], words(key[1]))
        return self._terms[key]

    @property
    def size(self) -> int:
        """How many distinct terms (topics plus skills) the vocabulary holds."""
        return len(self._terms)

    def _profile(self, term: _Term, leave_out: str | None) -> dict[str, float]:
        profile: Counter[str] = Counter(term.own)
        for key, counts in term.modules.items():
            if key != leave_out:
                profile.update(counts)
        profile.update({w: 3 for w in term.name})
        return self._vector(profile)

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        vector = {
            w: (1 + math.log(n)) * self._idf.get(w, self._default_idf)
            for w, n in counts.items() if n > 0
        }  # fmt: skip
        norm = math.sqrt(sum(v * v for v in vector.values()))
        return {w: v / norm for w, v in vector.items()} if norm else {}

    def suggest(
        self, title: str, description: str, *, limit: int = 5, leave_out: str | None = None
    ) -> dict[str, list[Suggestion]]:
        """The best ``limit`` topics and skills for a module, most confident first;
        ``leave_out`` is the key of a catalogue module whose own tags must not count."""
        title_words, body_words = words(title), words(description)
        text = self._vector(Counter(title_words * 2 + body_words))
        found: dict[str, list[Suggestion]] = {TOPIC: [], SKILL: []}
        for key, term in self._terms.items():
            modules = len(term.modules) - (leave_out in term.modules)
            sources = set(term.sources)
            if not modules:
                sources.discard(CATALOGUE)
            if not sources:
                continue  # only the module itself ever used this term
            vector = (
                self._profile(term, leave_out) if leave_out in term.modules
                else self._vectors[key]
            )  # fmt: skip
            similar = sum(v * vector.get(w, 0.0) for w, v in text.items())
            named, reason = 0.0, ""
            if _named(term.name, title_words):
                named, reason = NAMED_IN_TITLE, f"the title names {term.label!r}"
            elif _named(term.name, body_words):
                named, reason = NAMED_IN_DESCRIPTION, f"the description names {term.label!r}"
            else:
                for role_title, role_name in term.roles:
                    if _named(role_name, title_words + body_words):
                        named, reason = ROLE_NAMED, f"it names {role_title!r}, which needs it"
                        break
            confidence = 1 - (1 - named) * (1 - min(1.0, similar))
            if confidence < FLOOR:
                continue
            if not reason:
                reason = (
                    f"its words are those of {modules} catalogue module(s) on it"
                    if modules else "its words match the competence model's description"
                )  # fmt: skip
            found[term.kind].append(
                Suggestion(
                    term.kind, term.label, round(confidence, 3), tuple(sorted(sources)), reason
                )
            )
        for kind in found:
            found[kind].sort(key=lambda s: (-s.confidence, s.label))
            del found[kind][limit:]
        return found
