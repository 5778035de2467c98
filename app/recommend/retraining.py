"""Background retraining: a thread that trains a new version when enough has changed.

It is started by the web application's lifespan or ``skillpath train --follow`` (never by
merely building services), so tests run it only when they ask for it. New interactions are
counted every ``check_seconds``; whether the active model holds someone who withdrew
personalisation or was erased is asked every second (cheap: the consent read model is only
reread when it changed), and at once when this process records such a change.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from app.recommend.registry import ModelMetadata
from app.recommend.serving import RecommenderService

log = logging.getLogger(__name__)


#: How often the worker asks whether the active model must forget someone.
FORGETTING_CHECK_SECONDS = 1.0


class RetrainingWorker:
    """Retrains when due: soon after a withdrawal or erasure, or when enough changed."""

    def __init__(
        self,
        service: RecommenderService,
        position: Callable[[], int],
        *,
        min_interactions: int,
        check_seconds: float,
    ) -> None:
        self._service = service
        self._position = position
        self._min_interactions = min_interactions
        self._check_seconds = check_seconds
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        self.trained: list[ModelMetadata] = []
        #: Told ``trained`` or ``failed`` after each retraining attempt (metrics).
        self.outcomes: list[Callable[[str], None]] = []

    def run_once(self, *, full: bool = True) -> ModelMetadata | None:
        """Train if due; returns the new version's metadata, or None. ``full=False`` asks
        only whether the model must forget someone (not whether enough was learnt)."""
        self._service.load_current()  # another process may have switched or rebuilt it
        if full:
            trigger = self._service.retraining_due(self._min_interactions)
        else:
            trigger = self._service.forgetting_due()
        if trigger is None:
            return None
        metadata = self._service.train(self._position(), trigger=trigger)
        log.info("retrained the recommender (%s): version %s", trigger, metadata.version)
        self.trained.append(metadata)
        return metadata

    def wake(self) -> None:
        """Check now (a withdrawal or an erasure was recorded in this process)."""
        self._wake.set()

    def _loop(self) -> None:
        tick = min(self._check_seconds, FORGETTING_CHECK_SECONDS)
        counted_at = retry_at = time.monotonic()
        while not self._stopping.is_set():
            self._wake.wait(tick)
            self._wake.clear()
            now = time.monotonic()
            if self._stopping.is_set() or now < retry_at:
                continue
            full = now - counted_at >= self._check_seconds
            if full:
                counted_at = now
            try:
                if self.run_once(full=full) is not None:
                    self._tell("trained")
                self.last_error = None
            except Exception as error:  # keep serving the current version; retry later
                log.exception("background retraining failed")
                self.last_error = str(error)
                self._tell("failed")
                retry_at = now + self._check_seconds  # not every second while it fails

    def _tell(self, outcome: str) -> None:
        for listener in self.outcomes:
            listener(outcome)

    def start(self) -> None:
        if self._thread is None:
            self._stopping.clear()
            self._service.retrain_wanted.append(self.wake)
            self._thread = threading.Thread(target=self._loop, name="retraining", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self.wake in self._service.retrain_wanted:
            self._service.retrain_wanted.remove(self.wake)
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
