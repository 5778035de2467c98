"""What every broadcaster offers: publish from any thread, listen on the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

#: Called on the event loop with a position the read models have reached.
PositionListener = Callable[[int], None]
#: Delivered instead of a position when some may have been lost (a reconnect): re-read.
CATCH_UP = 0


class Broadcaster:
    """Publishes read-model positions; delivers them to listeners on one event loop.

    ``publish`` is safe from any thread (the projection runner calls it from its own).
    ``start`` binds the broadcaster to the running loop; until then nothing is delivered
    in this process, which is right for a process without subscribers.
    """

    def __init__(self) -> None:
        self._listeners: set[PositionListener] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.delivered = 0
        #: The newest position delivered on this process's loop (push lag, in /metrics).
        self.last_position = 0

    def add_listener(self, listener: PositionListener) -> None:
        self._listeners.add(listener)

    def remove_listener(self, listener: PositionListener) -> None:
        self._listeners.discard(listener)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        self._loop = None

    def publish(self, position: int) -> None:
        raise NotImplementedError

    def _deliver(self, position: int) -> None:
        """On the loop: hand ``position`` to every listener; one failing spares the rest."""
        self.delivered += 1
        self.last_position = max(self.last_position, position)
        for listener in list(self._listeners):
            try:
                listener(position)
            except Exception:
                log.exception("position listener failed")

    def _deliver_threadsafe(self, position: int) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        # The loop may close between the check and the call.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._deliver, position)
