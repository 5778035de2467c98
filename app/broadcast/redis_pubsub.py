"""Production mode: positions fan out over Redis pub/sub to every API worker.

The projection process publishes each committed position on one channel; every API worker
listens on it and hands positions to its own feeds. When the connection to Redis drops the
listener reconnects with a growing pause, and after reconnecting tells its listeners to
re-read (``CATCH_UP``): whatever was published meanwhile is in the read models and the
event store, so subscribers catch up from there. Nothing here raises into the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading

import redis
import redis.asyncio as aioredis

from app.broadcast.base import CATCH_UP, Broadcaster

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 5.0


class RedisBroadcaster(Broadcaster):
    """Publishes on ``{prefix}:positions``; listens there while started."""

    def __init__(self, url: str, prefix: str) -> None:
        super().__init__()
        self.url = url
        self.channel = f"{prefix}:positions"
        #: Names this process's connections, so a test can cut exactly these.
        self.client_name = f"{prefix}-{os.getpid()}"
        self._publisher: redis.Redis | None = None
        self._publisher_lock = threading.Lock()
        self._listener: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()
        self.reconnects = 0

    # -- publishing (any thread) -----------------------------------------------------------

    def publish(self, position: int) -> None:
        # Local subscribers need not wait for the round trip through Redis.
        self._deliver_threadsafe(position)
        try:
            self._client().publish(self.channel, str(position))
        except (redis.RedisError, OSError) as error:
            log.warning("could not publish position %s to Redis: %s", position, error)

    def _client(self) -> redis.Redis:
        with self._publisher_lock:
            if self._publisher is None:
                self._publisher = redis.Redis.from_url(
                    self.url,
                    socket_timeout=2,
                    socket_connect_timeout=2,
                    client_name=f"{self.client_name}-pub",
                )
            return self._publisher

    # -- listening (event loop) --------------------------------------------------------------

    async def start(self) -> None:
        await super().start()
        self.connected = asyncio.Event()
        self._listener = asyncio.create_task(self._listen(), name="redis-positions")

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        with self._publisher_lock:
            if self._publisher is not None:
                self._publisher.close()
                self._publisher = None
        await super().stop()

    async def _listen(self) -> None:
        backoff = 0.1
        first = True
        while True:
            client = aioredis.Redis.from_url(
                self.url,
                socket_connect_timeout=2,
                client_name=f"{self.client_name}-sub",
                health_check_interval=5,
            )
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self.connected.set()
                    backoff = 0.1
                    if not first:
                        self.reconnects += 1
                        log.info("reconnected to Redis; subscribers catch up from the store")
                        self._deliver(CATCH_UP)
                    first = False
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._deliver(_position(message.get("data")))
            except asyncio.CancelledError:
                raise
            except (redis.RedisError, OSError) as error:
                self.connected.clear()
                log.warning("lost Redis (%s); reconnecting in %.1fs", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            finally:
                with contextlib.suppress(Exception):
                    await client.aclose()


def _position(data: object) -> int:
    try:
        return int(data.decode() if isinstance(data, bytes) else str(data))
    except ValueError:
        return CATCH_UP
