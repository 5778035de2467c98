"""Sentiment of free-text feedback, offline, with the lexicons shipped in the packages.

English is scored with VADER (``vaderSentiment``: rule-based, handles negation, intensifiers
and emoticons). Danish is scored with AFINN's Danish lexicon (``afinn``). No maintained
offline Norwegian lexicon exists on PyPI; written Bokmål and Nynorsk share most evaluative
words with Danish, so Norwegian is scored with the Danish lexicon as an approximation.
Other languages are not scored (``None``), never guessed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cached_property
from typing import Any

ENGLISH = frozenset({"en", "en-gb", "en-us"})
DANISH_LEXICON = frozenset({"da", "nb", "nn", "no"})
#: VADER's normalisation constant, applied to AFINN sums so both scales read alike.
_ALPHA = 15.0


def covered(language: str) -> bool:
    return language.lower() in ENGLISH or language.lower() in DANISH_LEXICON


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
        return None if scorer is None else round(scorer(text), 4)

    def _scorer(self, language: str) -> Callable[[str], float] | None:
        if language in ENGLISH or language.startswith("en-"):
            return lambda text: float(self._vader.polarity_scores(text)["compound"])
        if language in DANISH_LEXICON:
            return lambda text: _normalise(float(self._afinn_danish.score(text)))
        return None


def _normalise(total: float) -> float:
    return total / math.sqrt(total * total + _ALPHA)
