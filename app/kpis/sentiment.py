"""Sentiment of free-text feedback, offline, with the lexicons shipped in the packages.

English is scored with VADER (``vaderSentiment``: rule-based, handles negation, intensifiers
and emoticons). Danish is scored with AFINN's Danish lexicon (``afinn``). No maintained
offline Norwegian lexicon exists on PyPI; written Bokmål and Nynorsk share most evaluative
words with Danish, so Norwegian is scored with the Danish lexicon plus the Norwegian forms
it lacks; German with a small lexicon of feedback words (``app.kpis.criticism``).
Criticism phrased as a wish or an excess ("more practical examples would have helped",
"for teoretisk") turns a score negative whatever the words' own tone. Other languages are
not scored (``None``), never guessed. Accuracy per language: docs/evaluation.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cached_property
from typing import Any

from app.kpis.criticism import criticism_cues, extra_score

ENGLISH = frozenset({"en", "en-gb", "en-us"})
DANISH_LEXICON = frozenset({"da", "nb", "nn", "no"})
GERMAN = frozenset({"de", "de-de", "de-at", "de-ch"})
#: How far one criticism cue pushes a score below zero (more cues push further).
CUE_WEIGHT, CUE_FLOOR = 0.15, 0.3
#: VADER's normalisation constant, applied to AFINN sums so both scales read alike.
_ALPHA = 15.0


def covered(language: str) -> bool:
    lowered = language.lower()
    return lowered in ENGLISH or lowered in DANISH_LEXICON or lowered in GERMAN


class SentimentScorer:
    """Scores text from -1 (negative) to 1 (positive); lexicons load on first use."""

    @cached_property
    def _vader(self) -> Any:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        return SentimentIntensityAnalyzer()

    @cached_property
    def _afinn_danish(self) -> Any:
        from afinn import Afinn

        return Afinn(language="da")

    def score(self, text: str, language: str) -> float | None:
        """The sentiment of ``text`` written in ``language``; ``None`` if not scored."""
        text = text.strip()
        if not text:
            return None
        scorer = self._scorer(language.lower())
        if scorer is None:
            return None
        value = scorer(text)
        cues = criticism_cues(text, language)
        if cues:
            # A request for change is criticism, however kindly worded.
            value = min(value, 0.0) - CUE_FLOOR - CUE_WEIGHT * (cues - 1)
        return round(max(-1.0, min(1.0, value)), 4)

    def _scorer(self, language: str) -> Callable[[str], float] | None:
        if language in ENGLISH or language.startswith("en-"):
            return lambda text: float(self._vader.polarity_scores(text)["compound"])
        if language in DANISH_LEXICON:
            return lambda text: _normalise(
                float(self._afinn_danish.score(text)) + extra_score(text, language)
            )
        if language in GERMAN:
            return lambda text: _normalise(extra_score(text, language))
        return None


def _normalise(total: float) -> float:
    return total / math.sqrt(total * total + _ALPHA)
