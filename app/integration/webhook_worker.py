"""The delivery worker: follows the event log and delivers each wanted event to each
endpoint, in order, at least once, with exponential backoff when a receiver fails.

One thread serves every endpoint; an endpoint waiting out its backoff holds back only
itself. It wakes when this process saves events and polls for events of other processes.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from app.integration.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    POSITION_HEADER,
    SIGNATURE_HEADER,
    Delivery,
    Endpoint,
    WebhookStore,
    delivery_id,
    event_body,
    signature,
    type_name,
)

log = logging.getLogger("skillpath.webhooks")
BATCH = 100


class WebhookWorker:
    """Delivers the event log to registered endpoints (see the module docstring)."""

    def __init__(
        self,
        app: Any,
        store: WebhookStore,
        *,
        poll_seconds: float = 0.2,
        timeout_seconds: float = 5.0,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 300.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.app = app
        self.store = store
        self.poll_seconds = poll_seconds
        self.timeout_seconds = timeout_seconds
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.clock = clock
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(self.timeout_seconds + 5)
            self._thread = None

    def wake(self, _position: int = 0) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                busy = self.deliver_once()
            except Exception:  # a broken endpoint row or database hiccup: log, go on
                log.exception("webhook delivery round failed")
                busy = False
            if not busy:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def deliver_once(self) -> bool:
        """One round over every endpoint that is due; true if anything moved."""
        moved = False
        now = self.clock()
        for endpoint in self.store.endpoints():
            if self._stopping.is_set():
                break
            if endpoint.next_attempt_at is not None and endpoint.next_attempt_at > now:
                continue
            moved = self._serve(endpoint) or moved
        return moved

    def _serve(self, endpoint: Endpoint) -> bool:
        notifications = self.app.recorder.select_notifications(
            start=endpoint.position + 1, limit=BATCH
        )
        if not notifications:
            return False
        skipped_to = endpoint.position
        for notification in notifications:
            event = self.app.mapper.to_domain_event(notification)
            if not endpoint.wants(type_name(event)):
                skipped_to = notification.id
                continue
            if skipped_to > endpoint.position:
                self.store.advance(endpoint.id, skipped_to, None)
            delivered = self._deliver(endpoint, notification.id, event)
            if delivered is None:
                return True  # failed: the endpoint waits out its backoff, in order
            self.store.advance(endpoint.id, notification.id, delivered)
            endpoint = _at(endpoint, notification.id)
            skipped_to = notification.id
        if skipped_to > endpoint.position:
            self.store.advance(endpoint.id, skipped_to, None)
        return True

    def _deliver(self, endpoint: Endpoint, position: int, event: Any) -> Delivery | None:
        body = json.dumps(event_body(endpoint, position, event), separators=(",", ":")).encode()
        identifier = delivery_id(endpoint.id, position)
        request = urllib.request.Request(
            endpoint.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Skillpath-Webhooks/1",
                SIGNATURE_HEADER: signature(endpoint.secret, body),
                DELIVERY_HEADER: identifier,
                POSITION_HEADER: str(position),
                EVENT_HEADER: type_name(event),
            },
        )
        status: int | None = None
        error: str | None = None
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                status = response.status
        except urllib.error.HTTPError as failure:
            status, error = failure.code, f"the receiver answered {failure.code}"
        except (urllib.error.URLError, TimeoutError, OSError) as failure:
            reason = getattr(failure, "reason", failure)
            error = f"no answer from the receiver: {reason}"[:500]
        now = self.clock()
        attempt = self.store.attempts_for(identifier) + 1
        ok = status is not None and 200 <= status < 300
        record = Delivery(
            delivery_id=identifier, attempt=attempt, endpoint_id=endpoint.id,
            position=position, event_type=type_name(event),
            status="delivered" if ok else "failed", http_status=status,
            error=None if ok else (error or f"the receiver answered {status}"),
            attempted_at=now, lag_ms=(now - event.timestamp).total_seconds() * 1000,
        )  # fmt: skip
        if ok:
            return record
        wait = min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (endpoint.failures))
        self.store.failed(record, now + timedelta(seconds=wait))
        log.warning("webhook %s failed at position %s: %s", endpoint.url, position, record.error)
        return None


def _at(endpoint: Endpoint, position: int) -> Endpoint:
    from dataclasses import replace

    return replace(endpoint, position=position, failures=0, next_attempt_at=None)
