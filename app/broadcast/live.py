"""Everything live pushes need in one API process: the broadcaster, shared feeds, the log tail.

Built once per process with the services; bound to the event loop that serves WebSockets on
first use (or at start-up through the web app's lifespan).
"""

from __future__ import annotations

import asyncio
from typing import Any

from app.broadcast import broadcaster_for
from app.broadcast.base import Broadcaster
from app.broadcast.feeds import FeedHub
from app.broadcast.shared_streams import SharedStreams
from app.broadcast.tail import EventTail, log_reader
from app.settings import Settings


class Live:
    """The live side of one process; ``publish`` is what the projection runner calls."""

    def __init__(self, settings: Settings, application: Any) -> None:
        self.settings = settings
        self._application = application
        self.broadcaster: Broadcaster = broadcaster_for(settings)
        self.feeds = FeedHub(self.broadcaster, settings.push_interval_seconds)
        self.tail = self._new_tail()
        self.streams = SharedStreams()
        self._loop: asyncio.AbstractEventLoop | None = None

    def _new_tail(self) -> EventTail:
        app = self._application
        return EventTail(
            log_reader(app),
            lambda: int(app.recorder.max_notification_id() or 0),
            self.broadcaster,
            self.settings.subscription_queue_size,
        )

    def publish(self, position: int) -> None:
        """A listener of committed projection batches (any thread)."""
        self.broadcaster.publish(position)

    async def ensure_started(self) -> None:
        """Bind to the running loop; a new loop (a restarted server) gets fresh feeds."""
        loop = asyncio.get_running_loop()
        if self._loop is loop:
            return
        if self._loop is not None:
            await self.stop()
            self.feeds = FeedHub(self.broadcaster, self.settings.push_interval_seconds)
            self.tail = self._new_tail()
            self.streams = SharedStreams()
        self._loop = loop
        await self.broadcaster.start()

    async def stop(self) -> None:
        await self.feeds.close()
        await self.tail.close()
        await self.broadcaster.stop()
        self._loop = None
