"""Criticism phrased as a wish or a "too ...": what general sentiment lexicons miss.

Learners rarely write "bad"; they write "more practical examples would have helped" or
"for teoretisk". Lexicons read "helped", "practical" and "good" as praise, so such a
comment scores positive and never flags a module. These patterns, per language, mark the
constructions that ask for a change: a counterfactual ("would have helped", "ville have
hjulpet", "hätte geholfen"), a lack ("I missed", "der mangler", "es fehlt"), an excess
("too theoretical", "for teoretisk", "zu theoretisch") and a request ("please add").

German has no maintained offline lexicon on PyPI (the ones there download transformer
weights at run time), and AFINN's Danish list lacks common Norwegian forms, so each gets a
small lexicon of the evaluative words learning feedback uses; docs/evaluation.md measures
the result per language on the labelled comments in tests/data.
"""

from __future__ import annotations

import re

_FLAGS = re.IGNORECASE | re.UNICODE

CUES: dict[str, tuple[str, ...]] = {
    "en": (
        r"\bwould(?:n't| not)? have (?:been )?(?:helped|useful|better|nice|good|liked)",
        r"\bwould (?:be|help)\b",
        r"\bcould (?:use|be|have)\b",
        r"\bi wish\b",
        r"\bi (?:missed|lacked)\b",
        r"\b(?:lacks?|lacking|missing)\b",
        r"\btoo (?:much|little|\w+)",
        r"\bplease (?:add|include|make)\b",
        r"\bshould (?:explain|have|be|include)\b",
        r"\bi would have liked\b",
        r"\bnot enough\b",
        r"\bhard to follow\b",
    ),
    "da": (
        r"\b(?:ville|kunne) (?:have|være)\b",
        r"\bhavde været\b",
        r"\bsavne(?:de|r)?\b",
        r"\bmangler\b",
        r"\bfor (?:meget|lidt|teoretisk|abstrakt|langt?|kort|hurtigt|svært)\b",
        r"\btilføj gerne\b",
        r"\bburde\b",
        r"\bjeg ville gerne\b",
        r"\bikke nok\b",
        r"\bsvært at følge\b",
        r"\bville hjælpe\b",
    ),
    "nb": (
        r"\b(?:ville|kunne) (?:ha|vært|hjulpet)\b",
        r"\bhadde vært\b",
        r"\bsavne(?:t|r)?\b",
        r"\bmangler\b",
        r"\bfor (?:mye|lite|teoretisk|abstrakt|langt?|kort|raskt|vanskelig)\b",
        r"\blegg gjerne\b",
        r"\bburde\b",
        r"\bskulle gjerne\b",
        r"\bikke nok\b",
        r"\bvanskelig å følge\b",
    ),
    "de": (
        r"\bwäre(?:n)? (?:\w+ )?(?:hilfreich|gut|schön|besser|toll)",
        r"\bhätte(?:n)?\b",
        r"\bwürde(?:n)? (?:\w+ )?(?:helfen|gut)",
        r"\bfehl(?:t|en|te)\b",
        r"\bvermisst\b",
        r"\bzu (?:viel|wenig|theoretisch|abstrakt|lang|kurz|schnell|schwer)\b",
        r"\bbitte mehr\b",
        r"\bsollte\b",
        r"\bnicht genug\b",
        r"\bschwer zu folgen\b",
    ),
}
#: Norwegian Nynorsk and the generic code share Bokmål's patterns.
ALIASES = {"no": "nb", "nn": "nb", "en-gb": "en", "en-us": "en", "de-de": "de", "de-at": "de"}
_COMPILED = {lang: [re.compile(p, _FLAGS) for p in ps] for lang, ps in CUES.items()}

#: Evaluative words of learning feedback, -3..3, where the shipped lexicons have none.
EXTRA_WORDS: dict[str, dict[str, int]] = {
    "de": {
        "gut": 2,
        "super": 3,
        "toll": 3,
        "klar": 1,
        "hilfreich": 2,
        "nützlich": 2,
        "hervorragend": 3,
        "großartig": 3,
        "empfehlenswert": 2,
        "gefallen": 2,
        "spaß": 2,
        "unterhaltsam": 2,
        "relevant": 1,
        "verständlich": 2,
        "praktisch": 1,
        "danke": 1,
        "gelernt": 1,
        "schön": 2,
        "langweilig": -2,
        "zeitverschwendung": -3,
        "verwirrend": -2,
        "schlecht": -2,
        "unfair": -2,
        "veraltet": -2,
        "veraltete": -2,
        "enttäuschend": -2,
        "unklar": -2,
        "unklare": -2,
        "nichts": -1,
        "funktionierten": 0,
        "nicht": -1,
    },
    "nb": {
        "bra": 2,
        "nyttig": 2,
        "kjempenyttig": 3,
        "utmerket": 3,
        "glimrende": 3,
        "anbefales": 2,
        "elsket": 3,
        "morsomt": 2,
        "takk": 1,
        "tydelig": 1,
        "lærte": 1,
        "kjedelig": -2,
        "bortkastet": -3,
        "forvirrende": -2,
        "urettferdig": -2,
        "utdatert": -2,
        "skuffende": -2,
        "uklare": -2,
        "ingenting": -1,
        "dårlig": -2,
        "vanskelig": -1,
        "fungerte": 0,
        "ikke": -1,
    },
    "da": {
        "brugbart": 2,
        "fremragende": 3,
        "glimrende": 3,
        "anbefales": 2,
        "elskede": 3,
        "sjovt": 2,
        "nyttigt": 2,
        "kedeligt": -2,
        "spild": -2,
        "forvirrende": -2,
        "urimelig": -2,
        "forældet": -2,
        "skuffende": -2,
        "uklare": -2,
        "svært": -1,
        "ikke": -1,
    },
}
_WORD = re.compile(r"[\wæøåäöüß]+", _FLAGS)


def language_key(language: str) -> str:
    lowered = language.lower()
    return ALIASES.get(lowered, lowered.split("-")[0] if lowered[:2] in CUES else lowered)


def criticism_cues(text: str, language: str) -> int:
    """How many constructions in ``text`` ask for a change (0 when none or not covered)."""
    patterns = _COMPILED.get(language_key(language), [])
    return sum(1 for p in patterns if p.search(text))


def extra_score(text: str, language: str) -> float:
    """The sum of the supplementary lexicon's words in ``text``."""
    words = EXTRA_WORDS.get(language_key(language), {})
    return float(sum(words.get(w.lower(), 0) for w in _WORD.findall(text)))
