"""Precision and recall of the top-k suggestions on held-out modules.

A catalogue is split once (fixed seed) into modules the vocabulary is built from and held-out
modules whose own topics and skills are the truth; the held-out modules' title and
description are all the suggester sees. Recall counts every true tag, including tags no
training module carries (the suggester cannot know those: ``reachable`` says how many
could have been found at all).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.tagging.suggest import SKILL, TOPIC, CatalogueEntry, RoleEntry, SkillEntry, Vocabulary


@dataclass(frozen=True)
class TopK:
    """Micro-averaged precision and recall of the top ``k`` of one kind of tag."""

    kind: str
    k: int
    modules: int
    precision: float
    recall: float
    reachable: float


def held_out_split(
    entries: Sequence[CatalogueEntry], share: float = 0.2, seed: int = 15
) -> tuple[list[CatalogueEntry], list[CatalogueEntry]]:
    """(training, held out): a fixed random ``share`` of the modules is held out."""
    order = list(entries)
    random.Random(seed).shuffle(order)
    cut = max(1, round(len(order) * share))
    return order[cut:], order[:cut]


def evaluate(
    entries: Sequence[CatalogueEntry],
    ks: Iterable[int] = (1, 3, 5),
    skills: Iterable[SkillEntry] = (),
    roles: Iterable[RoleEntry] = (),
    share: float = 0.2,
) -> list[TopK]:
    """Top-k precision and recall of topics and skills on the held-out modules."""
    training, held = held_out_split(entries, share)
    vocabulary = Vocabulary(training, skills, roles)
    known = {TOPIC: {t.lower() for m in training for t in m.topics},
             SKILL: {s.lower() for m in training for s in m.skills}}  # fmt: skip
    known[SKILL] |= {s.skill for s in skills} | {s for r in roles for s in r.skills}
    ks = sorted(ks)
    answers = [vocabulary.suggest(m.title, m.description, limit=max(ks)) for m in held]
    results = []
    for kind in (TOPIC, SKILL):
        for k in ks:
            hits = shown = truths = reachable = counted = 0
            for module, answer in zip(held, answers, strict=True):
                truth = {t.lower() for t in (module.topics if kind == TOPIC else module.skills)}
                if not truth:
                    continue
                counted += 1
                top = [s.label for s in answer[kind][:k]]
                hits += len(truth & set(top))
                shown += len(top)
                truths += len(truth)
                reachable += len(truth & known[kind])
            results.append(TopK(
                kind, k, counted, hits / shown if shown else 0.0,
                hits / truths if truths else 0.0, reachable / truths if truths else 0.0,
            ))  # fmt: skip
    return results
