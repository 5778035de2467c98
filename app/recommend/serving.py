"""The recommender service: the active model, fresh catalogue arrays, and served decisions.

Every served list is logged as a ``RecommendationIssued`` event. Switching versions is a
pointer change on disk that every process notices within a second; a version whose
artefact is corrupt is refused and the one before stays active.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import numpy as np

from app.aggregates import Actor, Conflict, NotFound, ValidationFailed
from app.aggregates import base as checks
from app.application import Skillpath
from app.persistence import SqlGateway
from app.projections.consents import ConsentBook
from app.projections.decisions import DecisionBook
from app.projections.features import FeatureBook, RoleRequirements
from app.projections.interactions import InteractionBook
from app.recommend import rules
from app.recommend.catalogue import CatalogueIndex
from app.recommend.model import FitParameters, HybridModel, ModelFileError
from app.recommend.ranking import Learner, Peers, Popularity, Ranking, rank
from app.recommend.registry import ModelMetadata, ModelRegistry
from app.recommend.training import PERSONALISATION, TrainingSources, train_version
from app.settings import Settings

log = logging.getLogger(__name__)

MAX_FIRST = 100
#: How often a request may look at the current-version pointer on disk.
POINTER_CHECK_SECONDS = 1.0
#: Popularity (used until a model exists) is recounted at most this often.
POPULARITY_SECONDS = 30.0
#: With the fairness mitigation on, this share of every list teaches skills the role needs.
RELEVANCE_FLOOR = 0.5


@dataclass(frozen=True)
class ActiveModel:
    model: HybridModel
    metadata: ModelMetadata
    peers: Peers


@dataclass(frozen=True)
class Recommendations:
    """A served list, as logged: the decision id and where the event landed."""

    decision_id: UUID
    position: int
    employee_id: str
    ranking: Ranking
    model_version: str | None


class RecommenderService:
    """Serves recommendations from the current model version; knows when to retrain."""

    def __init__(
        self,
        app: Skillpath,
        features: FeatureBook,
        interactions: InteractionBook,
        decisions: DecisionBook,
        consents: ConsentBook,
        registry: ModelRegistry,
        *,
        relevance_floor: float = 0.0,
    ) -> None:
        self.app = app
        self.features = features
        self.interactions = interactions
        self.decisions = decisions
        self.consents = consents
        self.registry = registry
        self.relevance_floor = relevance_floor
        self.sources = TrainingSources(features, interactions, consents)
        self.load_error: str | None = None
        self._active: ActiveModel | None = None
        self._lock = threading.Lock()
        self._checked_at = 0.0
        self._catalogue: tuple[tuple[str | None, int], CatalogueIndex] | None = None
        self._roles: tuple[int, dict[str, RoleRequirements]] | None = None
        self._popularity: tuple[float, Popularity] | None = None
        self._erased: set[str] = set()
        self.load_current()

    @classmethod
    def build(cls, app: Skillpath, gateway: SqlGateway, settings: Settings) -> RecommenderService:
        """The service over its read models, loading the current version of the model dir."""
        return cls(
            app,
            FeatureBook(gateway),
            InteractionBook(gateway),
            DecisionBook(gateway),
            ConsentBook(gateway),
            ModelRegistry(settings.model_dir),
            relevance_floor=RELEVANCE_FLOOR if settings.fairness_mitigation else 0.0,
        )

    # -- versions -----------------------------------------------------------------------

    @property
    def active(self) -> ActiveModel | None:
        return self._active

    def load_current(self) -> None:
        """Follow the pointer; a version that fails to load is refused, the old one stays."""
        self._checked_at = time.monotonic()
        version = self.registry.current_version()
        active = self._active
        if version is None or (active is not None and active.metadata.version == version):
            return
        try:
            model, metadata = self.registry.load(version)
        except (ModelFileError, LookupError) as error:
            self.load_error = f"model version {version} refused: {error}"
            log.error("%s; keeping %s", self.load_error, active and active.metadata.version)
            return
        with self._lock:
            self._active = ActiveModel(model, metadata, Peers(model))
            self.load_error = None
        log.info("recommender model %s is active", version)

    def activate(self, version: str) -> ModelMetadata:
        """Make a stored version current (roll back or forward); refuses corrupt ones."""
        metadata = self.registry.activate(version)
        self.load_current()
        return metadata

    def _refresh(self) -> None:
        if time.monotonic() - self._checked_at >= POINTER_CHECK_SECONDS:
            self.load_current()

    # -- cached read models -------------------------------------------------------------

    def _current_catalogue(
        self, active: ActiveModel | None, versions: dict[str, int]
    ) -> CatalogueIndex:
        key = (active.metadata.version if active else None, versions.get("modules", 0))
        cached = self._catalogue
        if cached is None or cached[0] != key:
            index = CatalogueIndex(self.features.modules(), active.model if active else None)
            self._catalogue = cached = (key, index)
        return cached[1]

    def _current_roles(self, versions: dict[str, int]) -> dict[str, RoleRequirements]:
        cached = self._roles
        if cached is None or cached[0] != versions.get("roles", 0):
            self._roles = cached = (versions.get("roles", 0), self.features.roles())
        return cached[1]

    def _current_popularity(self, catalogue: CatalogueIndex) -> Popularity:
        cached = self._popularity
        fresh = cached is not None and time.monotonic() - cached[0] < POPULARITY_SECONDS
        if cached is not None and fresh and len(cached[1].overall) == len(catalogue):
            return cached[1]
        consenting = self.consents.subjects_allowing(PERSONALISATION)
        role_of = {e.employee_id: e.role_id for e in self.features.employees()}
        overall = np.zeros(len(catalogue))
        by_role: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(catalogue)))
        for employee_id, module_id, *_ in self.interactions.all():
            position = catalogue.position.get(module_id)
            if employee_id in consenting and position is not None:
                overall[position] += 1
                by_role[role_of.get(employee_id, "")][position] += 1
        popularity = Popularity(overall, dict(by_role))
        self._popularity = (time.monotonic(), popularity)
        return popularity

    # -- serving ------------------------------------------------------------------------

    def learner(self, employee_id: UUID, goal: str | None = None) -> Learner:
        """Everything ranking may know about the employee, with consent applied."""
        employee = self.features.employee(str(employee_id))
        if employee is None:
            raise NotFound("employee", str(employee_id), "employeeId")
        if not employee.active:
            raise Conflict(f"employee {employee_id} has left", field="employeeId")
        personalised = self.app.policy.may_personalise(employee_id)
        roles = self._current_roles(self.features.versions())
        history = self.interactions.of_employee(employee.employee_id)
        since = (datetime.now(UTC) - timedelta(days=rules.DECLINED_DAYS)).isoformat()
        quizzes = self.interactions.quiz_results(employee.employee_id) if personalised else []
        return Learner(
            employee=employee,
            role=roles.get(employee.role_id),
            personalised=personalised,
            completed=frozenset(h.module_id for h in history if h.status == "completed"),
            in_progress=frozenset(h.module_id for h in history if h.status == "active"),
            declined=frozenset(self.decisions.declined_since(employee.employee_id, since)),
            recent_quizzes=tuple((q.module_id, q.score) for q in quizzes[-2:]),
            goal=goal,
        )

    def stored_version(self, version: str | None) -> ActiveModel | None:
        """The active model, or another stored version loaded for a report."""
        active = self._active
        if version is None or (active is not None and active.metadata.version == version):
            return active
        try:
            model, metadata = self.registry.load(version)
        except LookupError:
            raise NotFound("model version", version, "modelVersion") from None
        except ModelFileError as error:
            raise Conflict(str(error), field="modelVersion") from None
        return ActiveModel(model, metadata, Peers(model))

    def topics_of(self, module_id: str) -> list[str]:
        catalogue = self._current_catalogue(self._active, self.features.versions())
        position = catalogue.position.get(module_id)
        return [] if position is None else catalogue.modules[position].topics

    def rank_for(
        self,
        learner: Learner,
        first: int,
        relevance_floor: float | None = None,
        using: ActiveModel | None = None,
    ) -> Ranking:
        """Rank without logging anything (fairness reports use this); ``using`` another
        version than the active one."""
        self._refresh()
        active = using or self._active
        catalogue = self._current_catalogue(active, self.features.versions())
        popularity = None if active else self._current_popularity(catalogue)
        return rank(
            learner,
            catalogue,
            active.model if active else None,
            popularity,
            first,
            peers=active.peers if active else None,
            relevance_floor=self.relevance_floor if relevance_floor is None else relevance_floor,
        )

    def recommend(
        self, employee_id: UUID, *, first: int, goal: str | None, actor: Actor
    ) -> Recommendations:
        """Rank, then log the list as a decision; returns what was logged."""
        if not 1 <= first <= MAX_FIRST:
            raise ValidationFailed("first", f"must be between 1 and {MAX_FIRST}")
        term = checks.text(goal, "goal", max_length=100, required=False) if goal else None
        learner = self.learner(employee_id, term or None)
        active = self._active
        ranking = self.rank_for(learner, first)
        version = active.metadata.version if active else None
        written = self.app.issue_recommendation(
            employee_id=employee_id,
            module_ids=[UUID(item.module_id) for item in ranking.items],
            scores=[item.score for item in ranking.items],
            reasons=[[r.as_record() for r in item.reasons] for item in ranking.items],
            model_version=version,
            consent_basis=ranking.basis,
            goal=term or None,
            actor=actor,
        )
        return Recommendations(
            written.id, written.position, learner.employee.employee_id, ranking, version
        )

    # -- retraining ---------------------------------------------------------------------

    def subject_erased(self, employee_id: UUID | str) -> None:
        """Called by erasure: the next model must be trained without this subject."""
        with self._lock:
            self._erased.add(str(employee_id))

    def retraining_due(self, min_interactions: int) -> str | None:
        """Why a retrain is due now (``erasure``, ``new_interactions``), or None.

        Erasures are seen both when this process made them (``subject_erased``) and, for a
        training worker of its own, in the consent read model.
        """
        active = self._active
        since = active.metadata.trained_at if active else ""
        if self._erased or (active is not None and self.interactions.erased_since(since)):
            return "erasure"
        if min_interactions > 0 and self.interactions.recorded_since(since) >= min_interactions:
            return "new_interactions"
        return None

    def train(
        self,
        position: int,
        *,
        params: FitParameters | None = None,
        progress: Callable[[float], None] | None = None,
        trigger: str = "manual",
    ) -> ModelMetadata:
        """Train, store and activate a new version from the read models."""
        active = self._active
        with self._lock:
            erased, self._erased = self._erased, set()
        recorded = self.interactions.erased_since(active.metadata.trained_at) if active else set()
        try:
            metadata = train_version(
                self.sources,
                self.registry,
                position=position,
                params=params or FitParameters(),
                progress=progress,
                trigger=trigger,
                erasures=len(erased | recorded),
            )
        except Exception:
            with self._lock:
                self._erased |= erased
            raise
        self.load_current()
        return metadata
