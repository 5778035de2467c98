"""The per-token rate limit: one fixed window per token, counted where every worker sees it.

With Redis configured (``SKILLPATH_BROADCAST=redis``, as in production) the counter lives in
Redis, so two or more API workers share one limit per token: the first request of a window
creates ``<SKILLPATH_REDIS_CHANNEL_PREFIX>:rate:<token>`` with ``INCR`` and gives it a
``PEXPIRE`` of one window, every later one increments it, in one round trip (a Lua script,
atomic in Redis). Embedded (no Redis), or while Redis cannot be reached, each worker counts
in its own memory, as before: a Redis outage loosens the limit to per worker, it never
refuses or fails requests.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Protocol

import redis.asyncio as redis_asyncio
from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import FixedWindowRateLimiter
from redis.exceptions import RedisError

log = logging.getLogger("skillpath.rate")

WINDOW_SECONDS = 60

#: One request counted: the window's count so far and the milliseconds left in it.
HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); left = tonumber(ARGV[1]) end
return {count, left}
"""


@dataclass(frozen=True)
class Verdict:
    """Whether a request is within the limit, and if not, in how many seconds to retry."""

    allowed: bool
    retry_after: int = 0


class RateCounter(Protocol):
    async def hit(self, key: str) -> Verdict: ...

    async def close(self) -> None: ...


class LocalWindow:
    """A fixed window per key in this process's memory (the ``limits`` package)."""

    def __init__(self, per_minute: int) -> None:
        self._rate = RateLimitItemPerMinute(max(1, per_minute))
        self._limiter: FixedWindowRateLimiter | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _limiter_here(self) -> FixedWindowRateLimiter:
        # The storage's locks belong to one event loop; an app served by another loop
        # (tests run several) starts counting afresh.
        loop = asyncio.get_running_loop()
        if self._limiter is None or self._loop is not loop:
            self._limiter, self._loop = FixedWindowRateLimiter(MemoryStorage()), loop
        return self._limiter

    async def hit(self, key: str) -> Verdict:
        limiter = self._limiter_here()
        if await limiter.hit(self._rate, key):
            return Verdict(True)
        stats: Any = await limiter.get_window_stats(self._rate, key)
        return Verdict(False, max(1, math.ceil(stats.reset_time - time.time())))

    async def close(self) -> None:
        return None


class RedisWindow:
    """A fixed window per key in Redis, shared by every worker using the same prefix; the
    local window stands in while Redis does not answer."""

    def __init__(self, per_minute: int, url: str, prefix: str) -> None:
        self._per_minute = per_minute
        self._url = url
        self._prefix = f"{prefix}:rate:"
        self._fallback = LocalWindow(per_minute)
        self._client: redis_asyncio.Redis | None = None
        self._script: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._down_since: float | None = None

    def _client_here(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = redis_asyncio.Redis.from_url(
                self._url, socket_connect_timeout=0.5, socket_timeout=0.5
            )
            self._script, self._loop = self._client.register_script(HIT), loop
        return self._script

    def key(self, token: str) -> str:
        return self._prefix + token

    async def hit(self, key: str) -> Verdict:
        try:
            count, left_ms = await self._client_here()(
                keys=[self.key(key)], args=[WINDOW_SECONDS * 1000]
            )
        except (RedisError, OSError) as error:
            if self._down_since is None:
                self._down_since = time.monotonic()
                log.warning("rate limit counted per worker: Redis does not answer (%s)", error)
            return await self._fallback.hit(key)
        if self._down_since is not None:
            log.info("rate limit counted in Redis again")
            self._down_since = None
        if int(count) <= self._per_minute:
            return Verdict(True)
        return Verdict(False, max(1, math.ceil(int(left_ms) / 1000)))

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.aclose()


def rate_counter(per_minute: int, *, redis_url: str | None, prefix: str) -> RateCounter:
    """Redis's shared window when Redis is configured, else this worker's own."""
    if redis_url:
        return RedisWindow(per_minute, redis_url, prefix)
    return LocalWindow(per_minute)
