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
from app.recommend.fairness import Plan, skill_band, whole_modules
from app.recommend.forgetting import (
    PERSONALISATION,
    Exclusions,
    Forgetting,
    without_subjects,
)
from app.recommend.inputs import decision_inputs
from app.recommend.model import FitParameters, HybridModel, ModelFileError
from app.recommend.ranking import Learner, Peers, Popularity, Ranking, rank
from app.recommend.registry import ModelMetadata, ModelRegistry
from app.recommend.training import TrainingSources, train_version
from app.settings import Settings

log = logging.getLogger(__name__)

MAX_FIRST = 100
#: The latest modules an employee started that the transitions signal follows on from.
STARTED = 50
#: How often a request may look at the current-version pointer on disk.
POINTER_CHECK_SECONDS = 1.0
#: Popularity (used until a model exists) is recounted at most this often.
POPULARITY_SECONDS = 30.0
#: A share of every list reserved for modules teaching skills the role needs (the former
#: mitigation; kept for callers that ask for it, never applied by the setting).
RELEVANCE_FLOOR = 0.5
#: The fairness mitigation's plan is recomputed at most this often per version.
PLAN_SECONDS = 300.0


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
        tolerance: float = 0.02,
        mitigation: bool = False,
    ) -> None:
        self.app = app
        self.tolerance = tolerance
        #: The fairness mitigation (SKILLPATH_FAIRNESS_MITIGATION): topic floors per role
        #: and skill band, from ``plan_provider`` (the unmitigated fairness report).
        self.mitigation = mitigation
        self.plan_provider: Callable[[ActiveModel | None], Plan] | None = None
        self._plans: dict[str, tuple[float, Plan]] = {}
        self.features = features
        self.interactions = interactions
        self.decisions = decisions
        self.consents = consents
        self.registry = registry
        self.relevance_floor = relevance_floor
        self.sources = TrainingSources(features, interactions, consents, decisions)
        self.load_error: str | None = None
        self._active: ActiveModel | None = None
        self._lock = threading.Lock()
        self._checked_at = 0.0
        self._catalogue: tuple[tuple[str | None, int], CatalogueIndex] | None = None
        self._roles: tuple[int, dict[str, RoleRequirements]] | None = None
        self._popularity: tuple[float, tuple[int, int], Popularity] | None = None
        self._erased: set[str] = set()
        self.forgetting = Forgetting(consents, features, registry, app.policy.may_personalise)
        #: Served copies of loaded versions, without the subjects they may no longer use.
        self._served: dict[str, tuple[tuple[int, int], ActiveModel, Exclusions]] = {}
        self._held: frozenset[str] = frozenset()
        #: Called when the active model holds someone it may no longer use: a retrain
        #: without them should start now (the background worker's wake-up).
        self.retrain_wanted: list[Callable[[], None]] = []
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
            tolerance=settings.model_tolerance,
            mitigation=settings.fairness_mitigation,
        )

    # -- versions -----------------------------------------------------------------------

    @property
    def active(self) -> ActiveModel | None:
        """The current version as loaded (as trained; requests use :meth:`served`)."""
        return self._active

    def served(self) -> ActiveModel | None:
        """The current version as requests use it now: without anyone it may no longer use."""
        self._refresh()
        return self._served_model(self._active, self.features.versions())

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
        """Make a stored version current (roll back or forward); refuses corrupt ones, ones
        the quality gate refused, and ones holding someone who withdrew personalisation or
        was erased since."""
        model, metadata = self.registry.load(version)
        if metadata.refused_reason:
            raise Conflict(
                f"model version {version} was refused at training and cannot be made current:"
                f" {metadata.refused_reason}",
                field="version",
            )
        held = self.forgetting.held_by(model.user_ids)
        if held:
            raise Conflict(
                f"model version {version} holds {held.describe()} it may no longer use;"
                " train a new version instead",
                field="version",
            )
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

    def _current_popularity(
        self, catalogue: CatalogueIndex, versions: dict[str, int]
    ) -> Popularity:
        # Recounted at once when consent changed: a withdrawal stops counting immediately.
        key = (versions.get("consents", 0), self.forgetting.revision)
        cached = self._popularity
        fresh = cached is not None and time.monotonic() - cached[0] < POPULARITY_SECONDS
        if (
            cached is not None
            and fresh
            and cached[1] == key
            and len(cached[2].overall) == len(catalogue)
        ):
            return cached[2]
        consenting = self.consents.subjects_allowing(PERSONALISATION)
        consenting -= self.forgetting.not_for_training()
        role_of = {e.employee_id: e.role_id for e in self.features.employees()}
        overall = np.zeros(len(catalogue))
        by_role: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(catalogue)))
        for employee_id, module_id, *_ in self.interactions.all():
            position = catalogue.position.get(module_id)
            if employee_id in consenting and position is not None:
                overall[position] += 1
                by_role[role_of.get(employee_id, "")][position] += 1
        popularity = Popularity(overall, dict(by_role))
        self._popularity = (time.monotonic(), key, popularity)
        return popularity

    def _served_model(
        self, active: ActiveModel | None, versions: dict[str, int]
    ) -> ActiveModel | None:
        """``active`` without the subjects it may no longer use (withdrawn or erased since
        it was trained): their identity features and who-took-what rows are dropped, so
        their representation is never used and they count in nobody's peer reasons."""
        return None if active is None else self._served_entry(active, versions)[0]

    def _served_entry(
        self, active: ActiveModel, versions: dict[str, int]
    ) -> tuple[ActiveModel, Exclusions]:
        key = (versions.get("consents", 0), self.forgetting.revision)
        version = active.metadata.version
        cached = self._served.get(version)
        same = cached is not None and (
            cached[1].metadata.artefact_sha256 == active.metadata.artefact_sha256
        )
        if cached is not None and same and cached[0] == key:
            served, held = cached[1], cached[2]
        else:
            held = self.forgetting.held_by(active.model.user_ids)
            served = active
            if held:
                model = without_subjects(active.model, held.reasons)
                served = ActiveModel(model, active.metadata, Peers(model))
            with self._lock:
                if len(self._served) > 4:
                    self._served.clear()
                self._served[version] = (key, served, held)
        if active is self._active and held and frozenset(held.reasons) - self._held:
            self._held = frozenset(held.reasons)
            self._want_retrain()
        return served, held

    def _want_retrain(self) -> None:
        for wake in self.retrain_wanted:
            try:
                wake()
            except Exception:  # a listener's fault must not fail a request
                log.exception("could not ask for a retrain")

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
            started=tuple((h.module_id, _days(h.first_at)) for h in history[-STARTED:])
            if personalised
            else (),
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
        versions: dict[str, int] | None = None,
        mitigated: bool | None = None,
    ) -> Ranking:
        """Rank without logging anything (fairness reports use this); ``using`` another
        version than the active one; ``versions``: the feature counters already read;
        ``mitigated``: with or without the fairness mitigation (None: the setting)."""
        self._refresh()
        versions = self.features.versions() if versions is None else versions
        active = self._served_model(using or self._active, versions)
        catalogue = self._current_catalogue(active, versions)
        popularity = None if active else self._current_popularity(catalogue, versions)
        return rank(
            learner,
            catalogue,
            active.model if active else None,
            popularity,
            first,
            peers=active.peers if active else None,
            relevance_floor=self.relevance_floor if relevance_floor is None else relevance_floor,
            topic_floors=self.topic_floors(learner, first, using or self._active, mitigated),
        )

    def topic_floors(
        self, learner: Learner, first: int, using: ActiveModel | None, mitigated: bool | None
    ) -> dict[str, int]:
        """The mitigation's floors for the learner's role and skill band (none when off)."""
        on = self.mitigation if mitigated is None else mitigated
        if not on or self.plan_provider is None:
            return {}
        wanted = self._plan(using).get((learner.employee.role_id, skill_band(learner)), {})
        return {
            topic: whole_modules(share * first, learner.employee.employee_id, topic)
            for topic, share in wanted.items()
        }

    def remember_plan(self, using: ActiveModel | None, plan: Plan) -> None:
        """A plan just computed (by a fairness report) for a version: serve with it."""
        with self._lock:
            self._plans[using.metadata.version if using else ""] = (time.monotonic(), plan)

    def required_topics(self, learner: Learner) -> set[str]:
        """The topics of the modules teaching the skills the learner's role requires."""
        required = set(learner.role.levels()) if learner.role else set()
        catalogue = self._current_catalogue(self._active, self.features.versions())
        return {
            topic
            for module in catalogue.modules
            if not module.retired and required & set(module.skills)
            for topic in module.topics
        }

    def _plan(self, using: ActiveModel | None) -> Plan:
        """The mitigation plan of a version, recomputed at most every PLAN_SECONDS."""
        key = using.metadata.version if using else ""
        cached = self._plans.get(key)
        if cached is not None and time.monotonic() - cached[0] < PLAN_SECONDS:
            return cached[1]
        assert self.plan_provider is not None
        plan = self.plan_provider(using)
        with self._lock:
            if len(self._plans) > 4:
                self._plans.clear()
            self._plans[key] = (time.monotonic(), plan)
        return plan

    def recommend(
        self, employee_id: UUID, *, first: int, goal: str | None, actor: Actor
    ) -> Recommendations:
        """Rank, then log the list as a decision; returns what was logged."""
        if not 1 <= first <= MAX_FIRST:
            raise ValidationFailed("first", f"must be between 1 and {MAX_FIRST}")
        term = checks.text(goal, "goal", max_length=100, required=False) if goal else None
        learner = self.learner(employee_id, term or None)
        self._refresh()
        active = self._active
        versions = self.features.versions()
        ranking = self.rank_for(learner, first, using=active, versions=versions)
        version = active.metadata.version if active else None
        inputs = decision_inputs(
            learner, basis=ranking.basis, model_version=version, first=first,
            relevance_floor=self.relevance_floor, versions=versions,
            topic_floors=self.topic_floors(learner, first, active, None),
        )  # fmt: skip
        written = self.app.issue_recommendation(
            employee_id=employee_id,
            module_ids=[UUID(item.module_id) for item in ranking.items],
            scores=[item.score for item in ranking.items],
            reasons=[[r.as_record() for r in item.reasons] for item in ranking.items],
            model_version=version,
            consent_basis=ranking.basis,
            goal=term or None,
            actor=actor,
            inputs=inputs,
        )
        return Recommendations(
            written.id, written.position, learner.employee.employee_id, ranking, version
        )

    # -- retraining ---------------------------------------------------------------------

    def subject_erased(self, employee_id: UUID | str) -> None:
        """Called by erasure: the subject leaves the served model now, every version on
        disk holding them is rebuilt or removed, and a retrain without them is asked for."""
        with self._lock:
            self._erased.add(str(employee_id))
        self.forgetting.mark_erased(employee_id)
        try:
            self.forget_on_disk()
        except Exception:  # the erasure itself is done; the training worker retries this
            log.exception("could not remove an erased subject from the model versions on disk")
        self._want_retrain()

    def consent_withdrawn(self, employee_id: UUID, purpose: str, _position: int = 0) -> None:
        """Called by a withdrawal: without personalisation the subject leaves the served
        model now (before this process's read models show it), and a retrain is asked for."""
        if purpose == PERSONALISATION:
            self.forgetting.mark_withdrawn(employee_id)
            self._want_retrain()

    def forget_on_disk(self) -> list[str]:
        """Rebuild or remove every stored version holding an erased subject."""
        changed = self.forgetting.forget_on_disk()
        if changed:
            self.load_current()
        return changed

    def forgetting_due(self) -> str | None:
        """``erasure`` or ``withdrawal`` when the active model holds someone it may no
        longer use (or this process erased someone since it was trained); cheap enough to
        ask every second: the consent read model is reread only when it changed."""
        active = self._active
        if self._erased:
            return "erasure"
        if active is None:
            return None
        _, held = self._served_entry(active, self.features.versions())
        if held:
            return "erasure" if held.erased else "withdrawal"
        return None

    def retraining_due(self, min_interactions: int) -> str | None:
        """Why a retrain is due now (``erasure``, ``withdrawal``, ``new_interactions``), or
        None.

        Erasures and withdrawals are seen both when this process made them and, for a
        training worker of its own, in the consent read model.
        """
        forgetting = self.forgetting_due()
        if forgetting is not None:
            return forgetting
        active = self._active
        since = active.metadata.trained_at if active else ""
        if active is not None and self.interactions.erased_since(since):
            return "erasure"
        # Counted from the newest version, refused ones included: a refused retrain is
        # not retried until enough changed again.
        newest = max((m.trained_at for m in self.registry.versions()), default="")
        since = max(since, newest)
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
        tolerance: float | None = None,
    ) -> ModelMetadata:
        """Train and store a new version from the read models; it becomes current if the
        quality gate lets it (``tolerance``: the setting unless given)."""
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
                forgetting=self.forgetting,
                tolerance=self.tolerance if tolerance is None else tolerance,
            )
        except Exception:
            with self._lock:
                self._erased |= erased
            raise
        self.load_current()
        # Older versions may hold someone erased meanwhile (or this one, when its read
        # models lagged behind an erasure in another process).
        self.forget_on_disk()
        return metadata


def _days(at: str) -> float:
    """Days since the epoch of a stored time (naive times are UTC), the signals' clock."""
    moment = datetime.fromisoformat(at)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp() / 86_400
