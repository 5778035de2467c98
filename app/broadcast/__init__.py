"""Live pushes: tell every API process that the read models moved on, and feed subscribers.

A broadcaster carries one thing, the event-store position the read models have reached
after a committed batch. Embedded mode delivers it inside the process; production fans it
out over Redis pub/sub to every API worker. Either way a lost message costs nothing but
latency: feeds re-read the read models and the event store, never the message.
"""

from __future__ import annotations

from app.broadcast.base import Broadcaster, PositionListener
from app.broadcast.memory import InProcessBroadcaster
from app.broadcast.redis_pubsub import RedisBroadcaster
from app.settings import Settings


def broadcaster_for(settings: Settings) -> Broadcaster:
    """The broadcaster the settings ask for (``SKILLPATH_BROADCAST``)."""
    if settings.broadcast == "redis":
        return RedisBroadcaster(settings.redis_url, settings.redis_channel_prefix)
    return InProcessBroadcaster()


__all__ = [
    "Broadcaster",
    "InProcessBroadcaster",
    "PositionListener",
    "RedisBroadcaster",
    "broadcaster_for",
]
