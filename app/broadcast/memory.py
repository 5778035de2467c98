"""Embedded mode: positions go straight from the projection thread to this process's loop."""

from __future__ import annotations

from app.broadcast.base import Broadcaster


class InProcessBroadcaster(Broadcaster):
    """Delivers within one process; nothing leaves it."""

    def publish(self, position: int) -> None:
        self._deliver_threadsafe(position)
