"""Bounds on every HTTP request, each a setting: body size, UTF-8, rate per token, time.

A body over ``SKILLPATH_MAX_BODY_BYTES`` is refused as soon as its announced length (or, if
it announces none, its bytes read so far) pass the limit; a body that is not UTF-8 is
refused before any JSON parsing. Both get a JSON 400. A token making more than
``SKILLPATH_RATE_LIMIT_PER_MINUTE`` requests in one minute (a fixed window: one counter per
token and minute, O(1) per request) gets a JSON 429 with ``Retry-After``: counted across
every API worker in Redis when Redis is configured, else in the worker's memory
(app/http/rate.py). A request still running after
``SKILLPATH_REQUEST_TIMEOUT_SECONDS`` is answered with a JSON 503 coded ``TIMEOUT``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import JSONResponse

from app.http.rate import rate_counter
from app.settings import Settings


def refusal(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    """A GraphQL-shaped error body with a code, and no data."""
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status, headers=headers or None)


@dataclass(frozen=True)
class Refused:
    """Why a request is refused before it runs; each endpoint answers it in its own shape
    (GraphQL errors for /graphql, the xAPI error body for /xapi)."""

    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    def graphql(self) -> JSONResponse:
        return refusal(self.status, self.code, self.message, **self.headers)


class RequestGuard:
    """The limits of one API worker, from its settings."""

    def __init__(self, settings: Settings) -> None:
        self.max_body_bytes = settings.max_body_bytes
        self.timeout_seconds = settings.request_timeout_seconds
        self._per_minute = settings.rate_limit_per_minute
        shared = settings.redis_url if settings.broadcast == "redis" else None
        self._counter = rate_counter(
            self._per_minute, redis_url=shared, prefix=settings.redis_channel_prefix
        )

    async def close(self) -> None:
        await self._counter.close()

    async def read_body(self, request: Request) -> JSONResponse | None:
        """Read and keep the body; a refusal if it is too large or not UTF-8."""
        refused = await self.check_body(request)
        return None if refused is None else refused.graphql()

    async def check_body(self, request: Request, limit: int | None = None) -> Refused | None:
        """Read and keep the body (``request.body()`` answers it next); why it is refused
        if it is over ``limit`` (the setting by default) or not UTF-8."""
        limit = self.max_body_bytes if limit is None else limit
        announced = request.headers.get("content-length", "")
        if announced.isdigit() and int(announced) > limit:
            return _too_large(limit)
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return _too_large(limit)
            chunks.append(chunk)
        body = b"".join(chunks)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as error:
            return Refused(
                400, "BODY_NOT_UTF8",
                f"The request body is not UTF-8 (invalid byte at offset {error.start}).",
            )  # fmt: skip
        request._body = body  # what strawberry reads next
        return None

    async def admit(self, key: str) -> JSONResponse | None:
        """Count one request of ``key`` (a token's subject); a 429 when over the rate."""
        refused = await self.check_rate(key)
        return None if refused is None else refused.graphql()

    async def check_rate(self, key: str) -> Refused | None:
        """Count one request of ``key``; why it is refused when over the rate."""
        if self._per_minute <= 0:
            return None
        verdict = await self._counter.hit(key)
        if verdict.allowed:
            return None
        retry = verdict.retry_after
        return Refused(
            429, "RATE_LIMITED",
            f"More than {self._per_minute} requests a minute with this token; retry in {retry} s.",
            {"Retry-After": str(retry)},
        )  # fmt: skip

    def timed_out(self) -> JSONResponse:
        return self.timeout().graphql()

    def timeout(self) -> Refused:
        return Refused(
            503, "TIMEOUT",
            f"The request took longer than {self.timeout_seconds:g} s and was abandoned.",
        )  # fmt: skip


def _too_large(limit: int) -> Refused:
    return Refused(400, "BODY_TOO_LARGE", f"The request body is larger than {limit} bytes.")
