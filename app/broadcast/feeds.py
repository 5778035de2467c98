"""Shared live feeds: one computation per distinct subscription, pushed to all its subscribers.

Subscribers asking for the same thing (say, KPIs of the last 30 days by department) share one
feed. A feed recomputes when the broadcaster reports a newer position, at most once per
``interval`` (coalescing: a burst of events costs one computation and one push), and pushes
only when the result changed. Each subscriber holds only the newest value, so a slow
subscriber skips stale values instead of queueing them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Hashable
from typing import Any, Generic, TypeVar

from starlette.concurrency import run_in_threadpool

from app.broadcast.base import CATCH_UP, Broadcaster

log = logging.getLogger(__name__)
T = TypeVar("T")


class LiveFeed(Generic[T]):
    """One computation and its newest result; ``version`` counts changed results."""

    def __init__(
        self, compute: Callable[[], T], fingerprint: Callable[[T], object], interval: float
    ) -> None:
        self._compute = compute
        self._fingerprint = fingerprint
        self._interval = interval
        self._wake = asyncio.Event()
        self._changed = asyncio.Event()
        self._seen_position = -1
        self._last_print: object = object()
        self.latest: T | None = None
        self.version = 0
        self.subscribers = 0
        self.task: asyncio.Task[None] | None = None

    def poke(self, position: int) -> None:
        """A listener of the broadcaster: something up to ``position`` changed."""
        if position == CATCH_UP or position > self._seen_position:
            self._seen_position = max(self._seen_position, position)
            self._wake.set()

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                value = await run_in_threadpool(self._compute)
            except Exception:  # keep the last good value; the next poke retries
                log.exception("live feed computation failed")
            else:
                await self._offer(value)
            await asyncio.sleep(self._interval)  # coalesce the pokes of a burst
            await self._wake.wait()

    async def _offer(self, value: T) -> None:
        fingerprint = self._fingerprint(value)
        if fingerprint == self._last_print:
            return
        self._last_print = fingerprint
        self.latest = value
        self.version += 1
        # A fresh event per value: setting it wakes every reader in one loop iteration.
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def values(self) -> AsyncIterator[T]:
        """The current value, then every changed one; skips values a slow reader missed."""
        seen = 0
        while True:
            if self.version > seen:
                value, seen = self.latest, self.version
                assert value is not None
                yield value
            else:
                await self._changed.wait()


class FeedHub:
    """The live feeds of one process, keyed by what they compute."""

    def __init__(self, broadcaster: Broadcaster, interval: float) -> None:
        self._broadcaster = broadcaster
        self._interval = interval
        self._feeds: dict[Hashable, LiveFeed[Any]] = {}

    @property
    def feeds(self) -> int:
        return len(self._feeds)

    @contextlib.asynccontextmanager
    async def subscribe(
        self, key: Hashable, compute: Callable[[], T], fingerprint: Callable[[T], object]
    ) -> AsyncIterator[LiveFeed[T]]:
        """Join (or start) the feed for ``key``; leaving the last subscriber stops it."""
        feed = self._feeds.get(key)
        if feed is None:
            feed = LiveFeed(compute, fingerprint, self._interval)
            self._feeds[key] = feed
            self._broadcaster.add_listener(feed.poke)
            feed.task = asyncio.create_task(feed.run(), name=f"feed {key!r}")
        feed.subscribers += 1
        try:
            yield feed
        finally:
            feed.subscribers -= 1
            if feed.subscribers == 0 and self._feeds.get(key) is feed:
                del self._feeds[key]
                self._broadcaster.remove_listener(feed.poke)
                if feed.task is not None:
                    feed.task.cancel()

    async def close(self) -> None:
        for feed in list(self._feeds.values()):
            self._broadcaster.remove_listener(feed.poke)
            if feed.task is not None:
                feed.task.cancel()
        self._feeds.clear()
