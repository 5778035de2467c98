"""Background retraining: a thread that trains a new version when enough has changed.

It is started by the web application's lifespan (never by merely building services), so
tests run it only when they ask for it, and it stops within one check interval.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from app.recommend.registry import ModelMetadata
from app.recommend.serving import RecommenderService

log = logging.getLogger(__name__)


class RetrainingWorker:
    """Checks every ``check_seconds`` whether a retrain is due, and runs it."""

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
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        self.trained: list[ModelMetadata] = []

    def run_once(self) -> ModelMetadata | None:
        """Train if due; returns the new version's metadata, or None."""
        trigger = self._service.retraining_due(self._min_interactions)
        if trigger is None:
            return None
        metadata = self._service.train(self._position(), trigger=trigger)
        log.info("retrained the recommender (%s): version %s", trigger, metadata.version)
        self.trained.append(metadata)
        return metadata

    def _loop(self) -> None:
        while not self._stopping.wait(self._check_seconds):
            try:
                self.run_once()
                self.last_error = None
            except Exception as error:  # keep serving the current version; retry later
                log.exception("background retraining failed")
                self.last_error = str(error)

    def start(self) -> None:
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._loop, name="retraining", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
