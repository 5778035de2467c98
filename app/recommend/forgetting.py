"""Models forget: who withdrew personalisation or was erased leaves every model they are in.

A trained version holds each of its subjects three ways: an identity feature
(``user:<id>``) with its embedding, a row of the who-took-what matrix that "people in your
role took" reasons and peer counts read, and a share of the weights the fit learned from
everyone's interactions. The first two belong to one subject and are dropped from the
served copy of the model as soon as this process knows (:func:`without_subjects`); the
third can only go with a retrain, which is started at once. Erased subjects also leave the
versions on disk: the current one is rebuilt without them (their goals too, which are
feature names in clear), every other one is removed (:meth:`Forgetting.forget_on_disk`).

Who is out is read from the consent read model, so every process (API workers, a
``skillpath train --follow`` worker) comes to the same answer; the process that records a
withdrawal or an erasure knows it a moment before its read models do.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from uuid import UUID

import numpy as np

from app.projections.consents import ConsentBook
from app.projections.features import FeatureBook
from app.recommend.model import HybridModel, ModelFileError
from app.recommend.registry import ModelMetadata, ModelRegistry
from app.recommend.vocabulary import Vocabulary

log = logging.getLogger(__name__)

PERSONALISATION = "personalisation"
#: Why a subject is not (or no longer) in a model version.
NO_CONSENT, WITHDRAWN, ERASED = "no_consent", "withdrawn", "erased"
REASONS = (NO_CONSENT, WITHDRAWN, ERASED)


@dataclass(frozen=True)
class Exclusions:
    """Subjects a model holds that it may no longer use, each with the reason."""

    reasons: Mapping[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.reasons)

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(REASONS, 0)
        for reason in self.reasons.values():
            found[reason] += 1
        return {reason: n for reason, n in found.items() if n}

    def describe(self) -> str:
        """``1 erased and 2 withdrawn subjects`` (no ids: the message may be shown or logged)."""
        parts = [f"{n} {reason.replace('_', ' ')}" for reason, n in self.counts().items()]
        total = len(self.reasons)
        return f"{' and '.join(parts)} subject{'s' if total != 1 else ''}"

    @property
    def erased(self) -> frozenset[str]:
        return frozenset(s for s, r in self.reasons.items() if r == ERASED)


def exclusion_reasons(
    subjects: Iterable[str], *, allowing: Collection[str], erased: Collection[str],
    withdrew: Collection[str] | None = None,
) -> Exclusions:  # fmt: skip
    """Why each of ``subjects`` that does not allow personalisation now is out of a model.

    ``withdrew``: who withdrew at some time, to tell them from who never granted
    (``no_consent``). Without it every subject not allowing counts as withdrawn: what a
    model holds, it held with consent, so only a withdrawal (or erasure) takes it away.
    """
    reasons: dict[str, str] = {}
    for subject in subjects:
        if subject in erased:
            reasons[subject] = ERASED
        elif subject not in allowing:
            known = withdrew is None or subject in withdrew
            reasons[subject] = WITHDRAWN if known else NO_CONSENT
    return Exclusions(reasons)


def without_subjects(
    model: HybridModel, subjects: Collection[str], *, goals_in_use: set[str] | None = None
) -> HybridModel:
    """A copy of ``model`` that no longer knows ``subjects``.

    Their ids, roles and who-took-what rows go, and so do their identity features with
    their embedding rows. With ``goals_in_use`` (the ``goal:...`` feature names of everyone
    still in the organisation), goal features nobody else holds go as well: goals are
    feature names in clear. The item side is kept: it is shared by everyone.
    """
    keep = [i for i, subject in enumerate(model.user_ids) if subject not in subjects]
    dropped = {f"user:{subject}" for subject in subjects}
    names = model.user_vocabulary.names
    kept = [
        i
        for i, name in enumerate(names)
        if name not in dropped
        and (goals_in_use is None or not name.startswith("goal:") or name in goals_in_use)
    ]
    columns = np.asarray(kept, dtype=np.int64)
    return HybridModel(
        user_vocabulary=Vocabulary(names[i] for i in kept),
        item_vocabulary=model.item_vocabulary,
        user_embeddings=model.user_embeddings[columns],
        user_biases=model.user_biases[columns],
        item_embeddings=model.item_embeddings,
        item_biases=model.item_biases,
        taken=model.taken[np.asarray(keep, dtype=np.int64)],
        item_ids=list(model.item_ids),
        user_ids=[model.user_ids[i] for i in keep],
        user_roles=[model.user_roles[i] for i in keep],
        item_trends=model.item_trends,
        # The role signals and the transitions are counts over everyone, the subjects
        # included: left out until the retrain without them (the blend falls back to the
        # model score alone).
        role_signals=None,
        blend=model.blend,
        transitions=None,
    )


class Forgetting:
    """Who may no longer be in a model, as this process knows it, and the versions on disk."""

    def __init__(
        self,
        consents: ConsentBook,
        features: FeatureBook,
        registry: ModelRegistry,
        may_personalise: Callable[[UUID], bool],
    ) -> None:
        self._consents = consents
        self._features = features
        self._registry = registry
        self._may_personalise = may_personalise
        self._lock = threading.Lock()
        #: Recorded in this process, perhaps not yet in its read models.
        self._erased: set[str] = set()
        self._withdrawn: set[str] = set()
        #: Moves with every change of the two sets: part of every cache key over them.
        self.revision = 0

    def mark_erased(self, subject: UUID | str) -> None:
        with self._lock:
            self._erased.add(str(subject))
            self.revision += 1

    def mark_withdrawn(self, subject: UUID | str) -> None:
        with self._lock:
            self._withdrawn.add(str(subject))
            self.revision += 1

    def _now(self) -> tuple[set[str], set[str]]:
        """(who allows personalisation, who is erased) now, read models and this process."""
        allowing = self._consents.subjects_allowing(PERSONALISATION)
        erased = self._consents.erased_subjects()
        with self._lock:
            pending_erased, pending_withdrawn = set(self._erased), set(self._withdrawn)
        # Pending withdrawals the read models show already need no memory; one they show as
        # granted again is checked in the event store (never stale): a new grant counts.
        settled = {s for s in pending_withdrawn if s not in allowing}
        regranted = {s for s in pending_withdrawn - settled if self._may_personalise(UUID(s))}
        with self._lock:
            if settled | regranted or pending_erased & erased:
                self._withdrawn -= settled | regranted
                self._erased -= erased
                self.revision += 1
        allowing -= pending_withdrawn - regranted
        allowing -= pending_erased
        return allowing, erased | pending_erased

    def held_by(self, subjects: Iterable[str]) -> Exclusions:
        """Which of a model's subjects it may no longer use, and why."""
        allowing, erased = self._now()
        return exclusion_reasons(subjects, allowing=allowing, erased=erased)

    def training_exclusions(
        self, employee_ids: Iterable[str], included: Collection[str]
    ) -> dict[str, int]:
        """``subjects_excluded`` of a new version by reason, for its metadata."""
        _, erased = self._now()
        withdrew = self._consents.subjects_who_withdrew(PERSONALISATION)
        with self._lock:
            withdrew |= self._withdrawn
        left_out = [e for e in employee_ids if e not in included]
        return exclusion_reasons(left_out, allowing=(), erased=erased, withdrew=withdrew).counts()

    def not_for_training(self) -> set[str]:
        """Subjects this process knows are out although its read models may not show it."""
        with self._lock:
            return self._erased | self._withdrawn

    # -- versions on disk ---------------------------------------------------------------

    def forget_on_disk(self) -> list[str]:
        """Rebuild the current version without erased subjects, remove every other version
        holding one; returns the versions that changed. Safe to run in several processes
        at once: the loser of a race finds nothing left to do."""
        _, erased = self._now()
        if not erased:
            return []
        changed = []
        current = self._registry.current_version()
        for metadata in self._registry.versions():
            try:
                holds = self._registry.subjects(metadata) & erased
            except ModelFileError:
                holds = frozenset(erased)  # unreadable: it may hold any of them
            if not holds:
                continue
            if metadata.version == current:
                rebuilt = self._rebuild(metadata, holds, erased)
                if rebuilt is None:
                    continue
                log.info("model version %s rebuilt without erased subjects as %s",
                         metadata.version, rebuilt.version)  # fmt: skip
            self._registry.remove(metadata.version)
            changed.append(metadata.version)
        return changed

    def _rebuild(
        self, metadata: ModelMetadata, holds: frozenset[str], erased: set[str]
    ) -> ModelMetadata | None:
        try:
            model, _ = self._registry.load(metadata.version)
        except (ModelFileError, LookupError) as error:
            log.error("model version %s holds erased subjects and cannot be rebuilt: %s",
                      metadata.version, error)  # fmt: skip
            return None
        goals_in_use = {
            f"goal:{goal.lower()}"
            for employee in self._features.employees()
            if employee.employee_id not in erased
            for goal in employee.goals
        }
        rebuilt = without_subjects(model, holds, goals_in_use=goals_in_use)
        now = datetime.now(UTC)
        counts = dict(metadata.exclusions)
        counts[ERASED] = counts.get(ERASED, 0) + len(holds)
        stored = ModelMetadata(
            **{
                **asdict(metadata),
                "version": f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}",
                "artefact_sha256": "",
                "users": len(rebuilt.user_ids),
                "interactions": int(rebuilt.taken.nnz),
                "subjects_excluded": metadata.subjects_excluded + len(holds),
                "exclusions": counts,
                "extra": {
                    **metadata.extra,
                    "rebuilt_from": metadata.version,
                    "rebuilt_at": now.isoformat(),
                    "rebuilt_because": f"{len(holds)} erased",
                },
            }
        )
        return self._registry.save(rebuilt, stored, activate=True)
