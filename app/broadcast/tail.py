"""Tailing the event log live: replay from any position, then follow new events.

One ``EventTail`` per process reads new notifications once per position and keeps the
newest ``capacity`` of them in a ring. Subscribers behind the ring read the store in pages
(replaying from ``fromPosition``); subscribers inside it read the ring. A live subscriber that
falls more than ``capacity`` events behind (a client that stops reading) is cut off with a
reason instead of the server buffering without bound; it resumes with ``fromPosition``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool

from app.broadcast.base import Broadcaster

log = logging.getLogger(__name__)
PAGE = 200


@dataclass(frozen=True)
class LogEntry:
    """One stored event as auditors see it in the live log: what, where, when; no content."""

    position: int
    type: str
    aggregate_id: str
    version: int
    recorded_at: datetime | None


Reader = Callable[[int, int], list[LogEntry]]


def log_reader(application: Any) -> Reader:
    """Reads ``limit`` entries from ``start`` on, from the application's notification log."""

    def read(start: int, limit: int) -> list[LogEntry]:
        notifications = application.recorder.select_notifications(start=start, limit=limit)
        return [_entry(application, n) for n in notifications]

    return read


def _entry(application: Any, notification: Any) -> LogEntry:
    try:
        recorded_at = application.mapper.to_domain_event(notification).timestamp
    except Exception:  # an undecodable event still has its place in the log
        recorded_at = None
    return LogEntry(
        position=notification.id,
        type=notification.topic.rpartition(":")[2],
        aggregate_id=str(notification.originator_id),
        version=notification.originator_version,
        recorded_at=recorded_at,
    )


class SlowConsumer(Exception):
    """The subscriber fell too far behind the live log."""


class _Reader:
    def __init__(self, last: int, on_slow: Callable[[str], None]) -> None:
        self.last = last
        self.live = False
        self.on_slow = on_slow
        self.cut_off = False


class EventTail:
    """The live end of the event log for this process's ``events`` subscribers."""

    def __init__(
        self,
        read: Reader,
        last_position: Callable[[], int],
        broadcaster: Broadcaster,
        capacity: int,
    ) -> None:
        self._read = read
        self._last_position = last_position
        self._broadcaster = broadcaster
        self.capacity = capacity
        self._ring: deque[LogEntry] = deque()
        self._complete_from = -1  # the ring holds every entry after this position
        self._head = -1
        self._wake = asyncio.Event()
        self._changed = asyncio.Condition()
        self._readers: set[_Reader] = set()
        self._task: asyncio.Task[None] | None = None

    def poke(self, _position: int) -> None:
        self._wake.set()

    async def _ensure_started(self) -> None:
        if self._task is None:
            head = await run_in_threadpool(self._last_position)
            self._head = self._complete_from = head
            self._broadcaster.add_listener(self.poke)
            self._task = asyncio.create_task(self._follow(), name="event tail")

    async def _follow(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                while page := await run_in_threadpool(self._read, self._head + 1, PAGE):
                    await self._append(page)
            except Exception:
                log.exception("reading the event log failed; retrying on the next position")

    async def _append(self, page: list[LogEntry]) -> None:
        async with self._changed:
            for entry in page:
                self._ring.append(entry)
                self._head = entry.position
            while len(self._ring) > self.capacity:
                self._complete_from = self._ring.popleft().position
            self._changed.notify_all()
        for reader in list(self._readers):
            if reader.live and reader.last < self._complete_from and not reader.cut_off:
                reader.cut_off = True
                reader.on_slow(
                    f"slow consumer: more than {self.capacity} events behind;"
                    f" resubscribe with fromPosition {reader.last}"
                )

    async def entries(
        self, from_position: int, on_slow: Callable[[str], None]
    ) -> AsyncIterator[LogEntry]:
        """Every entry after ``from_position``, then new ones as they are stored."""
        await self._ensure_started()
        reader = _Reader(from_position, on_slow)
        self._readers.add(reader)
        try:
            while True:
                if reader.cut_off:
                    raise SlowConsumer(f"more than {self.capacity} events behind")
                if reader.last < self._complete_from:
                    reader.live = False
                    page = await run_in_threadpool(self._read, reader.last + 1, PAGE)
                    for entry in page:
                        reader.last = entry.position
                        # Caught up with the ring: from now on, lagging is not replaying.
                        reader.live = reader.last >= self._complete_from
                        yield entry
                    if not page:
                        reader.last = self._complete_from
                    continue
                reader.live = True
                async with self._changed:
                    await self._changed.wait_for(lambda: self._head > reader.last)
                    fresh = [e for e in self._ring if e.position > reader.last]
                for entry in fresh:
                    reader.last = entry.position
                    yield entry
        finally:
            self._readers.discard(reader)

    async def close(self) -> None:
        self._broadcaster.remove_listener(self.poke)
        if self._task is not None:
            self._task.cancel()
            self._task = None
